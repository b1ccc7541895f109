// The daily clean-up (maintenance.ts) of interaction requests and quote rows whose work is done.
// Each statement deletes at most BATCH rows a day (what is left goes the next day), and finds its
// candidates through an index on the time column (migration 0032), so a run reads the rows older
// than its cutoff and one or two index probes for each — on the Free plan's 5 M rows read a day,
// some tens of thousands at most for a busy account, and nothing that grows with the timelines.
import { sql } from "drizzle-orm";
import { changedRows } from "../db/changes.ts";
import type { Services } from "../services.ts";

const DAY_MS = 86_400_000;
const BATCH = 500;

export const ANSWERED_RETENTION = {
  /**
   * Our own requests once answered: the approval is on the interaction itself by then (its
   * `likeAuthorization` &c.), and a repeated answer after two weeks (Mastodon and GoToSocial stop
   * redelivering within one) is simply unmatched.
   */
  oursMs: 14 * DAY_MS,
  /** A day's grace before an approval we gave, or a quote row, is judged stale: nothing is mid-way then. */
  graceMs: DAY_MS,
  /** Others' quotes of posts that the owner (or the quoted author) refused: kept a month, as the answer was. */
  refusedQuotesMs: 30 * DAY_MS,
};

/**
 * Requests we sent and got an answer to (pending ones wait on: GoToSocial may still answer); and
 * the approvals we gave whose interaction or post is gone — their authorization then answers 404,
 * as GoToSocial's does once the interaction is undone. Approvals that stand are kept: third
 * servers may fetch the authorization at any time.
 */
export async function pruneAnsweredRequests(s: Services, now: number): Promise<number> {
  const ours = await changedRows(
    s.db,
    sql`DELETE FROM interaction_requests WHERE id IN (
          SELECT id FROM interaction_requests WHERE answered_at < ${now - ANSWERED_RETENTION.oursMs} AND target_author != ${s.urls.actor} LIMIT ${BATCH})`,
  );
  const given = await changedRows(
    s.db,
    sql`DELETE FROM interaction_requests WHERE id IN (
          SELECT q.id FROM interaction_requests q WHERE q.answered_at < ${now - ANSWERED_RETENTION.graceMs} AND q.target_author = ${s.urls.actor}
            AND (NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = q.target AND o.deleted_at IS NULL)
              OR (q.interaction = 'Reply' AND NOT EXISTS (SELECT 1 FROM remote_objects r WHERE r.id = q.interaction_id))
              OR (q.interaction != 'Reply' AND NOT EXISTS (SELECT 1 FROM reactions x WHERE x.activity_id = q.interaction_id)))
          LIMIT ${BATCH})`,
  );
  return ours + given;
}

/**
 * Quote rows that describe nothing any more: the quoting post is gone (ours deleted, a remote one
 * deleted or pruned); someone else's quote of a post that is gone, never authorised (a stood
 * quote of a gone post still shows as "deleted", as Mastodon shows it); and others' refused
 * quotes after a month. The owner's own quotes keep their state (rejected, revoked) while the
 * post stands: it is what the post shows.
 */
export async function pruneStaleQuotes(s: Services, now: number): Promise<number> {
  const gone = (column: "status_uri" | "quoted_uri") =>
    sql.raw(`NOT EXISTS (SELECT 1 FROM objects o WHERE o.id = q.${column} AND o.deleted_at IS NULL) AND NOT EXISTS (SELECT 1 FROM remote_objects r WHERE r.id = q.${column})`);
  return changedRows(
    s.db,
    sql`DELETE FROM quotes WHERE id IN (
          SELECT q.id FROM quotes q WHERE q.updated_at < ${now - ANSWERED_RETENTION.graceMs}
            AND ((${gone("status_uri")})
              OR (q.actor_id != ${s.urls.actor} AND q.state != 'accepted' AND ${gone("quoted_uri")})
              OR (q.actor_id != ${s.urls.actor} AND q.state = 'rejected' AND q.updated_at < ${now - ANSWERED_RETENTION.refusedQuotesMs}))
          LIMIT ${BATCH})`,
  );
}
