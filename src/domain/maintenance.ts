// The scheduled clean-up (cron trigger, `scheduled` in src/index.ts): what the inbox keeps only for
// a while. Retention is stated in the README (Storage and retention).
import { sql } from "drizzle-orm";
import { changedRows } from "../db/changes.ts";
import type { Services } from "../services.ts";
import { pruneAnsweredRequests, pruneStaleQuotes } from "./answered-pruning.ts";
import { pruneUnattachedMedia } from "./media.ts";
import { pruneRemotePosts } from "./statuses.ts";

const DAY_MS = 86_400_000;

export const RETENTION = {
  /**
   * Idempotency rows of received activities. A signature is good for at most 13 hours (12 h
   * expiry cap + 1 h skew), and Mastodon gives up redelivering after about a week, so two weeks
   * covers every redelivery that could still verify.
   */
  inboxActivitiesMs: 14 * DAY_MS,
  /** Remote posts the owner never touched (not bookmarked, liked, boosted, replied to or notified about), and cached actors nothing refers to. */
  unreferencedMs: 30 * DAY_MS,
  /** Key fetch bookkeeping (refetch interval, negative cache) once it no longer applies. */
  keyFetchesMs: DAY_MS,
  /** Move cooldown rows (Mastodon: 7 days). */
  accountMovesMs: 7 * DAY_MS,
};

export interface PruneReport {
  inboxActivities: number;
  remoteObjects: number;
  remoteActors: number;
  keyFetches: number;
  accountMoves: number;
  /** Uploads no post took within a day (rows and R2 files). */
  unattachedMedia: number;
  /** Answered interaction requests, ours and others' (answered-pruning.ts). */
  interactionRequests: number;
  /** Quote rows that describe nothing any more (answered-pruning.ts). */
  quotes: number;
}

const changes = (s: Services, query: ReturnType<typeof sql>) => changedRows(s.db, query);

export async function pruneStorage(s: Services, now = s.now()): Promise<PruneReport> {
  const report: PruneReport = {
    // Queued rows are kept until processed, unless they are older than the retention (their job is long dead).
    inboxActivities: await changes(
      s,
      sql`DELETE FROM inbox_activities WHERE received_at < ${now - RETENTION.inboxActivitiesMs}`,
    ),
    // Remote posts (the home timeline's too) the owner never touched: domain/statuses.ts decides.
    remoteObjects: await pruneRemotePosts({ ...s, now: () => now }, RETENTION.unreferencedMs / DAY_MS),
    remoteActors: await changes(
      s,
      sql`DELETE FROM remote_actors WHERE fetched_at < ${now - RETENTION.unreferencedMs}
          AND NOT EXISTS (SELECT 1 FROM followers f WHERE f.actor_id = remote_actors.id)
          AND NOT EXISTS (SELECT 1 FROM following f WHERE f.actor_id = remote_actors.id)
          AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.actor_id = remote_actors.id)
          AND NOT EXISTS (SELECT 1 FROM reactions r WHERE r.actor_id = remote_actors.id)
          AND NOT EXISTS (SELECT 1 FROM remote_objects o WHERE o.actor_id = remote_actors.id)
          AND NOT EXISTS (SELECT 1 FROM statuses st WHERE st.actor_id = remote_actors.id)`,
    ),
    keyFetches: await changes(
      s,
      sql`DELETE FROM key_fetches WHERE fetched_at < ${now - RETENTION.keyFetchesMs} AND coalesce(failed_until, 0) < ${now}`,
    ),
    accountMoves: await changes(s, sql`DELETE FROM account_moves WHERE moved_at < ${now - RETENTION.accountMovesMs}`),
    unattachedMedia: await pruneUnattachedMedia(s, now),
    interactionRequests: await pruneAnsweredRequests(s, now),
    quotes: await pruneStaleQuotes(s, now),
  };
  await s.db.run(sql`DELETE FROM remote_actor_keys WHERE actor_id NOT IN (SELECT id FROM remote_actors)`);
  await s.db.run(sql`DELETE FROM follow_accepts WHERE actor_id NOT IN (SELECT actor_id FROM followers)`);
  // CSV imports finished a month ago: their rows (the whole file, parsed) and report.
  const importsBefore = now - RETENTION.unreferencedMs;
  await s.db.run(sql`DELETE FROM import_rows WHERE import_id IN (SELECT id FROM imports WHERE finished_at < ${importsBefore})`);
  await s.db.run(sql`DELETE FROM imports WHERE finished_at < ${importsBefore}`);
  // Thread fetch claims and failures that no longer hold anything off.
  await s.db.run(sql`DELETE FROM thread_fetches WHERE retry_after < ${now}`);
  // Link cards no post links any more, once they would be fetched again anyway.
  await s.db.run(sql`DELETE FROM preview_cards WHERE retry_after < ${now} AND url NOT IN (SELECT url FROM status_cards)`);
  s.log("maintenance.pruned", { ...report });
  return report;
}
