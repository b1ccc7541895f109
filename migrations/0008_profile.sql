-- The owner's profile as changed at runtime (Mastodon's update_credentials). Absent: the
-- wrangler.toml [vars] are the profile; present: its fields win over them.
CREATE TABLE `profile` (
	`id` integer PRIMARY KEY NOT NULL,
	`data` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
-- The actor document and the profile page are cached by public_version (0005): a profile change
-- makes the cached copies unreachable.
CREATE TRIGGER profile_public_insert AFTER INSERT ON profile BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;--> statement-breakpoint
CREATE TRIGGER profile_public_update AFTER UPDATE ON profile BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
