-- Polls (src/domain/polls.ts): ours, made with a post, and remote ones shown on statuses (the
-- owner may vote in those). One row per status; `options` and `counts` are JSON arrays in the
-- options' order. Ours count the rows of poll_votes; remote ones say what their Question said.
CREATE TABLE `polls` (
	`status_uri` text PRIMARY KEY NOT NULL,
	`local` integer NOT NULL,
	`options` text NOT NULL,
	`counts` text NOT NULL,
	`multiple` integer NOT NULL,
	`hide_totals` integer DEFAULT 0 NOT NULL,
	`expires_at` integer,
	`voters_count` integer,
	-- Remote polls: the owner's choices (JSON array of indexes), null until the owner votes.
	`own_votes` text,
	-- Ours: when the Update{Question} carrying new counts is due (one per window, not one per vote).
	`update_due` integer,
	-- When the poll's end was handled: its notification made (and, for ours, the last Update sent).
	`ended_at` integer,
	`updated_at` integer NOT NULL
);--> statement-breakpoint
-- Votes in our polls, one row per voter and choice: a redelivered vote is the same row.
CREATE TABLE `poll_votes` (
	`status_uri` text NOT NULL,
	`voter_id` text NOT NULL,
	`choice` integer NOT NULL,
	`activity_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`status_uri`, `voter_id`, `choice`)
);--> statement-breakpoint
-- A status that goes (deleted by its author, pruned, its account gone) takes its poll and votes
-- with it, whichever path removed it.
CREATE TRIGGER polls_status_delete AFTER DELETE ON statuses
BEGIN
  DELETE FROM polls WHERE status_uri = OLD.uri;
  DELETE FROM poll_votes WHERE status_uri = OLD.uri;
END;
--> statement-breakpoint
CREATE TRIGGER polls_remote_delete AFTER DELETE ON remote_objects
BEGIN
  DELETE FROM polls WHERE status_uri = OLD.id;
END;
