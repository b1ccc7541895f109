-- Scheduled posts, direct conversations and followed hashtags (#11 items 7 and 9; docs/client-api.md).

-- Posts the owner asked to publish later. `input` is the checked PostInput (src/domain/posts/input.ts)
-- the publisher hands to publishNote when the time comes; `params` is what the ScheduledStatus
-- entity shows. Media the post will carry are held by setting their `status_uri` to
-- `urn:roost:scheduled:<id>`, so the clean-up of unattached uploads leaves them alone.
CREATE TABLE `scheduled_statuses` (
	`id` integer PRIMARY KEY NOT NULL,
	`scheduled_at` integer NOT NULL,
	`input` text NOT NULL,
	`params` text NOT NULL,
	`media_ids` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scheduled_statuses_due` ON `scheduled_statuses` (`scheduled_at`);
--> statement-breakpoint
-- The owner's direct-message conversations, as Mastodon's AccountConversation: one per thread
-- (its top, as the conversation mutes find it) and set of other participants (sorted JSON array
-- of actor ids). `last_status_id` is the newest of its statuses (the list is ordered by it).
CREATE TABLE `direct_conversations` (
	`id` integer PRIMARY KEY NOT NULL,
	`root_uri` text NOT NULL,
	`participants` text NOT NULL,
	`last_status_id` integer NOT NULL,
	`unread` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `direct_conversations_key` ON `direct_conversations` (`root_uri`, `participants`);
--> statement-breakpoint
CREATE INDEX `direct_conversations_last` ON `direct_conversations` (`last_status_id`);
--> statement-breakpoint
CREATE TABLE `direct_conversation_statuses` (
	`status_uri` text NOT NULL,
	`conversation_id` integer NOT NULL,
	PRIMARY KEY(`status_uri`, `conversation_id`)
);
--> statement-breakpoint
CREATE INDEX `direct_conversation_statuses_conversation` ON `direct_conversation_statuses` (`conversation_id`);
--> statement-breakpoint
-- A status leaving the index (our delete, a remote Delete, an account gone, pruning) leaves its
-- conversations, as Mastodon's remove_status: the last status moves back, and a conversation left
-- with no status goes. Triggers, so no delete path can forget it.
CREATE TRIGGER direct_conversation_status_deleted AFTER DELETE ON statuses
BEGIN
	DELETE FROM direct_conversation_statuses WHERE status_uri = old.uri;
	DELETE FROM direct_conversations WHERE last_status_id = old.id
		AND NOT EXISTS (SELECT 1 FROM direct_conversation_statuses l WHERE l.conversation_id = direct_conversations.id);
	UPDATE direct_conversations SET last_status_id = (
		SELECT max(s.id) FROM direct_conversation_statuses l JOIN statuses s ON s.uri = l.status_uri WHERE l.conversation_id = direct_conversations.id
	) WHERE last_status_id = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER direct_conversation_deleted AFTER DELETE ON direct_conversations
BEGIN
	DELETE FROM direct_conversation_statuses WHERE conversation_id = old.id;
END;
--> statement-breakpoint
-- Hashtags the owner follows: public posts carrying one are kept for home from any sender.
-- `name` is lowercased (how posts are matched); `display_name` as the owner first wrote it.
CREATE TABLE `followed_tags` (
	`name` text PRIMARY KEY NOT NULL,
	`id` integer NOT NULL,
	`display_name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `followed_tags_id` ON `followed_tags` (`id`);
