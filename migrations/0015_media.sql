-- Media the owner uploaded (the files are in the R2 bucket MEDIA, under `file_key` and
-- `preview_key`). `status_uri` is null until a post attaches the upload; unattached rows older
-- than a day are removed with their files by the daily clean-up (src/domain/maintenance.ts).
-- `processed` is 0 while a v2 upload waits for its preview and blurhash (the `media` queue job).
CREATE TABLE `media_attachments` (
	`id` integer PRIMARY KEY NOT NULL,
	`status_uri` text,
	`position` integer DEFAULT 0 NOT NULL,
	`type` text NOT NULL,
	`content_type` text NOT NULL,
	`file_key` text NOT NULL,
	`preview_key` text,
	`size` integer NOT NULL,
	`width` integer,
	`height` integer,
	`description` text,
	`focus_x` real,
	`focus_y` real,
	`blurhash` text,
	`processed` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL
);
CREATE INDEX `media_attachments_status` ON `media_attachments` (`status_uri`, `position`);
CREATE INDEX `media_attachments_created` ON `media_attachments` (`created_at`);
