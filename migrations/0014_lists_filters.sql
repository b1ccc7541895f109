-- Lists and filters (Mastodon's lists, list_accounts, custom_filters, custom_filter_keywords,
-- custom_filter_statuses), for the one owner. Ids are snowflakes, as every id the client API shows.
-- D1 enforces foreign keys: deleting a list or a filter deletes what belongs to it.
CREATE TABLE `lists` (
	`id` integer PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`replies_policy` text DEFAULT 'list' NOT NULL,
	`exclusive` integer DEFAULT 0 NOT NULL
);--> statement-breakpoint
-- A member: an account the owner follows or asked to follow, or the owner. The id is the time it
-- was added, which pages GET /api/v1/lists/:id/accounts.
CREATE TABLE `list_accounts` (
	`id` integer PRIMARY KEY NOT NULL,
	`list_id` integer NOT NULL REFERENCES `lists`(`id`) ON DELETE CASCADE,
	`actor_id` text NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `list_accounts_member` ON `list_accounts` (`list_id`, `actor_id`);--> statement-breakpoint
CREATE INDEX `list_accounts_actor` ON `list_accounts` (`actor_id`);--> statement-breakpoint
-- As Mastodon (a list account belongs to its follow or follow request): an account no longer
-- followed leaves every list, whichever way the follow ended (unfollow, Reject, block, Move).
CREATE TRIGGER `list_accounts_unfollowed` AFTER DELETE ON `following`
BEGIN
  DELETE FROM list_accounts WHERE actor_id = OLD.actor_id;
END;
--> statement-breakpoint
-- `context` is a JSON array of home, notifications, public, thread, account; `action` warn, hide
-- or blur; `expires_at` ms (null: never).
CREATE TABLE `filters` (
	`id` integer PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`context` text NOT NULL,
	`action` text DEFAULT 'warn' NOT NULL,
	`expires_at` integer
);--> statement-breakpoint
CREATE TABLE `filter_keywords` (
	`id` integer PRIMARY KEY NOT NULL,
	`filter_id` integer NOT NULL REFERENCES `filters`(`id`) ON DELETE CASCADE,
	`keyword` text NOT NULL,
	`whole_word` integer DEFAULT 1 NOT NULL
);--> statement-breakpoint
CREATE INDEX `filter_keywords_filter` ON `filter_keywords` (`filter_id`);--> statement-breakpoint
CREATE TABLE `filter_statuses` (
	`id` integer PRIMARY KEY NOT NULL,
	`filter_id` integer NOT NULL REFERENCES `filters`(`id`) ON DELETE CASCADE,
	`status_id` integer NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `filter_statuses_status` ON `filter_statuses` (`filter_id`, `status_id`);
