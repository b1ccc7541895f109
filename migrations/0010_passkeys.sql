-- Passkeys (WebAuthn) the owner signs in with, as an alternative to the owner token. The public
-- key is kept as a JWK, so a sign-in needs only WebCrypto; the credential id is base64url.
CREATE TABLE `passkeys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`public_key` text NOT NULL,
	`algorithm` integer NOT NULL,
	`sign_count` integer NOT NULL,
	`transports` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer
);--> statement-breakpoint
-- Challenges are issued without a write (they carry their own HMAC and expiry); one that was
-- used is kept here until it expires, so it cannot be used twice.
CREATE TABLE `passkey_challenges` (
	`challenge` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
