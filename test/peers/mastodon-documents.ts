// What https://mastodon.test serves: Mastodon-shaped WebFinger, accounts, instance actor and statuses.
// Accounts are the recorded Mastodon actor (test/fixtures/activitypub/mastodon-actor.json) moved to
// this host and name, so Roost reads the real field set: the long @context, an Emoji in the name,
// PropertyValue fields, featured collections, avatar and header.
import template from "../fixtures/activitypub/mastodon-actor.json" with { type: "json" };

export const HOST = "mastodon.test";
export const ORIGIN = `https://${HOST}`;
export const INSTANCE_ACTOR = `${ORIGIN}/actor`;

export const accountUri = (name: string) => `${ORIGIN}/users/${name}`;

export function account(name: string, publicKeyPem: string): Record<string, unknown> {
  const moved = JSON.parse(JSON.stringify(template).replaceAll("mastodon.example", HOST).replaceAll("alice", name)) as Record<string, unknown>;
  return {
    ...moved,
    name: `${name[0]!.toUpperCase()}${name.slice(1)} :blobcat:`,
    publicKey: { id: `${accountUri(name)}#main-key`, owner: accountUri(name), publicKeyPem },
  };
}

/** Mastodon's instance actor (app/serializers/activitypub/actor_serializer.rb for Account.representative). */
export function instanceActor(publicKeyPem: string): Record<string, unknown> {
  return {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id: INSTANCE_ACTOR,
    type: "Application",
    inbox: `${INSTANCE_ACTOR}/inbox`,
    outbox: `${INSTANCE_ACTOR}/outbox`,
    preferredUsername: HOST,
    url: `${ORIGIN}/about/more?instance_actor=true`,
    manuallyApprovesFollowers: true,
    publicKey: { id: `${INSTANCE_ACTOR}#main-key`, owner: INSTANCE_ACTOR, publicKeyPem },
    endpoints: { sharedInbox: `${ORIGIN}/inbox` },
  };
}

export function webfinger(name: string): Record<string, unknown> {
  return {
    subject: `acct:${name}@${HOST}`,
    aliases: [`${ORIGIN}/@${name}`, accountUri(name)],
    links: [
      { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: `${ORIGIN}/@${name}` },
      { rel: "self", type: "application/activity+json", href: accountUri(name) },
      { rel: "http://ostatus.org/schema/1.0/subscribe", template: `${ORIGIN}/authorize_interaction?uri={uri}` },
    ],
  };
}

export function status(name: string, id: string): Record<string, unknown> {
  const author = accountUri(name);
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${author}/statuses/${id}`,
    type: "Note",
    attributedTo: author,
    url: `${ORIGIN}/@${name}/${id}`,
    content: "<p>a post</p>",
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${author}/followers`],
  };
}
