// Remote polls kept from their Question, wherever a remote post is stored or updated
// (src/domain/statuses.ts, remote-posts.ts, the end check and the view's refresh in polls.ts);
// and the `poll` job's queueing, which both need.
import { eq, sql } from "drizzle-orm";
import { pollOf } from "../db/queries/polls.ts";
import { polls } from "../db/schema.ts";
import type { NormalizedObject } from "../federation/normalize.ts";
import type { Services } from "../services.ts";

/**
 * A remote poll the owner voted in is checked this long after its end (Mastodon's
 * PollExpirationNotifyWorker runs at expires_at + 5 minutes), so the author's last Update has
 * arrived and the notification shows the final counts.
 */
export const REMOTE_END_GRACE_MS = 5 * 60_000;
/** Queues delays a message by at most 12 hours; a later end is reached in hops of this. */
const MAX_DELAY_S = 43_200;

/** Queues the `poll` job for `uri` at `at` (ms), or as near it as the queue's longest delay allows. */
export async function queueCheck(s: Services, uri: string, at: number): Promise<void> {
  const delaySeconds = Math.min(MAX_DELAY_S, Math.max(0, Math.ceil((at - s.now()) / 1000)));
  await s.jobs.send({ kind: "poll", uri, at }, { delaySeconds });
}

/**
 * Keeps (or refreshes) the poll of a remote Question; the owner's votes stay unless the options
 * changed. When the owner voted and the Question gives an end sooner than the one known (or one
 * where there was none), the end check is queued for it, as Mastodon's
 * ProcessStatusUpdateService#queue_poll_notifications! does; a later end is caught by the check
 * already queued, which queues itself again.
 */
export async function remotePollReceived(s: Services, object: NormalizedObject): Promise<void> {
  const poll = object.poll;
  if (!poll || poll.options.length === 0) return;
  const before = await pollOf(s.db, object.id);
  const now = s.now();
  const options = JSON.stringify(poll.options.map((o) => o.name));
  const values = {
    options,
    counts: JSON.stringify(poll.options.map((o) => o.votes)),
    multiple: poll.multiple,
    expiresAt: poll.endTime?.getTime() ?? (poll.closed ? now : null),
    votersCount: poll.votersCount,
    updatedAt: now,
  };
  await s.db
    .insert(polls)
    .values({ statusUri: object.id, local: false, ...values })
    .onConflictDoUpdate({
      target: polls.statusUri,
      set: { ...values, ownVotes: sql`CASE WHEN ${polls.options} = ${options} THEN ${polls.ownVotes} ELSE NULL END` },
      setWhere: eq(polls.local, false),
    });
  const end = values.expiresAt;
  if (!before || before.local || before.ownVotes === null || before.options !== options || before.endedAt !== null || end === null) return;
  if (before.expiresAt === null || end < before.expiresAt) await queueCheck(s, object.id, end + REMOTE_END_GRACE_MS);
}
