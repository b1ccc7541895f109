// Emoji reactions on statuses as Pleroma/Akkoma (`pleroma.emoji_reactions`) and Fedibird
// (`emoji_reactions`) clients read them: [{name, count, me, url?, static_url?}], `name` the unicode
// emoji or a custom emoji's shortcode without colons, `url` its image for custom ones. Counted from
// the reactions that reached us plus the owner's own (which are sent, not received).
import { sql } from "drizzle-orm";
import type { Services } from "../../services.ts";

export interface EmojiReactionEntity {
  name: string;
  count: number;
  me: boolean;
  url?: string;
  static_url?: string;
}

/** The API name of a stored reaction: `:blobcat:` → `blobcat`, unicode as it is. */
export function reactionName(content: string): string {
  return /^:.+:$/.test(content) ? content.slice(1, -1) : content;
}

/** The reactions of every uri in `uris`, in one statement; most used first. */
export async function emojiReactionsFor(s: Services, uris: string[]): Promise<Map<string, EmojiReactionEntity[]>> {
  const out = new Map<string, EmojiReactionEntity[]>();
  if (uris.length === 0) return out;
  const list = JSON.stringify(uris);
  const rows = await s.db.all<{ uri: string; content: string | null; url: string | null; n: number; me: number; first: number }>(sql`
    SELECT object_id AS uri, content, max(emoji_url) AS url, count(*) AS n, 0 AS me, min(created_at) AS first FROM reactions
      WHERE type = 'EmojiReact' AND object_id IN (SELECT value FROM json_each(${list})) GROUP BY object_id, content
    UNION ALL
    SELECT object_id, json_extract(document, '$.content'), json_extract(document, '$.tag[0].icon.url'), 1, 1, published FROM activities
      WHERE type = 'EmojiReact' AND object_id IN (SELECT value FROM json_each(${list}))`);
  const byUri = new Map<string, Map<string, EmojiReactionEntity & { first: number }>>();
  for (const row of rows) {
    if (!row.content) continue;
    const entries = byUri.get(row.uri) ?? new Map<string, EmojiReactionEntity & { first: number }>();
    byUri.set(row.uri, entries);
    const entry = entries.get(row.content) ?? { name: reactionName(row.content), count: 0, me: false, first: row.first };
    entry.count += row.n;
    entry.me ||= row.me === 1;
    entry.first = Math.min(entry.first, row.first);
    if (row.url && !entry.url) Object.assign(entry, { url: row.url, static_url: row.url });
    entries.set(row.content, entry);
  }
  for (const [uri, entries] of byUri) {
    const sorted = [...entries.values()].sort((a, b) => b.count - a.count || a.first - b.first);
    out.set(uri, sorted.map(({ first: _first, ...entry }) => entry));
  }
  return out;
}
