-- The Mastodon client API: OAuth apps, codes and tokens (secrets stored as SHA-256), stable
-- numeric ids for accounts and statuses, the status index timelines read, bookmarks, pins and
-- Idempotency-Key answers.
CREATE TABLE `oauth_apps` (
	`id` integer PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`client_secret_hash` text NOT NULL,
	`name` text NOT NULL,
	`website` text,
	`redirect_uris` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_apps_client_id` ON `oauth_apps` (`client_id`);--> statement-breakpoint
CREATE TABLE `oauth_codes` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`app_id` integer NOT NULL REFERENCES `oauth_apps`(`id`) ON DELETE CASCADE,
	`redirect_uri` text NOT NULL,
	`scopes` text NOT NULL,
	`code_challenge` text,
	`expires_at` integer NOT NULL
);--> statement-breakpoint
CREATE TABLE `oauth_tokens` (
	`id` integer PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`app_id` integer NOT NULL REFERENCES `oauth_apps`(`id`) ON DELETE CASCADE,
	`scopes` text NOT NULL,
	`acts_as_owner` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_tokens_hash` ON `oauth_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `account_ids` (
	`id` integer PRIMARY KEY NOT NULL,
	`actor_id` text NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `account_ids_actor` ON `account_ids` (`actor_id`);--> statement-breakpoint
CREATE TABLE `statuses` (
	`id` integer PRIMARY KEY NOT NULL,
	`uri` text NOT NULL,
	`actor_id` text NOT NULL,
	`reblog_of_uri` text,
	`local` integer NOT NULL,
	`visibility` text NOT NULL,
	`in_reply_to` text,
	`published` integer NOT NULL,
	`home` integer DEFAULT 0 NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `statuses_uri` ON `statuses` (`uri`);--> statement-breakpoint
CREATE INDEX `statuses_home` ON `statuses` (`home`, `id`);--> statement-breakpoint
CREATE INDEX `statuses_actor` ON `statuses` (`actor_id`, `id`);--> statement-breakpoint
CREATE INDEX `statuses_reply` ON `statuses` (`in_reply_to`);--> statement-breakpoint
CREATE INDEX `statuses_reblog` ON `statuses` (`reblog_of_uri`);--> statement-breakpoint
CREATE TABLE `bookmarks` (
	`id` integer PRIMARY KEY NOT NULL,
	`status_uri` text NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `bookmarks_status` ON `bookmarks` (`status_uri`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`status_uri` text NOT NULL,
	`created_at` integer NOT NULL
);--> statement-breakpoint
-- Our posts and boosts so far get ids from their publication time (ms × 2048, low bits from the rowid).
INSERT INTO `statuses` (`id`, `uri`, `actor_id`, `reblog_of_uri`, `local`, `visibility`, `in_reply_to`, `published`, `home`)
	SELECT `published` * 2048 + (`rowid` % 2048), `id`, json_extract(`document`, '$.attributedTo'), NULL, 1, `visibility`, `in_reply_to`, `published`, 1 FROM `objects` WHERE `deleted_at` IS NULL;--> statement-breakpoint
INSERT OR IGNORE INTO `statuses` (`id`, `uri`, `actor_id`, `reblog_of_uri`, `local`, `visibility`, `in_reply_to`, `published`, `home`)
	SELECT `published` * 2048 + (`rowid` % 2048), `id`, json_extract(`document`, '$.actor'), `object_id`, 1, `visibility`, NULL, `published`, 1 FROM `activities` WHERE `type` = 'Announce';--> statement-breakpoint
-- Replies and mentions already stored.
INSERT OR IGNORE INTO `statuses` (`id`, `uri`, `actor_id`, `reblog_of_uri`, `local`, `visibility`, `in_reply_to`, `published`, `home`)
	SELECT coalesce(`published`, 0) * 2048 + (`rowid` % 2048), `id`, `actor_id`, NULL, 0, 'public', `in_reply_to`, coalesce(`published`, 0), 0 FROM `remote_objects`;
