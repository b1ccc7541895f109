-- The web pages show our posts' link cards (src/web/post.tsx), and they are cached by
-- public_version (0005): a card made, changed or lost for a link one of our posts carries makes
-- them fresh. The card job writes it by an upsert, which fires the UPDATE trigger.
CREATE TRIGGER preview_cards_public_update AFTER UPDATE OF card ON preview_cards
  WHEN NEW.card IS NOT OLD.card
    AND EXISTS (SELECT 1 FROM status_cards sc JOIN objects o ON o.id = sc.status_uri WHERE sc.url = NEW.url) BEGIN
  UPDATE counters SET n = n + 1 WHERE name = 'public_version';
END;
