-- Account extras of the client API (Mastodon's): the options of a follow, private notes on
-- accounts, pinned posts (the featured collection), read markers and muted conversations.
--
-- A follow's options (POST /accounts/:id/follow `reblogs`, `notify`): boosts in home, and a
-- `status` notification for each new post.
ALTER TABLE `following` ADD `show_reblogs` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `following` ADD `notify` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The owner's private note on an account (relationship `note`).
CREATE TABLE `account_notes` (
	`actor_id` text PRIMARY KEY NOT NULL,
	`comment` text NOT NULL,
	`updated_at` integer NOT NULL
);--> statement-breakpoint
-- The owner's pinned posts; the id orders them (newest pin first), AUTOINCREMENT so an id is
-- never reused after an unpin.
CREATE TABLE `pins` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`status_uri` text NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `pins_status` ON `pins` (`status_uri`);--> statement-breakpoint
-- The featured collection is cached by public_version (0005): a pin or an unpin makes the cached
-- copies unreachable.
CREATE TRIGGER pins_public_insert AFTER INSERT ON pins BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;--> statement-breakpoint
CREATE TRIGGER pins_public_delete AFTER DELETE ON pins BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;--> statement-breakpoint
-- Read markers (GET/POST /api/v1/markers): `home` and `notifications`; the version counts changes.
CREATE TABLE `markers` (
	`timeline` text PRIMARY KEY NOT NULL,
	`last_read_id` integer NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL
);--> statement-breakpoint
-- Muted conversations (POST /statuses/:id/mute), by the thread's top post as the index knows it.
CREATE TABLE `conversation_mutes` (
	`root_uri` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL
);
