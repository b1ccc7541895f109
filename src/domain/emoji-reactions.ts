// Emoji reactions (docs/federation.md → Emoji reactions). Incoming: Pleroma/Akkoma's EmojiReact
// (FEP-c0e0) and Misskey's Like carrying `_misskey_reaction`/`content`, one emoji each, custom ones
// explained by an Emoji tag. Outgoing: the owner's EmojiReact to the post's author, with Misskey's
// field beside `content`, and its Undo.
import { and, eq, sql } from "drizzle-orm";
import { activities } from "../db/schema.ts";
import { emojiTag, isUnicodeEmoji, ownEmojis, qualified, REACTION_CONTEXT, type Reaction } from "../federation/emoji.ts";
import { newId } from "../federation/urls.ts";
import type { Services } from "../services.ts";
import { undoReaction } from "./interactions.ts";
import type { Published } from "./posts/compose.ts";
import { authorOf } from "./posts/authors.ts";

/** The owner's reaction as given by an app (`👍`, `blobcat` or `:blobcat:`): unicode, or one of our emoji. */
async function ownerReaction(s: Services, emoji: string): Promise<{ reaction: Reaction; tag: Record<string, unknown> | null } | null> {
  const text = emoji.trim();
  if (isUnicodeEmoji(text)) return { reaction: { content: qualified(text), url: null }, tag: null };
  const shortcode = text.replace(/^:(.*):$/, "$1");
  const [row] = /^[a-zA-Z0-9_]{2,64}$/.test(shortcode) ? await ownEmojis(s.db, [shortcode]) : [];
  if (!row) return null;
  return { reaction: { content: `:${row.shortcode}:`, url: s.urls.media(row.key) }, tag: emojiTag(s.urls, row) };
}

/** The id of the owner's EmojiReact of `objectId` with `content`, if one was sent. */
async function ownReactionId(s: Services, objectId: string, content: string): Promise<string | null> {
  const [row] = await s.db
    .select({ id: activities.id })
    .from(activities)
    .where(and(eq(activities.type, "EmojiReact"), eq(activities.objectId, objectId), sql`json_extract(${activities.document}, '$.content') = ${content}`))
    .limit(1);
  return row?.id ?? null;
}

const UNKNOWN_EMOJI = "Validation failed: the emoji must be one unicode emoji or the shortcode of one of this server's custom emoji";

/** The owner reacts to `objectId` with `emoji`; reacting twice with the same emoji sends nothing more. */
export async function addEmojiReaction(s: Services, objectId: string, emoji: string): Promise<Published> {
  const chosen = await ownerReaction(s, emoji);
  if (!chosen) return { ok: false, status: 422, error: UNKNOWN_EMOJI };
  const existing = await ownReactionId(s, objectId, chosen.reaction.content);
  if (existing) return { ok: true, objectId, activityId: existing };
  const author = await authorOf(s, objectId);
  if (!author) return { ok: false, status: 404, error: `${objectId} could not be fetched as a post` };
  const id = s.urls.activity(newId());
  const published = new Date(s.now());
  const content = chosen.reaction.content;
  await s.outbox.send(
    {
      "@context": REACTION_CONTEXT,
      id,
      type: "EmojiReact",
      actor: s.urls.actor,
      object: objectId,
      content,
      _misskey_reaction: content,
      ...(chosen.tag ? { tag: [chosen.tag] } : {}),
      published: published.toISOString(),
      to: [author],
    },
    { visibility: "direct", objectId, published: published.getTime() },
  );
  return { ok: true, objectId, activityId: id };
}

/** Takes the owner's `emoji` reaction back (an Undo to the author); none is a no-op. */
export async function removeEmojiReaction(s: Services, objectId: string, emoji: string): Promise<Published> {
  const text = emoji.trim();
  const content = isUnicodeEmoji(text) ? qualified(text) : `:${text.replace(/^:(.*):$/, "$1")}:`;
  const existing = await ownReactionId(s, objectId, content);
  if (!existing) return { ok: true, objectId, activityId: "" };
  return undoReaction(s, existing);
}
