-- Free plan budget meter: what Roost itself counts per UTC day (src/delivery/usage.ts), read by
-- GET /api/usage and `npm run roost -- usage`, and by the senders before they spend more.
CREATE TABLE `usage` (
	`day` text PRIMARY KEY NOT NULL,
	`queue_operations` integer DEFAULT 0 NOT NULL,
	`do_requests` integer DEFAULT 0 NOT NULL,
	`d1_rows_read` integer DEFAULT 0 NOT NULL,
	`d1_rows_written` integer DEFAULT 0 NOT NULL
);
