-- Edit history (GET /api/v1/statuses/:id/history): the versions a status had before its current
-- one, in the order they were replaced (the id). The current version stays in objects /
-- remote_objects; src/domain/status-edits.ts keeps at most 20 versions a status.
CREATE TABLE `status_edits` (
	`id` integer PRIMARY KEY NOT NULL,
	`status_uri` text NOT NULL,
	`content` text NOT NULL,
	`spoiler_text` text,
	`sensitive` integer NOT NULL,
	`source` text,
	`media` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL
);--> statement-breakpoint
CREATE INDEX `status_edits_status` ON `status_edits` (`status_uri`, `id`);--> statement-breakpoint
-- A status that goes (deleted by its author, pruned, its account gone) takes its versions with it,
-- whichever path removed it.
CREATE TRIGGER status_edits_status_delete AFTER DELETE ON statuses
BEGIN
  DELETE FROM status_edits WHERE status_uri = OLD.uri;
END;
--> statement-breakpoint
CREATE TRIGGER status_edits_remote_delete AFTER DELETE ON remote_objects
BEGIN
  DELETE FROM status_edits WHERE status_uri = OLD.id;
END;
--> statement-breakpoint
-- Thread parents asked for through the queue (src/domain/threads.ts): while `retry_after` is in
-- the future no other fetch of that parent is queued; `failure` says why the last one failed.
CREATE TABLE `thread_fetches` (
	`uri` text PRIMARY KEY NOT NULL,
	`retry_after` integer NOT NULL,
	`failure` text
);
