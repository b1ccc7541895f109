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

/**
 * One term of the status entities' contents statement (kind, id, document): per status, its
 * reactions as a JSON list of [content, url, count, mine, first seen]. The received ones are
 * grouped per emoji; the owner's are their EmojiReact activities.
 */
export function reactionContentBranch(urisJson: string) {
  return sql`SELECT 'reactions' AS kind, uri AS id, json_group_array(json_array(content, url, n, me, first)) AS document FROM (
      SELECT object_id AS uri, content, max(emoji_url) AS url, count(*) AS n, 0 AS me, min(created_at) AS first FROM reactions
        WHERE type = 'EmojiReact' AND content IS NOT NULL AND object_id IN (SELECT value FROM json_each(${urisJson})) GROUP BY object_id, content
      UNION ALL
      SELECT object_id, json_extract(document, '$.content'), json_extract(document, '$.tag[0].icon.url'), 1, 1, published FROM activities
        WHERE type = 'EmojiReact' AND object_id IN (SELECT value FROM json_each(${urisJson})))
    GROUP BY uri`;
}

type Entry = [content: string | null, url: string | null, n: number, me: number, first: number];

/** The reactions of the 'reactions' rows of that statement, by status uri; most used first. */
export function reactionsByPost(rows: { kind: string; id: string; document: string }[]): Map<string, EmojiReactionEntity[]> {
  const out = new Map<string, EmojiReactionEntity[]>();
  for (const row of rows) {
    if (row.kind !== "reactions") continue;
    const merged = new Map<string, EmojiReactionEntity & { first: number }>();
    for (const [content, url, n, me, first] of JSON.parse(row.document) as Entry[]) {
      if (!content) continue;
      const entry = merged.get(content) ?? { name: reactionName(content), count: 0, me: false, first };
      entry.count += n;
      entry.me ||= me === 1;
      entry.first = Math.min(entry.first, first);
      if (url && !entry.url) Object.assign(entry, { url, static_url: url });
      merged.set(content, entry);
    }
    const sorted = [...merged.values()].sort((a, b) => b.count - a.count || a.first - b.first);
    out.set(row.id, sorted.map(({ first: _first, ...entry }) => entry));
  }
  return out;
}

/** The reactions of the statuses in `uris` on their own (the reaction list endpoint). */
export async function emojiReactionsFor(s: Services, uris: string[]): Promise<Map<string, EmojiReactionEntity[]>> {
  if (uris.length === 0) return new Map();
  return reactionsByPost(await s.db.all<{ kind: string; id: string; document: string }>(reactionContentBranch(JSON.stringify(uris))));
}
