// Custom emoji and emoji reactions on the wire. Our own emoji go out as Mastodon's `Emoji` tag
// (app/serializers/activitypub/emoji_serializer.rb: id, type, name ":x:", updated, icon Image)
// wherever the owner writes `:shortcode:` (Notes, the actor's name, bio and fields), and each
// tag's id is dereferenceable here. Reactions go out as Pleroma's EmojiReact (FEP-c0e0) with
// Misskey's `_misskey_reaction` beside `content`, so Misskey reads them too.
import { asc, eq, inArray } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import type { Database } from "../db/client.ts";
import { customEmojis } from "../db/schema.ts";
import { activityJson, jsonError } from "../http.ts";
import type { NormalizedActivity } from "./normalize.ts";
import type { LocalUrls } from "./urls.ts";
import { AS_CONTEXT } from "./vocabulary.ts";

export type CustomEmojiRow = typeof customEmojis.$inferSelect;

/** The JSON-LD term of the Emoji tag (Mastodon's namespace). */
export const EMOJI_TERMS = { toot: "http://joinmastodon.org/ns#", Emoji: "toot:Emoji" } as const;

/** The context of our EmojiReact (and of its Undo, which embeds it). */
export const REACTION_CONTEXT = [
  AS_CONTEXT,
  {
    ...EMOJI_TERMS,
    litepub: "http://litepub.social/ns#",
    EmojiReact: "litepub:EmojiReact",
    misskey: "https://misskey-hub.net/ns#",
    _misskey_reaction: "misskey:_misskey_reaction",
  },
];

/** Shortcodes as Mastodon allows them (CustomEmoji::SHORTCODE_RE_FRAGMENT), bounded. */
export const SHORTCODE = /^[a-zA-Z0-9_]{2,64}$/;
const SHORTCODE_IN_TEXT = /:([a-zA-Z0-9_]{2,64}):/g;

/** The shortcodes written as `:x:` in any of `texts`. */
export function shortcodesIn(texts: (string | null | undefined)[]): string[] {
  const found = new Set<string>();
  for (const text of texts) for (const m of (text ?? "").matchAll(SHORTCODE_IN_TEXT)) found.add(m[1]!);
  return [...found];
}

export function emojiId(urls: LocalUrls, shortcode: string): string {
  return `${urls.origin}/emojis/${shortcode}`;
}

export function emojiTag(urls: LocalUrls, row: CustomEmojiRow): Record<string, unknown> {
  return {
    id: emojiId(urls, row.shortcode),
    type: "Emoji",
    name: `:${row.shortcode}:`,
    updated: new Date(row.updatedAt).toISOString(),
    icon: { type: "Image", mediaType: row.mediaType, url: urls.media(row.key) },
  };
}

/** The owner's emoji among `shortcodes` (all of them without a list), by shortcode. */
export async function ownEmojis(db: Database, shortcodes?: string[]): Promise<CustomEmojiRow[]> {
  if (shortcodes && shortcodes.length === 0) return [];
  const query = db.select().from(customEmojis);
  return shortcodes ? query.where(inArray(customEmojis.shortcode, shortcodes.slice(0, 90))) : query.orderBy(asc(customEmojis.shortcode));
}

/** The Emoji tags for the owner's emoji that `texts` use. */
export async function emojiTagsFor(s: { db: Database; urls: LocalUrls }, texts: (string | null | undefined)[]): Promise<Record<string, unknown>[]> {
  return (await ownEmojis(s.db, shortcodesIn(texts))).map((row) => emojiTag(s.urls, row));
}

/** One emoji: unicode as sent, or a custom one as `:shortcode:` with its image. */
export interface Reaction {
  content: string;
  url: string | null;
}

const CUSTOM = /^:([a-zA-Z0-9_+-]{1,100}):$/;
// A unicode emoji: pictographs, flags, keycaps, with their joiners, variation selectors and skin tones.
const PICTOGRAPHIC = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Modifier}|[#*0-9]\u{FE0F}?\u{20E3}|\u{200D}|\u{FE0F})+$/u;
const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Misskey's reactions before v12 were names (app/misc/reaction-lib.ts there); what Misskey shows for them. */
const LEGACY_MISSKEY: Record<string, string> = {
  like: "👍", love: "❤️", laugh: "😆", hmm: "🤔", surprise: "😮", congrats: "🎉", angry: "💢", confused: "😥", rip: "😇", pudding: "🍮", star: "⭐",
};

/** Whether `text` is exactly one unicode emoji (one grapheme made of emoji code points). */
export function isUnicodeEmoji(text: string): boolean {
  if (text.length === 0 || text.length > 32 || !PICTOGRAPHIC.test(text)) return false;
  let graphemes = 0;
  for (const _ of segmenter.segment(text)) if (++graphemes > 1) return false;
  return true;
}

/** A lone pictograph without its emoji presentation (❤ U+2764) gets VS16, so ❤ and ❤️ count as one. */
export function qualified(text: string): string {
  return /^\p{Extended_Pictographic}$/u.test(text) && !/\p{Emoji_Presentation}/u.test(text) ? `${text}\u{FE0F}` : text;
}

/**
 * The emoji an incoming reaction carries, or null when there is none we can show: a `:code:`
 * needs an Emoji tag of that name with an image (as Pleroma requires), anything else must be one
 * unicode emoji. A Misskey Like without one is a plain favourite.
 */
export function incomingReaction(activity: NormalizedActivity): Reaction | null {
  const sent = activity.content?.trim();
  if (!sent) return null;
  const content = qualified(LEGACY_MISSKEY[sent] ?? sent);
  const custom = CUSTOM.exec(content);
  if (custom) {
    const tag = activity.tag.find((t) => t.type === "Emoji" && t.name === custom[1]);
    return tag?.type === "Emoji" ? { content, url: tag.iconUrl } : null;
  }
  return isUnicodeEmoji(content) ? { content, url: null } : null;
}

/** GET /emojis/:shortcode: the Emoji a tag's id names, as Mastodon serves /emojis/:id. */
export const emojiRoutes = new Hono<AppEnv>().get("/emojis/:shortcode", async (c) => {
  const shortcode = c.req.param("shortcode");
  const s = c.var.services;
  const [row] = SHORTCODE.test(shortcode) ? await s.db.select().from(customEmojis).where(eq(customEmojis.shortcode, shortcode)) : [];
  if (!row) return jsonError(c, 404, "Record not found");
  return activityJson(c, { "@context": [AS_CONTEXT, EMOJI_TERMS], ...emojiTag(s.urls, row) });
});
