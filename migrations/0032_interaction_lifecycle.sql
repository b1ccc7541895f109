-- Answering GoToSocial's LikeRequest / ReplyRequest / AnnounceRequest, and pruning what is answered.
--
-- interaction_requests now also holds the requests others sent us that we accepted: `id` is their
-- request, `target_author` our actor, `authorization` the LikeAuthorization / ReplyAuthorization /
-- AnnounceAuthorization we serve (looked up by that URL), `activity` the request as we answered it
-- (its requester, our post, the interaction). Refused ones are not stored. The daily clean-up finds answered rows by `answered_at` (pending rows have none).
CREATE INDEX `interaction_requests_authorization` ON `interaction_requests` (`authorization`);
--> statement-breakpoint
CREATE INDEX `interaction_requests_answered` ON `interaction_requests` (`answered_at`);
--> statement-breakpoint
-- Quote rows the clean-up may drop are found by age: refused ones a month on, stale ones a day on.
CREATE INDEX `quotes_updated` ON `quotes` (`updated_at`);
