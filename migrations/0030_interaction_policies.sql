-- Issue #15: GoToSocial interaction policies and "fetch all replies".
--
-- interaction_requests: the owner's likes, replies and boosts of remote posts whose interaction
-- policy wants them approved. The interaction waits here (`activity`, the JSON sent once
-- approved) while its LikeRequest / ReplyRequest / AnnounceRequest (`id`) is answered: Accept
-- (its `result` kept as `authorization`) or Reject.
CREATE TABLE `interaction_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`interaction` text NOT NULL,
	`interaction_id` text NOT NULL,
	`target` text NOT NULL,
	`target_author` text NOT NULL,
	`activity` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`authorization` text,
	`created_at` integer NOT NULL,
	`answered_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `interaction_requests_interaction` ON `interaction_requests` (`interaction_id`);
--> statement-breakpoint
CREATE INDEX `interaction_requests_target` ON `interaction_requests` (`target`, `interaction`);
--> statement-breakpoint
-- reply_fetches: remote posts whose `replies` collection a `replies` job read, when, and how many
-- replies it fetched: the debounce (one read per post per 15 minutes, as Mastodon's
-- FETCH_REPLIES_DEBOUNCE) and the daily bound (the sum of `fetched` over the last day).
CREATE TABLE `reply_fetches` (
	`uri` text PRIMARY KEY NOT NULL,
	`fetched_at` integer NOT NULL,
	`fetched` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reply_fetches_time` ON `reply_fetches` (`fetched_at`);
