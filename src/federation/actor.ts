// Our actor document: what Mastodon and every other server read to know us.
import type { Config, Profile } from "../config.ts";
import type { Services } from "../services.ts";
import { linkify, textToHtml } from "../text/html.ts";
import { emojiTagsFor } from "./emoji.ts";
import { featuringFields, INTERACTION_POLICY_TERMS } from "./featuring.ts";
import type { ActorKeys } from "./keys.ts";
import type { LocalUrls } from "./urls.ts";
import { AS_CONTEXT } from "./vocabulary.ts";

const ACTOR_CONTEXT = [
  AS_CONTEXT,
  "https://w3id.org/security/v1",
  "https://w3id.org/security/data-integrity/v1",
  "https://www.w3.org/ns/did/v1",
  "https://w3id.org/security/multikey/v1",
  {
    manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
    toot: "http://joinmastodon.org/ns#",
    featured: { "@id": "toot:featured", "@type": "@id" },
    discoverable: "toot:discoverable",
    indexable: "toot:indexable",
    alsoKnownAs: { "@id": "as:alsoKnownAs", "@type": "@id" },
    movedTo: { "@id": "as:movedTo", "@type": "@id" },
    schema: "http://schema.org#",
    PropertyValue: "schema:PropertyValue",
    value: "schema:value",
    webfinger: "https://purl.archive.org/socialweb/webfinger#webfinger",
    Emoji: "toot:Emoji",
    ...INTERACTION_POLICY_TERMS,
  },
];

interface ActorInput {
  config: Config;
  profile: Profile;
  urls: LocalUrls;
  keys: ActorKeys;
  /** When the account was created (our first key), ISO 8601. */
  published: string;
  /** Emoji tags of the owner's custom emoji the name, bio and fields use. */
  emojiTags: Record<string, unknown>[];
}

function buildActor({ config, profile, urls, keys, published, emojiTags }: ActorInput): Record<string, unknown> {
  const image = (url: string | null) => (url ? { type: "Image", url } : undefined);
  return {
    "@context": ACTOR_CONTEXT,
    id: urls.actor,
    type: profile.bot ? "Service" : "Person",
    preferredUsername: config.username,
    webfinger: `${config.username}@${config.handleDomain}`,
    name: profile.displayName,
    summary: textToHtml(profile.bio),
    url: urls.profile,
    inbox: urls.inbox,
    outbox: urls.outbox,
    followers: urls.followers,
    following: urls.following,
    featured: urls.featured,
    endpoints: { sharedInbox: urls.sharedInbox },
    manuallyApprovesFollowers: profile.manuallyApprovesFollowers,
    discoverable: profile.discoverable,
    indexable: profile.discoverable,
    ...featuringFields(profile, urls),
    published,
    icon: image(profile.avatarUrl),
    image: image(profile.headerUrl),
    attachment: profile.fields.map((f) => ({
      type: "PropertyValue",
      name: f.name,
      value: linkify(f.value, "me nofollow noopener noreferrer"),
    })),
    alsoKnownAs: profile.alsoKnownAs,
    ...(emojiTags.length > 0 ? { tag: emojiTags } : {}),
    ...(profile.movedTo ? { movedTo: profile.movedTo } : {}),
    publicKey: { id: urls.rsaKeyId, owner: urls.actor, publicKeyPem: keys.rsa.publicKeyPem },
    assertionMethod: [
      {
        id: urls.ed25519KeyId,
        type: "Multikey",
        controller: urls.actor,
        publicKeyMultibase: keys.ed25519.publicKeyMultibase,
      },
    ],
  };
}

/** Our actor document as served now, with keys created on first use. */
export async function actorDocument(s: Pick<Services, "config" | "urls" | "keys" | "profile" | "db">): Promise<Record<string, unknown>> {
  const [keys, profile] = await Promise.all([s.keys(), s.profile()]);
  const emojiTags = await emojiTagsFor(s, profileTexts(profile));
  return buildActor({ config: s.config, profile, urls: s.urls, keys, published: new Date(keys.createdAt).toISOString(), emojiTags });
}


/** Where the owner's custom emoji may appear on the profile: name, bio, field names and values. */
export function profileTexts(profile: Pick<Profile, "displayName" | "bio" | "fields">): string[] {
  return [profile.displayName, profile.bio, ...profile.fields.flatMap((f) => [f.name, f.value])];
}
