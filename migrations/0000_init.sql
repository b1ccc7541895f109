CREATE TABLE `activities` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`object_id` text,
	`visibility` text NOT NULL,
	`document` text NOT NULL,
	`published` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `activities_published` ON `activities` (`visibility`,`published`);--> statement-breakpoint
CREATE TABLE `blocks` (
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`kind`, `value`)
);
--> statement-breakpoint
CREATE TABLE `delivery_hosts` (
	`host` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`since` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `delivery_targets` (
	`inbox` text PRIMARY KEY NOT NULL,
	`follower_count` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `fanouts` (
	`activity_id` text PRIMARY KEY NOT NULL,
	`targets` integer NOT NULL,
	`batches` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `followers` (
	`actor_id` text PRIMARY KEY NOT NULL,
	`inbox` text NOT NULL,
	`shared_inbox` text,
	`follow_activity_id` text NOT NULL,
	`state` text NOT NULL,
	`moved_to` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `followers_state` ON `followers` (`state`,`created_at`);--> statement-breakpoint
CREATE TABLE `following` (
	`actor_id` text PRIMARY KEY NOT NULL,
	`inbox` text NOT NULL,
	`follow_activity_id` text NOT NULL,
	`state` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `inbox_activities` (
	`id` text PRIMARY KEY NOT NULL,
	`actor_id` text NOT NULL,
	`type` text NOT NULL,
	`body` text NOT NULL,
	`state` text NOT NULL,
	`error` text,
	`received_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inbox_activities_actor` ON `inbox_activities` (`actor_id`);--> statement-breakpoint
CREATE TABLE `keys` (
	`kind` text PRIMARY KEY NOT NULL,
	`public_key` text NOT NULL,
	`private_key` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`actor_id` text NOT NULL,
	`object_id` text,
	`activity_id` text NOT NULL,
	`detail` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notifications_actor` ON `notifications` (`actor_id`);--> statement-breakpoint
CREATE INDEX `notifications_created` ON `notifications` (`created_at`);--> statement-breakpoint
CREATE TABLE `objects` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`visibility` text NOT NULL,
	`in_reply_to` text,
	`document` text NOT NULL,
	`published` integer NOT NULL,
	`updated` integer,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `objects_published` ON `objects` (`published`);--> statement-breakpoint
CREATE TABLE `reactions` (
	`activity_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`actor_id` text NOT NULL,
	`object_id` text NOT NULL,
	`content` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reactions_object` ON `reactions` (`object_id`,`type`);--> statement-breakpoint
CREATE INDEX `reactions_actor` ON `reactions` (`actor_id`);--> statement-breakpoint
CREATE TABLE `remote_actors` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`preferred_username` text,
	`name` text,
	`url` text,
	`inbox` text NOT NULL,
	`shared_inbox` text,
	`rsa_keys` text DEFAULT '[]' NOT NULL,
	`ed25519_keys` text DEFAULT '[]' NOT NULL,
	`also_known_as` text DEFAULT '[]' NOT NULL,
	`moved_to` text,
	`document` text NOT NULL,
	`fetched_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `remote_actors_inbox` ON `remote_actors` (`inbox`);--> statement-breakpoint
CREATE TABLE `remote_objects` (
	`id` text PRIMARY KEY NOT NULL,
	`actor_id` text NOT NULL,
	`type` text NOT NULL,
	`in_reply_to` text,
	`document` text NOT NULL,
	`published` integer,
	`updated` integer
);
--> statement-breakpoint
CREATE INDEX `remote_objects_actor` ON `remote_objects` (`actor_id`);--> statement-breakpoint
CREATE INDEX `remote_objects_reply` ON `remote_objects` (`in_reply_to`);--> statement-breakpoint
CREATE TABLE `signature_schemes` (
	`host` text PRIMARY KEY NOT NULL,
	`scheme` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
