-- Issue #15: the `replies` collection of our Notes and FEP-7aa9 feature authorizations.
--
-- reply_counts: how many public or unlisted statuses reply to each post, kept by triggers on
-- `statuses`, so a served Note and its replies collection read one row instead of count(*). Each
-- change also bumps `public_version` (0005), the key of the public cache the replies collection
-- is served behind.
CREATE TABLE `reply_counts` (
	`uri` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `reply_counts` (`uri`, `n`)
	SELECT `in_reply_to`, count(*) FROM `statuses` WHERE `in_reply_to` IS NOT NULL AND `visibility` IN ('public', 'unlisted') GROUP BY `in_reply_to`;
--> statement-breakpoint
CREATE TRIGGER reply_counts_insert AFTER INSERT ON statuses WHEN NEW.in_reply_to IS NOT NULL AND NEW.visibility IN ('public', 'unlisted')
BEGIN
  INSERT OR IGNORE INTO reply_counts (uri, n) VALUES (NEW.in_reply_to, 0);
  UPDATE reply_counts SET n = n + 1 WHERE uri = NEW.in_reply_to;
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER reply_counts_delete AFTER DELETE ON statuses WHEN OLD.in_reply_to IS NOT NULL AND OLD.visibility IN ('public', 'unlisted')
BEGIN
  UPDATE reply_counts SET n = n - 1 WHERE uri = OLD.in_reply_to;
  DELETE FROM reply_counts WHERE uri = OLD.in_reply_to AND n <= 0;
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
CREATE TRIGGER reply_counts_update AFTER UPDATE OF in_reply_to, visibility ON statuses
  WHEN (OLD.in_reply_to IS NOT NULL AND OLD.visibility IN ('public', 'unlisted')) OR (NEW.in_reply_to IS NOT NULL AND NEW.visibility IN ('public', 'unlisted'))
BEGIN
  UPDATE reply_counts SET n = n - 1 WHERE uri = OLD.in_reply_to AND OLD.visibility IN ('public', 'unlisted');
  DELETE FROM reply_counts WHERE uri = OLD.in_reply_to AND n <= 0;
  INSERT OR IGNORE INTO reply_counts (uri, n) SELECT NEW.in_reply_to, 0 WHERE NEW.in_reply_to IS NOT NULL AND NEW.visibility IN ('public', 'unlisted');
  UPDATE reply_counts SET n = n + 1 WHERE uri = NEW.in_reply_to AND NEW.visibility IN ('public', 'unlisted');
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
--> statement-breakpoint
-- A replies page: ours first, then in arrival order, read by keyset on this index.
CREATE INDEX `statuses_reply_order` ON `statuses` (`in_reply_to`, `local`, `id`);
--> statement-breakpoint
-- FEP-7aa9: each FeatureRequest we accepted, served as its FeatureAuthorization at
-- /users/<name>/feature_authorizations/<id>. One per featured collection.
CREATE TABLE `feature_authorizations` (
	`id` text PRIMARY KEY NOT NULL,
	`actor_id` text NOT NULL,
	`collection_id` text NOT NULL,
	`request_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feature_authorizations_collection` ON `feature_authorizations` (`collection_id`);
