ALTER TABLE `fanouts` ADD `done_batches` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `fanouts` ADD `skipped` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `fanouts` ADD `queued_at` integer;--> statement-breakpoint
-- Fan-outs recorded before this migration had already enqueued everything.
UPDATE `fanouts` SET `queued_at` = `created_at`;
