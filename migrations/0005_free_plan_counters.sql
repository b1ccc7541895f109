-- Free plan: public GETs read counts from here instead of running count(*) per request. Kept by
-- triggers, so every writer (inbox jobs, the owner API, the CLI, the Mastodon API) keeps them right.
--   followers        accepted followers                     (actor, followers collection, profile page)
--   following        accepted follows                       (following collection)
--   outbox           public/unlisted Create/Announce whose object is not deleted (outbox collection)
--   local_posts      public/unlisted objects                (NodeInfo localPosts)
--   public_version   bumped on every change a public document shows; part of the cache key
CREATE TABLE `counters` (
	`name` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO counters (name, n) VALUES
  ('followers', (SELECT count(*) FROM followers WHERE state = 'accepted')),
  ('following', (SELECT count(*) FROM following WHERE state = 'accepted')),
  ('outbox', (SELECT count(*) FROM activities a WHERE a.visibility IN ('public', 'unlisted') AND a.type IN ('Create', 'Announce')
     AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = a.object_id AND o.deleted_at IS NOT NULL))),
  ('local_posts', (SELECT count(*) FROM objects WHERE visibility IN ('public', 'unlisted'))),
  ('public_version', 0);
--> statement-breakpoint
CREATE TRIGGER counters_followers_insert AFTER INSERT ON followers WHEN NEW.state = 'accepted'
BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'followers';
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_followers_delete AFTER DELETE ON followers WHEN OLD.state = 'accepted'
BEGIN
  UPDATE counters SET n = n - 1 WHERE name = 'followers';
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_followers_update AFTER UPDATE OF state ON followers WHEN (OLD.state = 'accepted') <> (NEW.state = 'accepted')
BEGIN
  UPDATE counters SET n = n + (CASE WHEN NEW.state = 'accepted' THEN 1 ELSE -1 END) WHERE name = 'followers';
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_following_insert AFTER INSERT ON following WHEN NEW.state = 'accepted'
BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'following';
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_following_delete AFTER DELETE ON following WHEN OLD.state = 'accepted'
BEGIN
  UPDATE counters SET n = n - 1 WHERE name = 'following';
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_following_update AFTER UPDATE OF state ON following WHEN (OLD.state = 'accepted') <> (NEW.state = 'accepted')
BEGIN
  UPDATE counters SET n = n + (CASE WHEN NEW.state = 'accepted' THEN 1 ELSE -1 END) WHERE name = 'following';
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_activities_insert AFTER INSERT ON activities
BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'outbox'
    AND NEW.visibility IN ('public', 'unlisted') AND NEW.type IN ('Create', 'Announce')
    AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = NEW.object_id AND o.deleted_at IS NOT NULL);
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_activities_delete AFTER DELETE ON activities
BEGIN
  UPDATE counters SET n = n - 1 WHERE name = 'outbox'
    AND OLD.visibility IN ('public', 'unlisted') AND OLD.type IN ('Create', 'Announce')
    AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = OLD.object_id AND o.deleted_at IS NOT NULL);
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_objects_insert AFTER INSERT ON objects
BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'local_posts' AND NEW.visibility IN ('public', 'unlisted');
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_objects_delete AFTER DELETE ON objects
BEGIN
  UPDATE counters SET n = n - 1 WHERE name = 'local_posts' AND OLD.visibility IN ('public', 'unlisted');
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER counters_objects_update AFTER UPDATE ON objects
BEGIN
  UPDATE counters SET n = n
    + (CASE WHEN NEW.visibility IN ('public', 'unlisted') THEN 1 ELSE 0 END)
    - (CASE WHEN OLD.visibility IN ('public', 'unlisted') THEN 1 ELSE 0 END)
    WHERE name = 'local_posts';
  -- A post deleted (or restored) leaves (or rejoins) the outbox with its Create/Announce entries.
  UPDATE counters SET n = n + (CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END) * (
      SELECT count(*) FROM activities a WHERE a.object_id = NEW.id
        AND a.visibility IN ('public', 'unlisted') AND a.type IN ('Create', 'Announce'))
    WHERE name = 'outbox' AND (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL);
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
-- Keyset paging of the public collections: (state, created_at, actor_id) and (visibility, published, id).
CREATE INDEX `followers_keyset` ON `followers` (`state`, `created_at`, `actor_id`);
--> statement-breakpoint
CREATE INDEX `following_keyset` ON `following` (`state`, `created_at`, `actor_id`);
--> statement-breakpoint
-- The outbox's entries in page order, and the counter trigger's lookup of a post's activities.
CREATE INDEX `activities_outbox` ON `activities` (`published`, `id`) WHERE visibility IN ('public', 'unlisted') AND type IN ('Create', 'Announce');
--> statement-breakpoint
CREATE INDEX `activities_object` ON `activities` (`object_id`);
