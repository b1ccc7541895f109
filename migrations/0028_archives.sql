-- Account archives (issue #14 item 4, docs/portability.md): exports in the shape of Mastodon's
-- archive (app/services/backup_service.rb), built into R2 by `archive` jobs a few entries at a
-- time, and imports of an archive's posts, read from R2 by the same jobs.
--
-- kind: export | import; state: queued | running | finished | failed (error says why).
-- `key`: the zip in the media bucket. `cursor`: the job's resumable state, JSON (an export's
-- multipart upload, its parts and the entries written; an import's place in outbox.json).
-- total/processed/imported/skipped/failed count posts; failures: the first ones' reasons, JSON.
CREATE TABLE `archives` (
	`id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
	`key` text NOT NULL,
	`size` integer,
	`cursor` text NOT NULL DEFAULT '{}',
	`total` integer NOT NULL DEFAULT 0,
	`processed` integer NOT NULL DEFAULT 0,
	`imported` integer NOT NULL DEFAULT 0,
	`skipped` integer NOT NULL DEFAULT 0,
	`failed` integer NOT NULL DEFAULT 0,
	`failures` text NOT NULL DEFAULT '[]',
	`error` text,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
-- An uploaded archive's central directory, read in the upload's request (a damaged zip is
-- refused there): where each entry is, for the jobs' range reads.
CREATE TABLE `archive_entries` (
	`archive_id` integer NOT NULL,
	`name` text NOT NULL,
	`method` integer NOT NULL,
	`compressed_size` integer NOT NULL,
	`size` integer NOT NULL,
	`offset` integer NOT NULL,
	PRIMARY KEY(`archive_id`, `name`)
);
--> statement-breakpoint
-- Imported posts: the archive's post id → ours, written in the one batch that stores a job's
-- posts, so a post is made once: a job run again, or the same archive imported twice, skips it.
-- state: done (the one state so far; kept so a later two-phase import needs no migration).
CREATE TABLE `archive_posts` (
	`source_uri` text PRIMARY KEY NOT NULL,
	`object_id` text NOT NULL,
	`archive_id` integer NOT NULL,
	`state` text NOT NULL
);
