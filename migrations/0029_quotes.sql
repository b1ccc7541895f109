-- FEP-044f quote posts, both ways (docs/federation.md → Quote posts). One row per quoting post:
-- the owner's quotes of others (state follows their Accept/Reject/Delete of the stamp), others'
-- quotes of the owner's posts (state follows the owner's policy and decisions), and remote quotes
-- of remote posts (state follows the stamp we fetched). A post is shown as a quote only when
-- its row is `accepted`.
CREATE TABLE `quotes` (
	`id` text PRIMARY KEY NOT NULL,
	`status_uri` text NOT NULL,
	`quoted_uri` text NOT NULL,
	`actor_id` text NOT NULL,
	`quoted_actor_id` text,
	`state` text DEFAULT 'pending' NOT NULL,
	`approval_uri` text,
	`request_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
CREATE UNIQUE INDEX `quotes_status` ON `quotes` (`status_uri`);
CREATE INDEX `quotes_quoted` ON `quotes` (`quoted_uri`, `state`);
CREATE INDEX `quotes_approval` ON `quotes` (`approval_uri`);
CREATE INDEX `quotes_request` ON `quotes` (`request_id`);
