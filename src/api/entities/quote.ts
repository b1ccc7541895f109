// Mastodon 4.5's quote fields of a Status (REST::StatusSerializer): `quote` — a Quote {state,
// quoted_status}, or at the second level a ShallowQuote {state, quoted_status_id} — `quote_approval`
// {automatic, manual, current_user} and `quotes_count`. They cost no statement of their own: the
// quote rows (with the quoted statuses' index rows) and the accepted-quotes counts ride in the
// page's contents statement (quoteContentBranch), and the policy is read from the documents that
// statement loads anyway (quoteApproval), the remote author's facts in its `author` column
// (quoteAuthorColumn). Only the quoted statuses themselves cost the statements of building them,
// one level deep, and only when the page has accepted quotes.
import { type SQL, sql } from "drizzle-orm";
import type { StatusRow } from "../../domain/statuses.ts";
import { parseQuotePolicy } from "../../federation/quote-policy.ts";
import type { Services } from "../../services.ts";

type Entity = Record<string, unknown> & { id: string };

/**
 * One term of the contents statement: 'quote' rows (the quote a post makes, with the index row
 * of the quoted status when the quote is accepted) and 'quotes_count' rows (the accepted quotes
 * of a post). D1 allows 5 terms in a compound SELECT, so the two share this one through a subquery.
 */
export function quoteContentBranch(urisJson: string): SQL {
  return sql`SELECT kind, id, document FROM (
      SELECT 'quote' AS kind, q.status_uri AS id, json_object('state', q.state, 'quoted', q.quoted_uri,
          'id', s.id, 'uri', s.uri, 'actorId', s.actor_id, 'reblogOfUri', s.reblog_of_uri, 'local', s.local,
          'visibility', s.visibility, 'inReplyTo', s.in_reply_to, 'published', s.published, 'home', s.home) AS document
        FROM quotes q LEFT JOIN statuses s ON q.state = 'accepted' AND s.uri = q.quoted_uri
        WHERE q.status_uri IN (SELECT value FROM json_each(${urisJson}))
      UNION ALL
      SELECT 'quotes_count', quoted_uri, count(*) FROM quotes
        WHERE state = 'accepted' AND quoted_uri IN (SELECT value FROM json_each(${urisJson})) GROUP BY quoted_uri)`;
}

/**
 * The `author` column of the contents statement's remote_objects term: who wrote the post, their
 * followers and following collections, whether the owner follows them and whether they follow the
 * owner — what a canQuote naming the author's followers or following needs. Evaluated only for documents with a canQuote, so other posts read nothing more.
 */
export function quoteAuthorColumn(remoteObjects: SQL): SQL {
  return sql`CASE WHEN json_type(${remoteObjects}.document, '$.interactionPolicy.canQuote') IS NOT NULL THEN json_object(
      'id', ${remoteObjects}.actor_id,
      'collections', (SELECT json_object('followers', json_extract(ra.document, '$.followers'), 'following', json_extract(ra.document, '$.following'))
        FROM remote_actors ra WHERE ra.id = ${remoteObjects}.actor_id),
      'followed', EXISTS (SELECT 1 FROM following f WHERE f.actor_id = ${remoteObjects}.actor_id AND f.state = 'accepted'),
      'follower', EXISTS (SELECT 1 FROM followers f WHERE f.actor_id = ${remoteObjects}.actor_id AND f.state = 'accepted')) END`;
}

interface QuoteOf {
  state: string;
  /** The quoted status's index row, for an accepted quote whose quoted post we hold. */
  row: StatusRow | null;
}

export interface PageQuotes {
  quoteOf: Map<string, QuoteOf>;
  counts: Map<string, number>;
}

type StoredQuote = { state: string; quoted: string } & { [K in keyof StatusRow]: K extends "local" | "home" ? number : StatusRow[K] | null };

/** The 'quote' and 'quotes_count' rows of the contents statement, by status uri. */
export function quotesOfPage(rows: { kind: string; id: string; document: string }[]): PageQuotes {
  const quoteOf = new Map<string, QuoteOf>();
  const counts = new Map<string, number>();
  for (const r of rows) {
    if (r.kind === "quotes_count") counts.set(r.id, Number(r.document));
    if (r.kind !== "quote") continue;
    const q = JSON.parse(r.document) as StoredQuote;
    const row: StatusRow | null =
      q.id === null
        ? null
        : {
            id: q.id,
            uri: q.uri!,
            actorId: q.actorId!,
            reblogOfUri: q.reblogOfUri,
            local: q.local === 1,
            visibility: q.visibility!,
            inReplyTo: q.inReplyTo,
            published: q.published!,
            home: q.home === 1,
          };
    quoteOf.set(r.id, { state: q.state, row });
  }
  return { quoteOf, counts };
}

export interface QuoteApproval {
  automatic: string[];
  manual: string[];
  current_user: string;
}

/** The author facts of quoteAuthorColumn, as the statement returns them (the collections as JSON text, null without a stored actor). */
export type QuoteAuthor = { id: string; collections: string | { followers?: string | null; following?: string | null } | null; followed: number; follower: number } | null;

/**
 * `quote_approval` of a post from its document's `interactionPolicy`; "owner" for our own posts.
 * `current_user` follows Mastodon's Status#quote_policy_for_account: denied to a reader who is not
 * signed in and for a direct post; the author may always quote their own post; then denied unless
 * the post is public or unlisted; then the automatic list (public, the author's followers when the
 * owner follows them, the author's following when they follow the owner), the manual list by the
 * same tests, unknown when either names something unsupported, else denied.
 */
export function quoteApproval(s: Services, interactionPolicy: unknown, author: QuoteAuthor | "owner", reader: { signedIn: boolean; visibility: string }): QuoteApproval {
  const note = { interactionPolicy };
  const facts = author === "owner" || !author ? null : typeof author.collections === "string" ? JSON.parse(author.collections) : author.collections;
  const parsed =
    author === "owner"
      ? parseQuotePolicy(note, { id: s.urls.actor, followers: s.urls.followers, following: s.urls.following })
      : author
        ? parseQuotePolicy(note, { id: author.id, followers: facts?.followers ?? `${author.id}/followers`, following: facts?.following ?? null })
        : // No canQuote (so no author facts read): nobody but the author may quote.
          { automatic: [], manual: [] };
  const current = (): string => {
    if (!reader.signedIn || reader.visibility === "direct") return "denied";
    if (author === "owner") return "automatic";
    if (reader.visibility !== "public" && reader.visibility !== "unlisted") return "denied";
    const fits = (names: string[]) => names.includes("public") || (author?.followed === 1 && names.includes("followers")) || (author?.follower === 1 && names.includes("following"));
    if (fits(parsed.automatic)) return "automatic";
    if (fits(parsed.manual)) return "manual";
    return [...parsed.automatic, ...parsed.manual].includes("unsupported_policy") ? "unknown" : "denied";
  };
  return { ...parsed, current_user: current() };
}

const DENIED: QuoteApproval = { automatic: [], manual: [], current_user: "denied" };

/**
 * Adds the quote fields to `entities` (and to the originals inside boosts) from what the contents
 * statement read. `depth` 0 builds the quoted statuses with `build` (only when there are accepted
 * quotes: no statement otherwise); deeper levels give ShallowQuotes, as Mastodon does.
 */
export async function attachQuotes(
  entities: Map<number, Entity>,
  page: PageQuotes & { approvals: Map<string, QuoteApproval> },
  options: { owner: boolean; depth: number },
  build: (rows: StatusRow[]) => Promise<Map<number, Entity>>,
): Promise<void> {
  const targets = new Set([...entities.values()].map((e) => (e.reblog as Entity | null) ?? e));
  const quotedRows = [...new Map([...page.quoteOf.values()].flatMap((q) => (q.row ? [[q.row.id, q.row] as const] : []))).values()];
  const built = options.depth === 0 && quotedRows.length > 0 ? await build(quotedRows) : new Map<number, Entity>();

  const quoteEntity = (uri: string) => {
    const q = page.quoteOf.get(uri);
    if (!q) return null;
    if (q.state !== "accepted") return options.depth === 0 ? { state: q.state, quoted_status: null } : { state: q.state, quoted_status_id: null };
    const row = q.row;
    // A quoted post we no longer hold is shown as deleted; one the reader may not see, as unauthorized.
    if (!row) return options.depth === 0 ? { state: "deleted", quoted_status: null } : { state: "deleted", quoted_status_id: null };
    if (!options.owner && row.visibility !== "public" && row.visibility !== "unlisted") return options.depth === 0 ? { state: "unauthorized", quoted_status: null } : { state: "unauthorized", quoted_status_id: null };
    if (options.depth > 0) return { state: "accepted", quoted_status_id: String(row.id) };
    const quoted = built.get(row.id);
    return quoted ? { state: "accepted", quoted_status: quoted } : { state: "deleted", quoted_status: null };
  };
  // A boost's wrapper is no quote of its own (the original inside it carries the quote), but its
  // quote_approval is the original's: Mastodon's serializer reads it from `status.proper`.
  for (const e of entities.values()) {
    if (e.reblog) Object.assign(e, { quote: null, quote_approval: page.approvals.get(String((e.reblog as Entity).uri)) ?? { ...DENIED }, quotes_count: 0 });
  }
  for (const target of targets) {
    const uri = String(target.uri);
    target.quote = quoteEntity(uri);
    target.quote_approval = page.approvals.get(uri) ?? { ...DENIED };
    target.quotes_count = page.counts.get(uri) ?? 0;
  }
}
