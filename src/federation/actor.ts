// Our actor document: what Mastodon and every other server read to know us.
import { Hono } from "hono";
import type { Config } from "../config.ts";
import type { AppEnv } from "../context.ts";
import { activityJson, wantsActivityJson } from "../http.ts";
import type { Services } from "../services.ts";
import { linkify, textToHtml } from "../text/html.ts";
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
  },
];

interface ActorInput {
  config: Config;
  urls: LocalUrls;
  keys: ActorKeys;
  /** When the account was created (our first key), ISO 8601. */
  published: string;
}

function buildActor({ config, urls, keys, published }: ActorInput): Record<string, unknown> {
  const image = (url: string | null) => (url ? { type: "Image", url } : undefined);
  return {
    "@context": ACTOR_CONTEXT,
    id: urls.actor,
    type: "Person",
    preferredUsername: config.username,
    webfinger: `${config.username}@${config.handleDomain}`,
    name: config.displayName,
    summary: textToHtml(config.bio),
    url: urls.profile,
    inbox: urls.inbox,
    outbox: urls.outbox,
    followers: urls.followers,
    following: urls.following,
    featured: urls.featured,
    endpoints: { sharedInbox: urls.sharedInbox },
    manuallyApprovesFollowers: config.manuallyApprovesFollowers,
    discoverable: true,
    indexable: true,
    published,
    icon: image(config.avatarUrl),
    image: image(config.headerUrl),
    attachment: config.fields.map((f) => ({
      type: "PropertyValue",
      name: f.name,
      value: linkify(f.value, "me nofollow noopener noreferrer"),
    })),
    alsoKnownAs: config.alsoKnownAs,
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
export async function actorDocument(s: Pick<Services, "config" | "urls" | "keys">): Promise<Record<string, unknown>> {
  const keys = await s.keys();
  return buildActor({ config: s.config, urls: s.urls, keys, published: new Date(keys.createdAt).toISOString() });
}

/** Route pattern of `/@username` (Hono has no literal-prefix params). */
export const PROFILE_PATH = "@[A-Za-z0-9_.-]+";

// One URL, two representations: ActivityStreams for servers here; people get the profile page,
// registered after this route (src/web/routes.tsx).
export const actor = new Hono<AppEnv>().on("GET", ["/users/:username", `/:handle{${PROFILE_PATH}}`], async (c, next) => {
  c.header("Vary", "Accept");
  if (!wantsActivityJson(c.req.header("Accept"))) return next();
  return activityJson(c, await actorDocument(c.var.services));
});
