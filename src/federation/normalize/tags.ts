// Mentions, hashtags and custom emoji from `tag` (one object or an array, `type` possibly an array),
// plus the legacy Pleroma `emoji: {shortcode: url}` map.
import { imageUrl } from "./media.ts";
import type { EmojiTag, Tag } from "./types.ts";
import { asArray, field, httpIri, type Json, isRecord, stringOrNull, typeNames } from "./values.ts";

const MAX_TAGS = 100;
const MAX_NAME_LENGTH = 500;

function shortcode(name: string): string {
  return name.replace(/^:/, "").replace(/:$/, "");
}

function tagOf(entry: unknown): Tag | null {
  if (!isRecord(entry)) return null;
  const types = typeNames(entry);
  const name = stringOrNull(field(entry, "name"));
  const usableName = name !== null && name.length <= MAX_NAME_LENGTH ? name : null;
  if (types.includes("Mention")) {
    const href = httpIri(field(entry, "href"));
    return href ? { type: "Mention", href, name: usableName } : null;
  }
  if (types.includes("Hashtag")) {
    const tag = usableName?.replace(/^#/, "");
    return tag ? { type: "Hashtag", name: tag, href: httpIri(field(entry, "href")) } : null;
  }
  if (types.includes("Emoji")) {
    const code = usableName === null ? "" : shortcode(usableName);
    const icon = field(entry, "icon");
    const iconUrl = imageUrl(icon);
    // Pleroma sends no mediaType; the API's static_url is the same image then.
    const mediaType = stringOrNull(field(asArray(icon, 1).find(isRecord) ?? {}, "mediaType"));
    return code && iconUrl ? { type: "Emoji", name: code, iconUrl, mediaType, id: httpIri(field(entry, "id")) } : null;
  }
  return null;
}

function legacyEmoji(value: unknown): EmojiTag[] {
  if (!isRecord(value)) return [];
  const found: EmojiTag[] = [];
  for (const [name, url] of Object.entries(value).slice(0, MAX_TAGS)) {
    const iconUrl = httpIri(url);
    const code = shortcode(name);
    if (iconUrl && code && code.length <= MAX_NAME_LENGTH) found.push({ type: "Emoji", name: code, iconUrl, mediaType: null, id: null });
  }
  return found;
}

/** Known tags of a document; unknown tag types (Lemmy's CommunityPostTag, `{}`) are skipped. */
export function tags(json: Json): Tag[] {
  const found = asArray(field(json, "tag"), MAX_TAGS)
    .map(tagOf)
    .filter((t): t is Tag => t !== null);
  const emojiNames = new Set(found.filter((t) => t.type === "Emoji").map((t) => t.name));
  for (const emoji of legacyEmoji(field(json, "emoji"))) {
    if (!emojiNames.has(emoji.name) && found.length < MAX_TAGS) found.push(emoji);
  }
  return found;
}
