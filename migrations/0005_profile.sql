-- The owner's profile as changed at runtime (Mastodon's update_credentials). Absent: the
-- wrangler.toml [vars] are the profile; present: its fields win over them.
CREATE TABLE `profile` (
	`id` integer PRIMARY KEY NOT NULL,
	`data` text NOT NULL,
	`updated_at` integer NOT NULL
);
