-- Link preview cards (src/domain/cards.ts, docs/client-api.md → Link cards). One row per URL,
-- shared by every post linking it: a page is fetched once, then at most once in REFRESH_MS.
-- `card` is the PreviewCard entity as JSON (null: never fetched, or the page gave no card);
-- while `retry_after` is in the future no fetch of the URL is queued (a pending job, a recent
-- fetch, or a remembered failure, whose reason is `failure`).
CREATE TABLE `preview_cards` (
	`url` text PRIMARY KEY NOT NULL,
	`card` text,
	`fetched_at` integer,
	`retry_after` integer NOT NULL,
	`failure` text
);
--> statement-breakpoint
-- The first link of each post (ours or remote) that has one.
CREATE TABLE `status_cards` (
	`status_uri` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `status_cards_url` ON `status_cards` (`url`);
--> statement-breakpoint
-- Whatever path removes a post (our delete, a remote Delete, pruning) removes its link.
CREATE TRIGGER status_cards_status_delete AFTER DELETE ON statuses
BEGIN
  DELETE FROM status_cards WHERE status_uri = OLD.uri;
END;
