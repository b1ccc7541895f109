-- Keep delivery_targets (distinct inboxes of accepted followers) in step with followers,
-- so fan-out never scans every follower. The target inbox is the shared inbox where offered.
CREATE TRIGGER followers_target_insert AFTER INSERT ON followers WHEN NEW.state = 'accepted'
BEGIN
  INSERT INTO delivery_targets (inbox, follower_count) VALUES (coalesce(NEW.shared_inbox, NEW.inbox), 1)
    ON CONFLICT (inbox) DO UPDATE SET follower_count = follower_count + 1;
END;
--> statement-breakpoint
CREATE TRIGGER followers_target_delete AFTER DELETE ON followers WHEN OLD.state = 'accepted'
BEGIN
  UPDATE delivery_targets SET follower_count = follower_count - 1 WHERE inbox = coalesce(OLD.shared_inbox, OLD.inbox);
  DELETE FROM delivery_targets WHERE inbox = coalesce(OLD.shared_inbox, OLD.inbox) AND follower_count <= 0;
END;
--> statement-breakpoint
CREATE TRIGGER followers_target_update AFTER UPDATE OF state, inbox, shared_inbox ON followers
BEGIN
  UPDATE delivery_targets SET follower_count = follower_count - 1
    WHERE OLD.state = 'accepted' AND inbox = coalesce(OLD.shared_inbox, OLD.inbox);
  DELETE FROM delivery_targets
    WHERE OLD.state = 'accepted' AND inbox = coalesce(OLD.shared_inbox, OLD.inbox) AND follower_count <= 0;
  INSERT INTO delivery_targets (inbox, follower_count)
    SELECT coalesce(NEW.shared_inbox, NEW.inbox), 1 WHERE NEW.state = 'accepted'
    ON CONFLICT (inbox) DO UPDATE SET follower_count = follower_count + 1;
END;
