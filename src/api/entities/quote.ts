// Mastodon 4.5's quote fields of a Status (REST::StatusSerializer): `quote` — a Quote {state,
// quoted_status}, or at the second level a ShallowQuote {state, quoted_status_id} — `quote_approval`
// {automatic, manual, current_user} and `quotes_count`. One query for a whole page, whatever its
// size; the quoted statuses are built by the caller's entity builder, one level deep.
import { inArray, sql } from "drizzle-orm";
import { statuses } from "../../db/schema.ts";
import type { StatusRow } from "../../domain/statuses.ts";
import { parseQuotePolicy } from "../../federation/quote-policy.ts";
import type { Services } from "../../services.ts";

type Entity = Record<string, unknown> & { id: string };

interface QuoteFacts {
  k: "quote" | "count" | "policy";
  uri: string;
  state: string | null;
  quoted: string | null;
  n: number | null;
  policy: string | null;
  author: string | null;
  followers: string | null;
  followed: number | null;
}

/** `current_user` for the owner: their own posts they may always quote (Mastodon's rule for the author). */
function approvalFor(uri: string, facts: QuoteFacts | undefined, s: Services) {
  if (!facts || facts.author === null) {
    const own = facts?.policy ? parseQuotePolicy({ interactionPolicy: JSON.parse(facts.policy) }, { id: s.urls.actor, followers: s.urls.followers }) : { automatic: [], manual: [] };
    return { ...own, current_user: s.urls.isLocal(uri) ? "automatic" : "denied" };
  }
  const parsed = facts.policy
    ? parseQuotePolicy({ interactionPolicy: JSON.parse(facts.policy) }, { id: facts.author, followers: facts.followers ?? `${facts.author}/followers` })
    : { automatic: [], manual: [] };
  const followed = facts.followed === 1;
  const fits = (names: string[]) => names.includes("public") || (followed && names.includes("followers"));
  const current = fits(parsed.automatic) ? "automatic" : parsed.manual.length > 0 ? "manual" : parsed.automatic.includes("unsupported_policy") ? "unknown" : "denied";
  return { ...parsed, current_user: current };
}

/**
 * Adds the quote fields to `entities` (and to the originals inside boosts). `depth` 0 builds the
 * quoted statuses with `build`; deeper levels give ShallowQuotes, as Mastodon does.
 */
export async function attachQuotes(
  s: Services,
  entities: Map<number, Entity>,
  options: { owner: boolean; depth: number },
  build: (rows: StatusRow[]) => Promise<Map<number, Entity>>,
): Promise<void> {
  const targets = [...entities.values()].map((e) => (e.reblog as Entity | null) ?? e);
  const uris = [...new Set(targets.map((t) => String(t.uri)))];
  if (uris.length === 0) return;
  const list = JSON.stringify(uris);
  const facts = await s.db.all<QuoteFacts>(sql`
    SELECT 'quote' AS k, status_uri AS uri, state, quoted_uri AS quoted, NULL AS n, NULL AS policy, NULL AS author, NULL AS followers, NULL AS followed
      FROM quotes WHERE status_uri IN (SELECT value FROM json_each(${list}))
    UNION ALL SELECT 'count', quoted_uri, NULL, NULL, count(*), NULL, NULL, NULL, NULL
      FROM quotes WHERE state = 'accepted' AND quoted_uri IN (SELECT value FROM json_each(${list})) GROUP BY quoted_uri
    UNION ALL SELECT 'policy', id, NULL, NULL, NULL, json_extract(document, '$.interactionPolicy'), NULL, NULL, NULL
      FROM objects WHERE id IN (SELECT value FROM json_each(${list}))
    UNION ALL SELECT 'policy', ro.id, NULL, NULL, NULL, json_extract(ro.document, '$.interactionPolicy'), ro.actor_id, json_extract(ra.document, '$.followers'),
        EXISTS (SELECT 1 FROM following f WHERE f.actor_id = ro.actor_id AND f.state = 'accepted')
      FROM remote_objects ro LEFT JOIN remote_actors ra ON ra.id = ro.actor_id WHERE ro.id IN (SELECT value FROM json_each(${list}))`);
  const quoteOf = new Map(facts.filter((f) => f.k === "quote").map((f) => [f.uri, f]));
  const counts = new Map(facts.filter((f) => f.k === "count").map((f) => [f.uri, f.n ?? 0]));
  const policies = new Map(facts.filter((f) => f.k === "policy").map((f) => [f.uri, f]));
  const acceptedUris = [...new Set([...quoteOf.values()].flatMap((q) => (q.state === "accepted" && q.quoted ? [q.quoted] : [])))];
  const quotedRows = acceptedUris.length > 0 ? await s.db.select().from(statuses).where(inArray(statuses.uri, acceptedUris)) : [];
  const quotedByUri = new Map(quotedRows.map((r) => [r.uri, r]));
  const built = options.depth === 0 && quotedRows.length > 0 ? await build(quotedRows) : new Map<number, Entity>();

  const quoteEntity = (uri: string) => {
    const q = quoteOf.get(uri);
    if (!q) return null;
    if (q.state !== "accepted") return options.depth === 0 ? { state: q.state, quoted_status: null } : { state: q.state, quoted_status_id: null };
    const row = q.quoted ? quotedByUri.get(q.quoted) : undefined;
    // A quoted post we no longer hold is shown as deleted; one the reader may not see, as unauthorized.
    if (!row) return options.depth === 0 ? { state: "deleted", quoted_status: null } : { state: "deleted", quoted_status_id: null };
    if (!options.owner && row.visibility !== "public" && row.visibility !== "unlisted") return { state: "unauthorized", quoted_status: null };
    if (options.depth > 0) return { state: "accepted", quoted_status_id: String(row.id) };
    const quoted = built.get(row.id);
    return quoted ? { state: "accepted", quoted_status: quoted } : { state: "deleted", quoted_status: null };
  };
  // A boost's wrapper is no quote of its own (the original inside it carries the quote).
  for (const e of entities.values()) if (e.reblog) Object.assign(e, { quote: null, quote_approval: { automatic: [], manual: [], current_user: "denied" }, quotes_count: 0 });
  for (const target of new Set(targets)) {
    const uri = String(target.uri);
    target.quote = quoteEntity(uri);
    target.quote_approval = approvalFor(uri, policies.get(uri), s);
    target.quotes_count = counts.get(uri) ?? 0;
  }
}
