// Link preview cards. When a post is stored (ours or remote) its first link is recorded in
// `status_cards`, and a `card` job is queued for the URL unless it was fetched lately, failed
// lately, or is being fetched: one row per URL in `preview_cards`, shared by every post that links
// it, claimed in one upsert so two posts at once queue one job. The job fetches the page through
// the safe fetcher, reads its tags (src/text/link-cards.ts) and stores the card; the post never
// waits for it, and is shown with its card once the job ran.
import { eq, sql } from "drizzle-orm";
import { previewCards, statusCards } from "../db/schema.ts";
import type { Job } from "../delivery/jobs.ts";
import { limitsFor } from "../delivery/limits.ts";
import { overBudget } from "../delivery/usage.ts";
import { type FetchResult, readBounded, safeFetch } from "../federation/fetch.ts";
import type { Attachment, Tag } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { anchors, buildCard, httpUrl, pageMeta, type PreviewCard } from "../text/link-cards.ts";
import { VERSION } from "../version.ts";

const DAY_MS = 86_400_000;
/** A fetched page (card or none) is fetched again at most this often, as Mastodon's two weeks. */
export const CARD_REFRESH_MS = 14 * DAY_MS;
/** A failed fetch (no answer, an error status, not HTML, refused) is not tried again for a day. */
const CARD_FAILED_MS = DAY_MS;
/** A queued fetch is waited for this long; past it (the job lost) another may be queued. */
const CARD_PENDING_MS = 3_600_000;
/** Pages are read up to 1 MiB (Mastodon's body limit); the tags are in the head, well before. */
const PAGE_BYTES = 1024 * 1024;
const OEMBED_BYTES = 64 * 1024;
const FETCH_MS = 8_000;
const MAX_URL = 2048;

export interface CardSource {
  html: string;
  tags: Tag[];
  attachments: Attachment[];
}

/**
 * The post's first link worth a card: http(s), not on our origin, not a mention or hashtag
 * (rel="tag", the mention / hashtag / h-card / u-url classes, a mentioned actor's address) and not
 * one of the post's own attachments. The fragment is dropped: it names a place in the same page.
 */
export async function firstLink(s: Services, post: CardSource): Promise<string | null> {
  if (!/<a\s/i.test(post.html)) return null;
  const skipped = new Set([...post.tags.flatMap((t) => (t.type === "Mention" ? [t.href] : [])), ...post.attachments.map((a) => a.url)]);
  for (const a of await anchors(post.html)) {
    if (/(^|\s)tag(\s|$)/i.test(a.rel) || /(^|\s)(mention|hashtag|h-card|u-url)(\s|$)/i.test(a.className)) continue;
    const url = httpUrl(a.href, s.urls.origin);
    if (!url || skipped.has(url) || skipped.has(a.href) || new URL(url).origin === new URL(s.urls.origin).origin) continue;
    const bare = url.replace(/#.*$/, "");
    if (bare.length <= MAX_URL) return bare;
  }
  return null;
}

/**
 * Records the post's first link and queues its page's fetch when no fresh card, recent failure or
 * pending fetch covers it. `edit`: the post was stored before, so a link it no longer has is
 * forgotten. Never throws (a post without its card is still a post); returns whether a job was queued.
 */
export async function requestCard(s: Services, statusUri: string, post: CardSource, options: { edit?: boolean } = {}): Promise<boolean> {
  try {
    const url = await firstLink(s, post);
    if (!url) {
      if (options.edit) await s.db.delete(statusCards).where(eq(statusCards.statusUri, statusUri));
      return false;
    }
    const now = s.now();
    // One round trip: the post's link, and the claim of the URL's fetch if nothing covers it.
    const [, claimed] = await s.db.batch([
      s.db.insert(statusCards).values({ statusUri, url }).onConflictDoUpdate({ target: statusCards.statusUri, set: { url } }),
      s.db
        .insert(previewCards)
        .values({ url, retryAfter: now + CARD_PENDING_MS })
        .onConflictDoUpdate({ target: previewCards.url, set: { retryAfter: now + CARD_PENDING_MS }, setWhere: sql`${previewCards.retryAfter} <= ${now}` })
        .returning({ url: previewCards.url }),
    ]);
    if (claimed.length === 0) return false;
    const over = await overBudget(s.db, limitsFor(s.config.plan), now);
    if (over) {
      // The claim lapses within the hour; a later post linking the URL asks again.
      s.log("card.budget_paused", { url, budget: over });
      return false;
    }
    try {
      await s.jobs.send({ kind: "card", url });
    } catch (error) {
      await s.db.update(previewCards).set({ retryAfter: 0 }).where(eq(previewCards.url, url));
      throw error;
    }
    s.log("card.queued", { url, status: statusUri });
    return true;
  } catch (error) {
    s.log("card.not_queued", { status: statusUri, error: String(error) });
    return false;
  }
}

const isHtml = (type: string | null) => /^\s*(text\/html|application\/xhtml\+xml)\s*(;|$)/i.test(type ?? "");

/** GETs `url` through the safe fetcher; the answer must be 200 with a type `accept` takes. */
async function fetchPage(s: Services, url: string, accept: string, ok: (type: string | null) => boolean, maxBytes: number): Promise<FetchResult<{ body: Uint8Array; type: string; finalUrl: string }>> {
  const fetched = await safeFetch(url, { method: "GET", headers: { Accept: accept, "User-Agent": `Roost/${VERSION} (link preview)` } }, s.fetcher.policy, { timeoutMs: FETCH_MS });
  if (!fetched.ok) return fetched;
  const response = fetched.value;
  const type = response.headers.get("Content-Type");
  if (response.status !== 200 || !ok(type)) {
    await response.body?.cancel();
    return { ok: false, status: response.status, reason: response.status !== 200 ? `answered ${response.status}` : `not HTML (${type})` };
  }
  const body = await readBounded(response, maxBytes);
  if (!body.ok) return body;
  return { ok: true, value: { body: body.value, type: type ?? "text/html", finalUrl: response.url || url } };
}

/** The page's oEmbed answer, when it names a JSON endpoint that answers; null otherwise (the tags are used alone). */
async function fetchOembed(s: Services, endpoint: string): Promise<Record<string, unknown> | null> {
  const fetched = await fetchPage(s, endpoint, "application/json", (t) => /json/i.test(t ?? ""), OEMBED_BYTES);
  if (!fetched.ok) {
    s.log("card.oembed_failed", { url: endpoint, reason: fetched.reason });
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(fetched.value.body));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The card of `url`'s page, null when it has none, or why it could not be had. */
export async function fetchCard(s: Services, url: string): Promise<FetchResult<PreviewCard | null>> {
  const page = await fetchPage(s, url, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1", isHtml, PAGE_BYTES);
  if (!page.ok) return page;
  const { body, type, finalUrl } = page.value;
  const meta = await pageMeta(body, type);
  const endpoint = httpUrl(meta.oembed, finalUrl);
  const oembed = endpoint ? await fetchOembed(s, endpoint) : null;
  return { ok: true, value: await buildCard(url, finalUrl, meta, oembed, endpoint) };
}

/**
 * The `card` job. A page that cannot be had is remembered for a day (the queue does not retry it,
 * and no post queues it again meanwhile); a card, or a page without one, for CARD_REFRESH_MS. A
 * failure keeps the card fetched before, if any.
 */
export async function fetchLinkCard(job: Extract<Job, { kind: "card" }>, s: Services): Promise<void> {
  const result = await fetchCard(s, job.url);
  const now = s.now();
  if (!result.ok) {
    await s.db.update(previewCards).set({ retryAfter: now + CARD_FAILED_MS, failure: result.reason }).where(eq(previewCards.url, job.url));
    s.log("card.failed", { url: job.url, reason: result.reason });
    return;
  }
  const stored = { card: result.value ? JSON.stringify(result.value) : null, fetchedAt: now, retryAfter: now + CARD_REFRESH_MS, failure: null };
  await s.db.insert(previewCards).values({ url: job.url, ...stored }).onConflictDoUpdate({ target: previewCards.url, set: stored });
  s.log("card.fetched", { url: job.url, card: result.value !== null });
}

// Cards read with a page's contents (the Status entities' `card`, the web pages' card): one more
// branch of the caller's contents statement, so a page costs no extra round trip (in the status
// entity it shares a compound term with media and polls: D1 allows 5 terms).

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
