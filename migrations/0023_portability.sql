-- Portability (issue #14, docs/portability.md): moving here, moving away, CSV imports.
--
-- The followers of an old account (an alias in the profile's alsoKnownAs), read from its followers
-- collection by `alias` jobs: a Follow from one of them is accepted even under manual approval,
-- and the migration's progress counts how many of them follow us now.
CREATE TABLE `alias_snapshots` (
	`alias` text PRIMARY KEY NOT NULL,
	-- The collection's totalItems (null: it gives none), and how many ids it has listed so far.
	`expected` integer,
	`listed` integer NOT NULL DEFAULT 0,
	-- listing | done | failed (error says why: the collection hides its items, the server is gone).
	`state` text NOT NULL,
	`error` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alias_followers` (
	`alias` text NOT NULL,
	`actor_id` text NOT NULL,
	PRIMARY KEY(`alias`, `actor_id`)
);
--> statement-breakpoint
CREATE INDEX `alias_followers_actor` ON `alias_followers` (`actor_id`);
--> statement-breakpoint
-- Moving away: the Move we sent last (one row). movedTo itself is in the profile row, so the
-- actor and its cached copies change with it.
CREATE TABLE `outgoing_moves` (
	`id` integer PRIMARY KEY NOT NULL,
	`target` text NOT NULL,
	`activity_id` text NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
-- CSV imports (Mastodon's bulk imports): the file is parsed in the request and its rows stored;
-- `import` jobs apply them a few at a time. State: queued | running | finished.
CREATE TABLE `imports` (
	`id` integer PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`mode` text NOT NULL,
	`state` text NOT NULL,
	`total` integer NOT NULL,
	`processed` integer NOT NULL DEFAULT 0,
	`imported` integer NOT NULL DEFAULT 0,
	`failed` integer NOT NULL DEFAULT 0,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
-- One row per CSV line: `line` is its line number in the file; data is the parsed row, JSON;
-- state pending | done | failed; actor_id what the row resolved to (the account's actor id, or the
-- bookmarked post's URI), which an overwrite import keeps.
CREATE TABLE `import_rows` (
	`import_id` integer NOT NULL,
	`line` integer NOT NULL,
	`data` text NOT NULL,
	`state` text NOT NULL DEFAULT 'pending',
	`error` text,
	`actor_id` text,
	PRIMARY KEY(`import_id`, `line`)
);
--> statement-breakpoint
CREATE INDEX `import_rows_state` ON `import_rows` (`import_id`, `state`, `line`);
