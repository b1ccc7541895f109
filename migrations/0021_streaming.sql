-- Streaming (docs/streaming.md): what the owner's stream hub Durable Object has open, written by it
-- whenever a socket opens, closes or changes its subscriptions. Publishers (the inbox job, a post,
-- a notification, a revoke) read this one row before calling the hub, so nothing calls the Durable
-- Object while no app is streaming. The row id is always 1.
CREATE TABLE `stream_listeners` (
	`id` integer PRIMARY KEY NOT NULL,
	-- JSON array of the subscription keys with at least one socket: user, user:notification, public,
	-- public:local, hashtag:<tag>, list:<id>, direct, ...
	`streams` text NOT NULL,
	-- JSON array of the access token ids with an open socket (0: the owner token).
	`tokens` text NOT NULL,
	`sockets` integer NOT NULL,
	`updated_at` integer NOT NULL
);
