// The owner's custom emoji: an image in R2 under a shortcode, listed in /api/v1/custom_emojis and
// sent as an Emoji tag wherever the owner writes `:shortcode:` (src/federation/emoji.ts).
// Remote servers' emoji are never stored here: their tags ride in the documents we keep and are
// shown by their own URLs.
import { eq } from "drizzle-orm";
import { customEmojis } from "../db/schema.ts";
import { type CustomEmojiRow, ownEmojis, SHORTCODE, shortcodesIn } from "../federation/emoji.ts";
import { cleanImage } from "../media/image.ts";
import { sniff } from "../media/sniff.ts";
import type { Services } from "../services.ts";
import type { InlineEmoji } from "../text/emoji.ts";

/** Mastodon's limit for a custom emoji image (CustomEmoji::LIMIT); it is shown at 20-ish pixels. */
export const EMOJI_BYTES = 256 * 1024;
/** Mastodon accepts PNG, GIF and WebP; AVIF is an image browsers show as well. */
const EMOJI_TYPES = new Set(["image/png", "image/gif", "image/webp", "image/avif"]);
const MAX_CATEGORY = 64;

export type EmojiResult = { ok: true; emoji: CustomEmojiRow } | { ok: false; status: 404 | 413 | 422; error: string };

function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Adds (or replaces the image of) `shortcode`; the old file goes once the new one is stored. */
export async function saveCustomEmoji(s: Services, shortcode: string, bytes: Uint8Array, options: { category?: string | null; visibleInPicker?: boolean } = {}): Promise<EmojiResult> {
  if (!SHORTCODE.test(shortcode)) return { ok: false, status: 422, error: "Validation failed: Shortcode must be 2 to 64 letters, digits or underscores" };
  const category = options.category?.trim() || null;
  if (category && category.length > MAX_CATEGORY) return { ok: false, status: 422, error: `Validation failed: Category is longer than ${MAX_CATEGORY} characters` };
  if (bytes.length > EMOJI_BYTES) return { ok: false, status: 413, error: `Validation failed: Image is too large (up to ${EMOJI_BYTES / 1024} KB)` };
  const type = sniff(bytes);
  if (!type || !EMOJI_TYPES.has(type.mime)) return { ok: false, status: 422, error: "Validation failed: Image must be a PNG, GIF, WebP or AVIF image" };
  const clean = cleanImage(type.mime, bytes);
  if (!clean?.ok) return { ok: false, status: 422, error: `Validation failed: ${clean?.error ?? "the image could not be read"}` };
  const key = `emoji/${shortcode}-${randomToken()}.${type.extension}`;
  await s.media.put(key, clean.bytes, type.mime);
  const [previous] = await ownEmojis(s.db, [shortcode]);
  const row: CustomEmojiRow = {
    shortcode,
    key,
    mediaType: type.mime,
    category: category ?? previous?.category ?? null,
    visibleInPicker: options.visibleInPicker ?? previous?.visibleInPicker ?? true,
    updatedAt: s.now(),
  };
  await s.db.insert(customEmojis).values(row).onConflictDoUpdate({ target: customEmojis.shortcode, set: row });
  if (previous) await s.media.delete([previous.key]);
  s.log("emoji.saved", { shortcode, replaced: previous !== undefined });
  return { ok: true, emoji: row };
}

/**
 * Removes `shortcode` and its file. Posts that used it keep their Emoji tags (they name the file,
 * which is gone): servers that copied the image keep showing it, others show the text.
 */
export async function removeCustomEmoji(s: Services, shortcode: string): Promise<boolean> {
  const removed = await s.db.delete(customEmojis).where(eq(customEmojis.shortcode, shortcode)).returning({ key: customEmojis.key });
  if (removed.length === 0) return false;
  await s.media.delete(removed.map((r) => r.key));
  return true;
}

/** Mastodon's CustomEmoji entity (REST::CustomEmojiSerializer) for one of ours. */
export function customEmojiEntity(s: Services, row: CustomEmojiRow) {
  const url = s.urls.media(row.key);
  return { shortcode: row.shortcode, url, static_url: url, visible_in_picker: row.visibleInPicker, category: row.category ?? undefined };
}

/** The owner's emoji that `texts` use, as the pages show them inline. */
export async function ownInlineEmojis(s: Services, texts: (string | null | undefined)[]): Promise<InlineEmoji[]> {
  return (await ownEmojis(s.db, shortcodesIn(texts))).map((e) => ({ shortcode: e.shortcode, url: s.urls.media(e.key) }));
}
