// Every URL of ours in one place, so ids stay byte-identical wherever they are emitted.
import type { Config } from "../config.ts";

/** Route pattern of `/@username` (Hono has no literal-prefix params). */
export const PROFILE_PATH = "@[A-Za-z0-9_.-]+";

/** The stand-in avatar and header (src/web/images.ts): clients need an image URL that loads. */
export const MISSING_IMAGE_PATH = "/images/missing.png";

/** Where the Worker serves the media bucket (src/web/media.ts) when MEDIA_URL is not set. */
export const MEDIA_PATH = "/media";

export interface LocalUrls {
  /** Scheme + host (+ port), no trailing slash. */
  origin: string;
  actor: string;
  /** The HTML profile (`/@username`), also the actor's `url`. */
  profile: string;
  inbox: string;
  sharedInbox: string;
  outbox: string;
  followers: string;
  following: string;
  featured: string;
  rsaKeyId: string;
  ed25519KeyId: string;
  /** The id of a Note (or other object) we publish. */
  object(id: string): string;
  /** The HTML permalink of an object. */
  permalink(id: string): string;
  activity(id: string): string;
  tag(name: string): string;
  missingImage: string;
  /** The URL of a stored media file: MEDIA_URL (a public bucket or custom domain) or our own /media route. */
  media(key: string): string;
  /** Whether an id names our actor or anything else on our origin. */
  isLocal(id: string | null | undefined): id is string;
}

export function localUrls(config: Config): LocalUrls {
  const o = config.origin;
  const actor = `${o}/users/${config.username}`;
  const profile = `${o}/@${config.username}`;
  return {
    origin: o,
    actor,
    profile,
    inbox: `${actor}/inbox`,
    sharedInbox: `${o}/inbox`,
    outbox: `${actor}/outbox`,
    followers: `${actor}/followers`,
    following: `${actor}/following`,
    featured: `${actor}/collections/featured`,
    rsaKeyId: `${actor}#main-key`,
    ed25519KeyId: `${actor}#ed25519-key`,
    object: (id) => `${o}/objects/${id}`,
    permalink: (id) => `${profile}/${id}`,
    activity: (id) => `${o}/activities/${id}`,
    tag: (name) => `${o}/tags/${encodeURIComponent(name.toLowerCase())}`,
    missingImage: `${o}${MISSING_IMAGE_PATH}`,
    media: (key) => `${config.mediaUrl ?? `${o}${MEDIA_PATH}`}/${key}`,
    isLocal: (id): id is string => !!id && (id === o || id.startsWith(`${o}/`)),
  };
}

/** A time-ordered, URL-safe id: 10 chars of milliseconds then 16 random chars (Crockford base32). */
export function newId(now = Date.now()): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let rand = "";
  for (const b of random) rand += alphabet[b % 32];
  return time + rand;
}
