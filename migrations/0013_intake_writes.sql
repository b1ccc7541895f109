-- Fewer D1 rows written per incoming Follow (issue #9, measure (a)). D1 counts every index entry
-- a write touches as a row written, so indexes no query uses cost the Free plan's 100,000 rows a day.
--
-- followers_state (state, created_at) is the prefix of followers_keyset (state, created_at,
-- actor_id, migration 0005), which serves every query the older index did.
DROP INDEX IF EXISTS `followers_state`;
--> statement-breakpoint
-- No query reads remote actors by inbox (deliveries find followers by followers.inbox).
DROP INDEX IF EXISTS `remote_actors_inbox`;
--> statement-breakpoint
-- No query filters activities by visibility and orders by published: the outbox pages by the
-- partial index activities_outbox (0005).
DROP INDEX IF EXISTS `activities_published`;
--> statement-breakpoint
-- Most activities of ours name no object of ours (Accept, Follow, Undo, Block): their NULL
-- object_id needs no index entry; `object_id = ?` still uses the partial index.
DROP INDEX IF EXISTS `activities_object`;
--> statement-breakpoint
CREATE INDEX `activities_object` ON `activities` (`object_id`) WHERE object_id IS NOT NULL;
--> statement-breakpoint
-- public_version (0005) makes the cached public documents unreachable. Those documents show
-- public and unlisted activities (the outbox) and the newest Create of any visibility (NodeInfo);
-- an Accept, Follow, Undo, Block or Like addressed to one actor changes none of them, so it no
-- longer bumps the version (one row written less per Accept, and no needless cache miss).
DROP TRIGGER IF EXISTS `counters_activities_insert`;
--> statement-breakpoint
CREATE TRIGGER counters_activities_insert AFTER INSERT ON activities
BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'outbox'
    AND NEW.visibility IN ('public', 'unlisted') AND NEW.type IN ('Create', 'Announce')
    AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = NEW.object_id AND o.deleted_at IS NOT NULL);
  UPDATE counters SET n = n + 1 WHERE name = 'public_version'
    AND (NEW.visibility IN ('public', 'unlisted') OR NEW.type IN ('Create', 'Announce'));
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `counters_activities_delete`;
--> statement-breakpoint
CREATE TRIGGER counters_activities_delete AFTER DELETE ON activities
BEGIN
  UPDATE counters SET n = n - 1 WHERE name = 'outbox'
    AND OLD.visibility IN ('public', 'unlisted') AND OLD.type IN ('Create', 'Announce')
    AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = OLD.object_id AND o.deleted_at IS NOT NULL);
  UPDATE counters SET n = n + 1 WHERE name = 'public_version'
    AND (OLD.visibility IN ('public', 'unlisted') OR OLD.type IN ('Create', 'Announce'));
END;
