CREATE TABLE `delivery_failures` (
	`activity_id` text NOT NULL,
	`inbox` text NOT NULL,
	`host` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`activity_id`, `inbox`)
);
