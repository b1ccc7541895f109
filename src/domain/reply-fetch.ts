// Replies a remote post has that never reached us, fetched from its `replies` collection through
// the queue: Mastodon 4.5's "fetch all replies" (ActivityPub::FetchAllRepliesWorker,
// FetchAllRepliesService, Status::FetchRepliesConcern), on a Worker's budget.
//
// When the owner opens a remote post's thread (GET /api/v1/statuses/:id/context; never for an
// anonymous reader), one `replies` job is queued for it. The job reads the post's replies
// collection (the copy embedded in the stored post, else fetched; only on the post's own host, as
// Mastodon refuses another origin's collection), fetches the replies we lack through the safe
// fetcher, and queues the same job for each reply it stored, so the walk goes down the thread.
//
// Bounds, Mastodon's shape with smaller numbers:
// - debounce: a post's collection is read at most once per REPLIES_DEBOUNCE_MS (Mastodon's
//   FETCH_REPLIES_DEBOUNCE, 15 minutes), claimed in one statement so concurrent views queue once;
// - per job: the plan's threadFetchesPerJob signed GETs (pages and replies together);
// - per thread: REPLIES_PER_THREAD replies fetched below the post first opened (Mastodon: 1,000
//   per request, 500 per status);
// - per day: REPLIES_PER_DAY replies in all (remote poll refreshes count against it too), and
//   nothing while the plan's daily budget is nearly spent (the thread-parent fetches' rule).
import { eq, gt, lt, sql } from "drizzle-orm";
import { remoteObjects, replyFetches, statuses } from "../db/schema.ts";
import type { Job } from "../delivery/jobs.ts";
import { limitsFor } from "../delivery/limits.ts";
import { overBudget } from "../delivery/usage.ts";
import { fetchActivityDocument } from "../federation/fetch.ts";
import { hostOf, httpIri } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { isBlocked } from "./blocks.ts";
import { fetchRemotePost, type StatusRow } from "./statuses.ts";

export const REPLIES_DEBOUNCE_MS = 15 * 60_000;
export const REPLIES_PER_THREAD = 40;
export const REPLIES_PER_DAY = 500;
/** Collection pages one job reads: the first page of Mastodon's replies holds only the author's own. */
const PAGES_PER_JOB = 2;
/** Items looked at per page: enough for a page of any server, no more. */
const ITEMS_PER_PAGE = 60;
const DAY_MS = 86_400_000;

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const idOf = (value: unknown): string | null => httpIri(isRecord(value) ? value.id : value);

/**
 * Fetches the owner's reading caused in the last day: replies of every thread, and the remote
 * poll refreshes of src/domain/polls.ts (rows keyed `poll:<uri>`, one per refresh). One allowance
 * for both, so neither can spend the plan's subrequests past it.
 */
async function fetchedToday(s: Services): Promise<number> {
  const [row] = await s.db
    .select({ n: sql<number>`coalesce(sum(${replyFetches.fetched}), 0)` })
    .from(replyFetches)
    .where(gt(replyFetches.fetchedAt, s.now() - DAY_MS));
  return Number(row?.n ?? 0);
}

/**
 * Claims `key` for a fetch unless it was claimed within `debounceMs`; keeps the day's count of a
 * claimed row (the daily bound sums it) and adds `add` to it. One statement, so two concurrent
 * requests claim once.
 */
async function claim(s: Services, key: string, debounceMs: number, add: number): Promise<boolean> {
  const now = s.now();
  const claimed = await s.db
    .insert(replyFetches)
    .values({ uri: key, fetchedAt: now, fetched: add })
    .onConflictDoUpdate({
      target: replyFetches.uri,
      set: { fetchedAt: now, fetched: sql`CASE WHEN ${replyFetches.fetchedAt} > ${now - DAY_MS} THEN ${replyFetches.fetched} ELSE 0 END + ${add}` },
      setWhere: lt(replyFetches.fetchedAt, now - debounceMs),
    })
    .returning({ uri: replyFetches.uri });
  return claimed.length > 0;
}

export interface ViewFetch {
  /** The row the debounce and the day's count are kept on. */
  key: string;
  debounceMs: number;
  /** Fetches counted against the day at the claim (the replies job counts its own as it goes). */
  count: number;
  job: Job;
  /** The log events' prefix: `<event>.queued`, `.budget_paused`, `.day_spent`, `.not_queued`. */
  event: string;
  /** Logged with each event. */
  fields?: Record<string, unknown>;
}

/**
 * Queues `job`, a fetch the owner's view of a remote post asked for, unless the plan's daily
 * budget is nearly spent, the day's allowance of such fetches is, or `key` was claimed within its
 * debounce. Never throws: what was asked for is shown either way, from what is stored.
 */
export async function queueViewFetch(s: Services, fetch: ViewFetch): Promise<boolean> {
  const { event } = fetch;
  const fields = { key: fetch.key, ...fetch.fields };
  try {
    const over = await overBudget(s.db, limitsFor(s.config.plan), s.now());
    if (over) {
      s.log(`${event}.budget_paused`, { ...fields, budget: over });
      return false;
    }
    if ((await fetchedToday(s)) >= REPLIES_PER_DAY) {
      s.log(`${event}.day_spent`, fields);
      return false;
    }
    if (!(await claim(s, fetch.key, fetch.debounceMs, fetch.count))) return false;
    await s.jobs.send(fetch.job);
    s.log(`${event}.queued`, fields);
    return true;
  } catch (error) {
    s.log(`${event}.not_queued`, { ...fields, error: String(error) });
    return false;
  }
}

/**
 * Queues one `replies` job for a remote post the owner is looking at, unless its collection was
 * read recently or the day's allowance is spent (queueViewFetch).
 */
export async function requestRepliesFetch(s: Services, row: StatusRow, root: string | null = null): Promise<boolean> {
  if (row.local || row.reblogOfUri || !httpIri(row.uri)) return false;
  return queueViewFetch(s, { key: row.uri, debounceMs: REPLIES_DEBOUNCE_MS, count: 0, job: { kind: "replies", uri: row.uri, ...(root ? { root } : {}) }, event: "replies", fields: { root } });
}

/** The post's `replies` as stored with it: an IRI, or an embedded collection (GoToSocial and Mastodon embed one with its first page). */
async function storedReplies(s: Services, uri: string): Promise<unknown> {
  const [row] = await s.db.select({ document: remoteObjects.document }).from(remoteObjects).where(eq(remoteObjects.id, uri));
  if (!row) return null;
  const document = JSON.parse(row.document) as Json;
  return document.replies ?? null;
}

/**
 * The reply ids of one job's worth of pages, and the GETs spent on them. An embedded collection or
 * page is read as it came with the post; a linked one is fetched, only from the post's host.
 */
async function replyIds(s: Services, post: string, replies: unknown, maxGets: number): Promise<{ ids: string[]; gets: number }> {
  const host = hostOf(post);
  const ids: string[] = [];
  let gets = 0;
  let current: unknown = replies;
  for (let pages = 0; current && pages < PAGES_PER_JOB + 1; ) {
    let document: Json;
    // GoToSocial embeds the first page with only `next`; Mastodon embeds it with the author's own replies.
    if (isRecord(current) && ["items", "orderedItems", "first", "next"].some((key) => current !== null && (current as Json)[key] !== undefined)) {
      document = current;
    } else {
      const url = idOf(current);
      if (!url || hostOf(url) !== host || gets >= maxGets) break;
      gets++;
      const fetched = await fetchActivityDocument(url, s.fetcher);
      if (!fetched.ok) {
        s.log("replies.collection_failed", { post, url, reason: fetched.reason });
        break;
      }
      document = fetched.value;
    }
    const items = document.orderedItems ?? document.items;
    for (const item of Array.isArray(items) ? items.slice(0, ITEMS_PER_PAGE) : items === undefined ? [] : [items]) {
      const id = idOf(item);
      if (id && !ids.includes(id)) ids.push(id);
    }
    // A collection leads to its first page; a page to the next one.
    if (document.first !== undefined && items === undefined) {
      current = document.first;
      continue;
    }
    pages++;
    current = pages < PAGES_PER_JOB ? (document.next ?? null) : null;
  }
  return { ids, gets };
}

/** The `replies` job: one post's missing replies, then the same for each reply it stored. */
export async function fetchReplies(job: Extract<Job, { kind: "replies" }>, s: Services): Promise<void> {
  const root = job.root ?? job.uri;
  const perJob = limitsFor(s.config.plan).threadFetchesPerJob;
  const [thread] = await s.db.select({ fetched: replyFetches.fetched }).from(replyFetches).where(eq(replyFetches.uri, root));
  const threadLeft = REPLIES_PER_THREAD - (thread?.fetched ?? 0);
  const dayLeft = REPLIES_PER_DAY - (await fetchedToday(s));
  if (threadLeft <= 0 || dayLeft <= 0) {
    s.log("replies.bounded", { uri: job.uri, root, threadLeft, dayLeft });
    return;
  }
  const replies = await storedReplies(s, job.uri);
  const { ids, gets } = await replyIds(s, job.uri, replies, perJob);
  let budget = Math.min(perJob - gets, threadLeft, dayLeft);
  const stored: StatusRow[] = [];
  let attempted = 0;
  for (const id of ids) {
    if (budget <= 0) break;
    if (s.urls.isLocal(id)) continue;
    const [known] = await s.db.select({ id: statuses.id }).from(statuses).where(eq(statuses.uri, id)).limit(1);
    if (known || (await isBlocked(s, id))) continue;
    budget--;
    attempted++;
    const post = await fetchRemotePost(s, id);
    if (!post.ok) {
      s.log("replies.reply_failed", { uri: job.uri, reply: id, reason: post.reason });
      continue;
    }
    // Only a reply to this post is walked on: a collection listing other posts does not steer the walk.
    if (post.row.inReplyTo === job.uri) stored.push(post.row);
  }
  // Counted on the thread's first post: its row is the per-thread bound, and the daily sum adds every row.
  if (attempted > 0) await s.db.update(replyFetches).set({ fetched: sql`${replyFetches.fetched} + ${attempted}` }).where(eq(replyFetches.uri, root));
  for (const reply of stored) await requestRepliesFetch(s, reply, root);
  s.log("replies.fetched", { uri: job.uri, root, listed: ids.length, attempted, stored: stored.length, gets });
}
