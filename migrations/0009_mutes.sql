-- Muted accounts (Mastodon's mutes): hidden from the home timeline, and from notifications when
-- `hide_notifications`; `expires_at` null means until unmuted. Local only: nothing federates.
CREATE TABLE `mutes` (
	`actor_id` text PRIMARY KEY NOT NULL,
	`hide_notifications` integer NOT NULL,
	`expires_at` integer,
	`created_at` integer NOT NULL
);
