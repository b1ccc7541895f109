// Thread parents the status index lacks, fetched through the queue. A context request (or a home
// post arriving as a reply) that meets a parent we do not have asks for one `thread` job; the job
// fetches the parent through the safe fetcher, stores it, and walks on up while parents are
// missing. Requests never fetch: the next context request shows what the job stored.
//
// Cost is bounded three ways: one job per missing parent at a time (a `thread_fetches` row, taken
// in one statement, so concurrent requests cannot both queue), no job once the day's budget is
// nearly spent, and at most THREAD_DEPTH levels per walk.
import { and, eq, isNull, lt } from "drizzle-orm";
import { statuses, threadFetches } from "../db/schema.ts";
import type { Job } from "../delivery/jobs.ts";
import { limitsFor } from "../delivery/limits.ts";
import { overBudget } from "../delivery/usage.ts";
import { httpIri } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { isBlocked } from "./blocks.ts";
import { fetchRemotePost } from "./statuses.ts";

/** Levels one walk goes up from the first missing parent. */
export const THREAD_DEPTH = 10;
/** A queued fetch is waited for this long; past it (the job lost, or dead-lettered) another may be queued. */
const PENDING_MS = 3_600_000;
/** After a failed fetch (gone, refused, not a post, no answer) the parent is not asked for again for a day. */
const FAILED_MS = 86_400_000;

/** Only remote http(s) posts are fetched: a missing post of ours was deleted. */
const fetchable = (s: Services, uri: string) => !s.urls.isLocal(uri) && httpIri(uri) !== null;

/** Whether `uri` is a remote post the index lacks (a parent worth fetching). */
export async function parentMissing(s: Services, uri: string): Promise<boolean> {
  if (!fetchable(s, uri)) return false;
  const [known] = await s.db.select({ id: statuses.id }).from(statuses).where(eq(statuses.uri, uri)).limit(1);
  return !known;
}

/**
 * Queues one `thread` job for the missing parent `uri`, unless one is pending or failed recently,
 * or the plan's daily budget is nearly spent. Never throws: a thread shown without its parents is
 * still an answer. Returns whether a job was queued.
 */
export async function requestParentFetch(s: Services, uri: string, options: { from: "context" | "inbox" | "thread"; depth?: number }): Promise<boolean> {
  const depth = options.depth ?? 0;
  if (!fetchable(s, uri)) return false;
  try {
    const now = s.now();
    const over = await overBudget(s.db, limitsFor(s.config.plan), now);
    if (over) {
      s.log("thread.budget_paused", { uri, budget: over });
      return false;
    }
    const claimed = await s.db
      .insert(threadFetches)
      .values({ uri, retryAfter: now + PENDING_MS, failure: null })
      .onConflictDoUpdate({ target: threadFetches.uri, set: { retryAfter: now + PENDING_MS, failure: null }, setWhere: lt(threadFetches.retryAfter, now) })
      .returning({ uri: threadFetches.uri });
    if (claimed.length === 0) return false;
    try {
      await s.jobs.send({ kind: "thread", uri, ...(depth > 0 ? { depth } : {}) });
    } catch (error) {
      await s.db.delete(threadFetches).where(eq(threadFetches.uri, uri));
      throw error;
    }
    s.log("thread.queued", { uri, depth, from: options.from });
    return true;
  } catch (error) {
    s.log("thread.not_queued", { uri, error: String(error) });
    return false;
  }
}

async function failed(s: Services, uri: string, reason: string): Promise<void> {
  const retryAfter = s.now() + FAILED_MS;
  await s.db
    .insert(threadFetches)
    .values({ uri, retryAfter, failure: reason })
    .onConflictDoUpdate({ target: threadFetches.uri, set: { retryAfter, failure: reason } });
  s.log("thread.failed", { uri, reason });
}

/**
 * The `thread` job: fetches and stores the parent, then its parents while they are missing, up to
 * the plan's fetches per job and THREAD_DEPTH levels in all; a longer chain goes on in one more
 * job. A failure is remembered (no retry by the queue, no new job for a while), so a parent that
 * cannot be had costs one job, not a loop.
 */
export async function fetchThreadParents(job: Extract<Job, { kind: "thread" }>, s: Services): Promise<void> {
  const perJob = limitsFor(s.config.plan).threadFetchesPerJob;
  const seen = new Set<string>();
  let uri: string | null = job.uri;
  let depth = job.depth ?? 0;
  let fetched = 0;
  while (uri && depth < THREAD_DEPTH && !seen.has(uri) && fetchable(s, uri)) {
    if (fetched >= perJob) {
      // Only a parent still missing is worth another job; one we have is walked from the next context request.
      if (await parentMissing(s, uri)) await requestParentFetch(s, uri, { from: "thread", depth });
      break;
    }
    seen.add(uri);
    if (await isBlocked(s, uri)) {
      await failed(s, uri, "the post's server is blocked");
      break;
    }
    const post = await fetchRemotePost(s, uri);
    if (!post.ok) {
      await failed(s, uri, post.reason);
      break;
    }
    if (post.fetched) fetched++;
    depth++;
    uri = post.row.inReplyTo;
  }
  // The job's own claim is done with, unless its parent failed (then the failure holds off new jobs).
  await s.db.delete(threadFetches).where(and(eq(threadFetches.uri, job.uri), isNull(threadFetches.failure)));
  s.log("thread.fetched", { uri: job.uri, fetched, depth });
}
