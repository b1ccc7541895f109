-- The public web pages (#13). Profile links verified as Mastodon does (the linked page links back
-- with rel="me"): one row per field URL, written by the `verify_links` job.
CREATE TABLE `profile_links` (
	`url` text PRIMARY KEY NOT NULL,
	-- When the link was first seen linking back (kept while it still does); null: it does not.
	`verified_at` integer,
	`checked_at` integer NOT NULL
);
--> statement-breakpoint
-- The pages are cached by public_version (0005): a link that becomes verified (or stops being)
-- changes the profile page and the actor's fields.
CREATE TRIGGER profile_links_public_insert AFTER INSERT ON profile_links WHEN NEW.verified_at IS NOT NULL BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER profile_links_public_update AFTER UPDATE OF verified_at ON profile_links
  WHEN (OLD.verified_at IS NULL) <> (NEW.verified_at IS NULL) BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER profile_links_public_delete AFTER DELETE ON profile_links WHEN OLD.verified_at IS NOT NULL BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
-- A post page shows the replies that reached us and its like and boost counts: a reply to one of
-- our posts, or a like or boost of one, makes the cached pages unreachable (one counter row
-- written; other remote posts and reactions to remote posts write nothing more).
CREATE TRIGGER statuses_reply_public_insert AFTER INSERT ON statuses
  WHEN NEW.local = 0 AND NEW.in_reply_to IS NOT NULL AND NEW.visibility IN ('public', 'unlisted')
    AND EXISTS (SELECT 1 FROM objects WHERE id = NEW.in_reply_to) BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER statuses_reply_public_delete AFTER DELETE ON statuses
  WHEN OLD.local = 0 AND OLD.in_reply_to IS NOT NULL AND OLD.visibility IN ('public', 'unlisted')
    AND EXISTS (SELECT 1 FROM objects WHERE id = OLD.in_reply_to) BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER reactions_public_insert AFTER INSERT ON reactions WHEN NEW.type IN ('Like', 'Announce') BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER reactions_public_delete AFTER DELETE ON reactions WHEN OLD.type IN ('Like', 'Announce') BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
