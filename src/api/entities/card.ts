// Link preview cards in Status entities (`card`), read with the page's contents: one more branch
// of the contents statement, sharing a term with the media branch (D1 allows 5 terms in a
// compound SELECT). Cards are stored as Mastodon's PreviewCard entity (src/domain/cards.ts).
import { sql } from "drizzle-orm";
import type { PreviewCard } from "../../text/link-cards.ts";

/** Rows `('card', status uri, card JSON)` for the posts in `urisJson` whose link has a card. */
export function cardContentBranch(urisJson: string) {
  return sql`SELECT 'card' AS kind, sc.status_uri AS id, pc.card AS document
    FROM status_cards sc JOIN preview_cards pc ON pc.url = sc.url
    WHERE sc.status_uri IN (SELECT value FROM json_each(${urisJson})) AND pc.card IS NOT NULL`;
}

/** The cards of the 'card' rows of that statement, by status uri. */
export function cardsByPost(rows: { kind: string; id: string; document: string }[]): Map<string, PreviewCard> {
  return new Map(rows.flatMap((r) => (r.kind === "card" ? [[r.id, JSON.parse(r.document) as PreviewCard] as const] : [])));
}
