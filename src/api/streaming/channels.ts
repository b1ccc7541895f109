// The streams an app can subscribe to, as Mastodon's streaming server names them
// (streaming/index.js: channelNameFromPath, checkScopes, channelNameToIds, streamNameFromChannelName):
// their names over the WebSocket and their paths for server-sent events, the scope each needs,
// and the `stream` array its events carry.
import { allows } from "../../domain/oauth.ts";
import { findList } from "../../domain/lists.ts";
import type { Services } from "../../services.ts";

export const CHANNELS = [
  "user",
  "user:notification",
  "public",
  "public:media",
  "public:local",
  "public:local:media",
  "public:remote",
  "public:remote:media",
  "hashtag",
  "hashtag:local",
  "list",
  "direct",
] as const;
export type Channel = (typeof CHANNELS)[number];

/** Public channels need no scope (Mastodon's PUBLIC_CHANNELS). */
const PUBLIC: ReadonlySet<Channel> = new Set(["public", "public:media", "public:local", "public:local:media", "public:remote", "public:remote:media", "hashtag", "hashtag:local"]);

/**
 * One subscription of a socket: `key` says what it receives (hashtags normalised, so `#Cats` and
 * `cats` are one), `stream` is what its events carry — the tag or list id as the app sent it,
 * because masto.js matches events to its subscriptions by those values.
 */
export interface Subscription {
  key: string;
  stream: string[];
}

export type Resolved = { ok: true; channel: Channel; subscription: Subscription } | { ok: false; status: 400 | 401; error: string };

export interface StreamParams {
  tag?: string;
  list?: string;
  only_media?: string;
}

/** The SSE path's channel (`/api/v1/streaming/public/local?only_media=true` → public:local:media). */
export function channelFromPath(path: string, onlyMedia: boolean): Channel | null {
  const rest = path.replace(/^\/api\/v1\/streaming\/?/, "").replace(/\/+$/, "");
  const media = onlyMedia ? ":media" : "";
  switch (rest) {
    case "user":
      return "user";
    case "user/notification":
      return "user:notification";
    case "public":
    case "public/local":
    case "public/remote":
      return `${rest.replace("/", ":")}${media}` as Channel;
    case "hashtag":
      return "hashtag";
    case "hashtag/local":
      return "hashtag:local";
    case "list":
      return "list";
    case "direct":
      return "direct";
    default:
      return null;
  }
}

/** Mastodon's truthy query values. */
export const truthy = (value: string | undefined) => value !== undefined && !["", "0", "false", "f", "off", "no"].includes(value.toLowerCase());

/** The token may read this channel: public ones need nothing, notifications read(:notifications), the rest read(:statuses). */
export function mayRead(scopes: readonly string[], channel: Channel): boolean {
  if (PUBLIC.has(channel)) return true;
  return allows(scopes, channel === "user:notification" ? "read:notifications" : "read:statuses");
}

/** A hashtag as the index matches it (domain/statuses.ts withHashtag), or null when it cannot be one. */
export function normalizeTag(tag: string): string | null {
  const name = tag.replace(/^#/, "").normalize("NFKC").toLowerCase();
  return /^[\p{L}\p{N}_]{1,100}$/u.test(name) ? name : null;
}

/**
 * A channel name and its parameters as a subscription, with Mastodon's errors: an unknown channel
 * or a missing tag or list is 400; a scope the token lacks, or a list that is not the owner's, 401.
 */
export async function resolveSubscription(s: Services, name: unknown, params: StreamParams, scopes: readonly string[], options: { checkScope: boolean } = { checkScope: true }): Promise<Resolved> {
  const channel = CHANNELS.find((c) => c === name);
  if (!channel) return { ok: false, status: 400, error: "Unknown stream type" };
  if (options.checkScope && !mayRead(scopes, channel)) return { ok: false, status: 401, error: "Access token does not have the required scopes" };
  if (channel === "hashtag" || channel === "hashtag:local") {
    const tag = typeof params.tag === "string" ? params.tag : "";
    if (!tag) return { ok: false, status: 400, error: "Missing tag name parameter" };
    const normalized = normalizeTag(tag);
    if (!normalized) return { ok: false, status: 400, error: "Invalid tag name parameter" };
    return { ok: true, channel, subscription: { key: `${channel}:${normalized}`, stream: [channel, tag] } };
  }
  if (channel === "list") {
    const list = typeof params.list === "string" ? params.list : "";
    if (!list) return { ok: false, status: 400, error: "Missing list name parameter" };
    const found = /^\d{1,16}$/.test(list) ? await findList(s, Number(list)) : null;
    if (!found) return { ok: false, status: 401, error: "Not authorized to stream this list" };
    return { ok: true, channel, subscription: { key: `list:${found.id}`, stream: ["list", list] } };
  }
  return { ok: true, channel, subscription: { key: channel, stream: [channel] } };
}

/** The first value when a parameter came as an array (Mastodon's firstParam). */
export const firstParam = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);
