// Where the Delete of a revoked quote stamp goes. Mastodon's RevokeQuoteService sends it to every
// inbox StatusReachFinder (unsafe) finds for the quoting post and for the quoted one: the owner's
// followers, and the known accounts each post reached — those it mentions, the author it replies
// to, and those who liked, boosted or replied to it. Roost adds the quoting author, whom that set
// may miss (they need not follow the owner) and who must drop the quote first. Only accounts we
// hold (remote_actors) are named, as Mastodon names only accounts it knows: the fan-out then
// looks nobody up over the network.
import { sql } from "drizzle-orm";
import type { QuoteRow } from "../db/queries/quotes.ts";
import { normalizeObject } from "../federation/normalize.ts";
import { PUBLIC } from "../federation/vocabulary.ts";
import type { Services } from "../services.ts";
import { signed } from "./posts/signed.ts";

/** A revoked quote reaches at most this many accounts besides the followers (the fan-out resolves each). */
const MAX_REACHED = 500;

/** Mentioned accounts and the replied-to post of a stored document (ours or remote). */
function reachOf(document: string | null | undefined): { mentions: string[]; parent: string | null } {
  if (!document) return { mentions: [], parent: null };
  const post = normalizeObject(JSON.parse(document));
  if (!post.ok) return { mentions: [], parent: null };
  return { mentions: post.value.tag.flatMap((t) => (t.type === "Mention" && t.href ? [t.href] : [])), parent: post.value.inReplyTo };
}

/** The quoting author, then the remote accounts the quoting and the quoted post reached, as Mastodon finds them. */
export async function quoteReach(s: Services, row: QuoteRow): Promise<string[]> {
  const [docs] = await s.db.all<{ quoted: string | null; quoting: string | null }>(sql`
    SELECT (SELECT document FROM objects WHERE id = ${row.quotedUri}) AS quoted,
           coalesce((SELECT document FROM remote_objects WHERE id = ${row.statusUri}), (SELECT document FROM objects WHERE id = ${row.statusUri})) AS quoting`);
  const quoted = reachOf(docs?.quoted);
  const quoting = reachOf(docs?.quoting);
  const named = JSON.stringify([...quoted.mentions, ...quoting.mentions]);
  const parents = JSON.stringify([quoted.parent, quoting.parent].filter((p): p is string => !!p));
  const rows = await s.db.all<{ id: string }>(sql`
    SELECT a.id FROM remote_actors a WHERE a.id IN (
      SELECT value FROM json_each(${named})
      UNION SELECT actor_id FROM reactions WHERE object_id IN (${row.quotedUri}, ${row.statusUri}) AND type IN ('Like', 'Announce')
      UNION SELECT actor_id FROM statuses WHERE in_reply_to IN (${row.quotedUri}, ${row.statusUri}) AND local = 0
      UNION SELECT actor_id FROM statuses WHERE uri IN (SELECT value FROM json_each(${parents})) AND local = 0
    ) AND a.id != ${row.actorId} LIMIT ${MAX_REACHED}`);
  // The quoting author is named even when not held: the fan-out fetches that one actor.
  return [row.actorId, ...rows.map((r) => r.id)];
}

/**
 * The Delete of a stamp, as Mastodon's DeleteQuoteAuthorizationSerializer has it (the stamp's URI
 * as `object`, to the public, signed), through the one outbox: `cc` names the followers and the
 * reached accounts, which is how the outbox finds their inboxes.
 */
export async function sendStampDelete(s: Services, row: QuoteRow, stamp: string): Promise<void> {
  const reached = await quoteReach(s, row);
  const activity = await signed(s, {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${stamp}#delete`,
    type: "Delete",
    actor: s.urls.actor,
    to: [PUBLIC],
    cc: [s.urls.followers, ...reached],
    object: stamp,
  });
  await s.outbox.send(activity, { visibility: "public" });
  s.log("quote.stamp_deleted", { stamp, reached: reached.length });
}
