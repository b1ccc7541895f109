-- Inbox hardening (issue #8).
-- inbox_activities: exactly-once is keyed on (actor, id), so nobody can pre-claim another
-- server's activity id; the body is kept only while the activity is queued, and the SHA-256 of
-- the body is kept instead. Rows are pruned by the scheduled job (src/inbox/prune.ts).
CREATE TABLE `inbox_activities_new` (
	`actor_id` text NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`digest` text,
	`body` text,
	`state` text NOT NULL,
	`error` text,
	`received_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`actor_id`, `id`)
);
--> statement-breakpoint
INSERT INTO `inbox_activities_new` (`actor_id`, `id`, `type`, `digest`, `body`, `state`, `error`, `received_at`)
  SELECT `actor_id`, `id`, `type`, NULL, CASE WHEN `state` = 'queued' THEN `body` ELSE NULL END, `state`, `error`, `received_at`
  FROM `inbox_activities`;
--> statement-breakpoint
DROP TABLE `inbox_activities`;
--> statement-breakpoint
ALTER TABLE `inbox_activities_new` RENAME TO `inbox_activities`;
--> statement-breakpoint
CREATE INDEX `inbox_activities_received` ON `inbox_activities` (`received_at`);
--> statement-breakpoint
-- Every key id of a cached remote actor, so a key id without a fragment is one index lookup.
CREATE TABLE `remote_actor_keys` (
	`key_id` text PRIMARY KEY NOT NULL,
	`actor_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `remote_actor_keys_actor` ON `remote_actor_keys` (`actor_id`);
--> statement-breakpoint
INSERT OR IGNORE INTO `remote_actor_keys` (`key_id`, `actor_id`)
  SELECT json_extract(k.value, '$.id'), a.id FROM `remote_actors` a, json_each(a.rsa_keys) k WHERE json_extract(k.value, '$.id') IS NOT NULL;
--> statement-breakpoint
INSERT OR IGNORE INTO `remote_actor_keys` (`key_id`, `actor_id`)
  SELECT json_extract(k.value, '$.id'), a.id FROM `remote_actors` a, json_each(a.ed25519_keys) k WHERE json_extract(k.value, '$.id') IS NOT NULL;
--> statement-breakpoint
-- When a key was last fetched, and until when a failed fetch (unknown, 404, 410) is remembered.
CREATE TABLE `key_fetches` (
	`key_id` text PRIMARY KEY NOT NULL,
	`fetched_at` integer NOT NULL,
	`failed_until` integer,
	`failed_status` integer
);
--> statement-breakpoint
-- The last Move recorded per account: at most one per 7 days (Mastodon's move cooldown).
CREATE TABLE `account_moves` (
	`actor_id` text PRIMARY KEY NOT NULL,
	`target` text NOT NULL,
	`moved_at` integer NOT NULL
);
--> statement-breakpoint
-- When we last sent an Accept to a follower, so a repeated Follow re-sends it at most hourly.
CREATE TABLE `follow_accepts` (
	`actor_id` text PRIMARY KEY NOT NULL,
	`sent_at` integer NOT NULL
);
