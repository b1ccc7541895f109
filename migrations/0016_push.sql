-- Web Push (docs/push.md). One subscription per access token, as Mastodon keeps them; the row goes
-- when its token goes (POST /oauth/revoke, the owner's app revoke, or anything else that deletes
-- the token), through the trigger below, so no revoke path can leave a subscription behind.
CREATE TABLE `push_subscriptions` (
	`id` integer PRIMARY KEY NOT NULL,
	`token_id` integer NOT NULL,
	`endpoint` text NOT NULL,
	-- The user agent's P-256 key (uncompressed point) and auth secret, base64url as the app sent them.
	`p256dh` text NOT NULL,
	`auth` text NOT NULL,
	-- 1: aes128gcm (RFC 8291); 0: aesgcm, the default iOS relays need.
	`standard` integer NOT NULL,
	-- JSON {type: boolean} and all | followed | follower | none.
	`alerts` text NOT NULL,
	`policy` text NOT NULL,
	-- The subscribing token, AES-GCM sealed under a key derived from OWNER_TOKEN: the payload's
	-- access_token must be the token itself (apps match their accounts by it), and a database dump
	-- alone still logs no one in.
	`sealed_token` text NOT NULL,
	`created_at` integer NOT NULL,
	-- The last push to this subscription: when, the push service's HTTP status (null: no answer), why it failed.
	`last_push_at` integer,
	`last_push_status` integer,
	`last_push_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `push_subscriptions_token` ON `push_subscriptions` (`token_id`);
--> statement-breakpoint
CREATE TRIGGER push_subscriptions_token_deleted AFTER DELETE ON oauth_tokens
BEGIN
  DELETE FROM push_subscriptions WHERE token_id = OLD.id;
END;
--> statement-breakpoint
-- The VAPID key pair (RFC 8292), created on first need; the row id is always 1.
CREATE TABLE `vapid_keys` (
	`id` integer PRIMARY KEY NOT NULL,
	-- base64url of the uncompressed P-256 point: what apps get as vapid_key / server_key.
	`public_key` text NOT NULL,
	-- PKCS#8, base64url.
	`private_key` text NOT NULL,
	`created_at` integer NOT NULL
);
