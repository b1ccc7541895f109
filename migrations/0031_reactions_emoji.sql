-- Emoji reactions (FEP-c0e0 EmojiReact, Misskey's Like with a reaction) and the owner's custom
-- emoji (docs/federation.md → Emoji reactions, Custom emoji).

-- A custom-emoji reaction keeps the emoji's image URL (the remote server's, never copied).
ALTER TABLE `reactions` ADD `emoji_url` text;
--> statement-breakpoint
-- Misskey's reactions arrive as Like with `content`/`_misskey_reaction`: they were counted as
-- likes; they are reactions. Their notifications follow, and the pages' like counts change.
UPDATE `reactions` SET `type` = 'EmojiReact' WHERE `type` = 'Like' AND `content` IS NOT NULL AND `content` <> '';
--> statement-breakpoint
UPDATE `notifications` SET `type` = 'reaction'
  WHERE `type` = 'like' AND `activity_id` IN (SELECT `activity_id` FROM `reactions` WHERE `type` = 'EmojiReact');
--> statement-breakpoint
UPDATE `counters` SET `n` = `n` + 1 WHERE `name` = 'public_version';
--> statement-breakpoint
-- One reaction per actor per emoji per post: a second with another activity id is not counted.
DELETE FROM `reactions` WHERE `type` = 'EmojiReact' AND rowid NOT IN (
  SELECT min(rowid) FROM `reactions` WHERE `type` = 'EmojiReact' GROUP BY `object_id`, `actor_id`, `content`);
--> statement-breakpoint
CREATE UNIQUE INDEX `reactions_one_emoji` ON `reactions` (`object_id`, `actor_id`, `content`) WHERE `type` = 'EmojiReact';
--> statement-breakpoint
-- The owner's custom emoji: the image in R2 under `key`, served at /media/<key>.
CREATE TABLE `custom_emojis` (
  `shortcode` text PRIMARY KEY NOT NULL,
  `key` text NOT NULL,
  `media_type` text NOT NULL,
  `category` text,
  `visible_in_picker` integer DEFAULT 1 NOT NULL,
  `updated_at` integer NOT NULL
);
--> statement-breakpoint
-- Pages show the owner's emoji in posts and names: a change makes the cached pages fresh.
CREATE TRIGGER custom_emojis_public_insert AFTER INSERT ON custom_emojis BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER custom_emojis_public_update AFTER UPDATE ON custom_emojis BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER custom_emojis_public_delete AFTER DELETE ON custom_emojis BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
