// Polls, as Mastodon runs them. Ours: made with a post (a Question), votes arrive as
// Create{Note name=option, inReplyTo=the Question}, counted once per voter and choice, and the
// counts go out as Update{Question} — one per window of UPDATE_WINDOW_S after the first vote, not
// one per vote. Remote ones: kept from their Question (and each Update of it); the owner votes
// with one Create{Note name=…} per choice to the author. When a poll ends (ours, or a remote one
// the owner voted in), a `poll` notification; the `poll` job (src/delivery/jobs.ts) does both
// the windowed Update and the end, delayed through the queue.
//
// A remote poll's counts move only when its author's server sends Update{Question}, which not
// every server does. So, as Mastodon's PollsController does with Poll#possibly_stale?, a remote
// poll the owner views is read again when its last read is over POLL_STALE_MS old and was before
// its end (so an ended poll is read once more, for its final counts, and then never) — here by a
// `poll` job with `refresh`, never in the request, debounced per poll and counted against the
// day's allowance of fetches the owner's reading causes (queueViewFetch, src/domain/reply-fetch.ts).
import { and, eq, isNull, sql } from "drizzle-orm";
import { isExpired, pollOf, type PollRow, tallyOf } from "../db/queries/polls.ts";
import { objects, polls, remoteObjects } from "../db/schema.ts";
import { NOTE_CONTEXT } from "../federation/notes.ts";
import { fetchActivityDocument } from "../federation/fetch.ts";
import { hostOf, type NormalizedObject, normalizeObject } from "../federation/normalize.ts";
import { withTally } from "../federation/questions.ts";
import { getRemoteActor } from "../federation/remote-actors.ts";
import { newId } from "../federation/urls.ts";
import { AS_CONTEXT } from "../federation/vocabulary.ts";
import type { Services } from "../services.ts";
import { notify } from "./notifications.ts";
import { done, type HandlerResult, ignored } from "./outcome.ts";
import { queueCheck, REMOTE_END_GRACE_MS, remotePollReceived } from "./poll-store.ts";
import { signed } from "./posts/signed.ts";
import { queueViewFetch } from "./reply-fetch.ts";

/** Mastodon's PollValidator limits; /api/v2/instance states them as configuration.polls. */
export const POLL_LIMITS = { maxOptions: 4, maxCharactersPerOption: 50, minExpiration: 300, maxExpiration: 2_629_746 };

/**
 * Mastodon sends a poll's new counts 3 minutes after a vote (DistributePollUpdateWorker, a unique
 * job): every vote in that window rides on the one Update, so 100 votes cost one fan-out, not 100.
 */
export const UPDATE_WINDOW_S = 180;
/** Mastodon's Poll#time_passed_since_last_fetch?: a remote poll read within a minute is not read again. */
export const POLL_STALE_MS = 60_000;

export interface PollInput {
  options: string[];
  expiresIn: number;
  multiple: boolean;
  hideTotals: boolean;
}

const graphemes = (s: string) => [...new Intl.Segmenter().segment(s)].length;

/** The poll as asked for, or the 422 reason (Mastodon's PollValidator; blank options dropped, as its model does). */
export function checkedPoll(raw: { options: string[]; expiresIn: string | undefined; multiple?: boolean; hideTotals?: boolean }): PollInput | { error: string } {
  const options = raw.options.map((o) => o.trim()).filter((o) => o !== "");
  if (options.length < 2) return { error: "Poll options must have more than one item" };
  if (options.length > POLL_LIMITS.maxOptions) return { error: `Poll options can't contain more than ${POLL_LIMITS.maxOptions} items` };
  if (options.some((o) => graphemes(o) > POLL_LIMITS.maxCharactersPerOption)) return { error: `Poll options cannot be longer than ${POLL_LIMITS.maxCharactersPerOption} characters each` };
  if (new Set(options).size !== options.length) return { error: "Poll options contain duplicate items" };
  const expiresIn = raw.expiresIn === undefined || !/^\d{1,10}$/.test(raw.expiresIn.trim()) ? null : Number(raw.expiresIn);
  if (expiresIn === null || expiresIn < POLL_LIMITS.minExpiration) return { error: `Poll expires_in is too soon (at least ${POLL_LIMITS.minExpiration} seconds)` };
  if (expiresIn > POLL_LIMITS.maxExpiration) return { error: `Poll expires_in is too far into the future (at most ${POLL_LIMITS.maxExpiration} seconds)` };
  return { options, expiresIn, multiple: raw.multiple ?? false, hideTotals: raw.hideTotals ?? false };
}

const parsedList = <T>(json: string | null): T[] => (json ? (JSON.parse(json) as T[]) : []);

/** The row of a new poll of ours and its Question fields' tally (counts at zero). */
export function newPoll(statusUri: string, input: PollInput, now: number): PollRow {
  return {
    statusUri,
    local: true,
    options: JSON.stringify(input.options),
    counts: JSON.stringify(input.options.map(() => 0)),
    multiple: input.multiple,
    hideTotals: input.hideTotals,
    expiresAt: now + input.expiresIn * 1000,
    votersCount: 0,
    ownVotes: null,
    updateDue: null,
    endedAt: null,
    updatedAt: now,
  };
}

/** Stores the poll of a post just published and queues the check at its end. */
export async function pollPublished(s: Services, row: PollRow): Promise<void> {
  await s.db.insert(polls).values(row);
  if (row.expiresAt !== null) await queueCheck(s, row.statusUri, row.expiresAt);
}

/**
 * A Note that names an option of one of our polls and replies to it is a vote, not a reply
 * (Mastodon's `poll_vote?`); null when `object` is not one. A vote in an ended poll is dropped,
 * as Mastodon drops it; one already counted (a redelivery, or a second choice in a single-choice
 * poll) changes nothing.
 */
export async function voteReceived(s: Services, object: NormalizedObject, voter: string, activityId: string | null): Promise<HandlerResult | null> {
  if (object.type !== "Note" || !object.name || (object.content ?? "").trim() !== "" || !s.urls.isLocal(object.inReplyTo)) return null;
  const poll = await pollOf(s.db, object.inReplyTo);
  if (!poll || !poll.local) return null;
  const choice = parsedList<string>(poll.options).indexOf(object.name);
  if (choice < 0) return null;
  const now = s.now();
  if (isExpired(poll, now)) return ignored("a vote in a poll that has ended");
  // One statement, so two deliveries at once cannot both pass the check: a single-choice poll
  // takes one row per voter, a multiple-choice poll one per voter and choice.
  const inserted = await s.db.all<{ choice: number }>(sql`
    INSERT INTO poll_votes (status_uri, voter_id, choice, activity_id, created_at)
    SELECT ${poll.statusUri}, ${voter}, ${choice}, ${activityId ?? object.id}, ${now}
    WHERE NOT EXISTS (SELECT 1 FROM poll_votes WHERE status_uri = ${poll.statusUri} AND voter_id = ${voter} AND (${poll.multiple ? 0 : 1} = 1 OR choice = ${choice}))
    RETURNING choice`);
  const due = now + UPDATE_WINDOW_S * 1000;
  const path = `$[${choice}]`;
  // A recount of the choice, not an increment, and run for a vote already counted too: a job
  // retried after its vote row was written (and before this) still leaves the counts right. The
  // first change after an Update opens the next window (Mastodon sends nothing before the end of
  // a poll that hides its totals).
  const [updated] = await s.db.all<{ update_due: number | null }>(sql`
    UPDATE polls SET
      counts = json_set(counts, ${path}, (SELECT count(*) FROM poll_votes WHERE status_uri = ${poll.statusUri} AND choice = ${choice})),
      voters_count = (SELECT count(DISTINCT voter_id) FROM poll_votes WHERE status_uri = ${poll.statusUri}),
      update_due = CASE WHEN hide_totals = 1 THEN update_due ELSE coalesce(update_due, ${due}) END,
      updated_at = ${now}
    WHERE status_uri = ${poll.statusUri}
    RETURNING update_due`);
  if (updated?.update_due === due) await queueCheck(s, poll.statusUri, due);
  return inserted.length > 0 ? done : ignored("this voter's vote for that option is already counted");
}

export type VoteResult = { ok: true } | { ok: false; status: 404 | 422; error: string };

/**
 * The owner votes in a remote poll: `choices` are option indexes. One Create{Note name=option} per
 * choice goes to the poll's author alone, as Mastodon's VoteService sends them; the counts move
 * here at once, and the poll's end is checked for the owner's notification.
 */
export async function voteInPoll(s: Services, statusUri: string, author: string, choices: number[]): Promise<VoteResult> {
  const poll = await pollOf(s.db, statusUri);
  if (!poll) return { ok: false, status: 404, error: "Record not found" };
  if (poll.local) return { ok: false, status: 422, error: "Validation failed: You cannot vote in your own poll" };
  const now = s.now();
  if (isExpired(poll, now)) return { ok: false, status: 422, error: "Validation failed: The poll has already ended" };
  const options = parsedList<string>(poll.options);
  const chosen = [...new Set(choices)];
  if (chosen.length === 0 || chosen.some((c) => !Number.isInteger(c) || c < 0 || c >= options.length)) {
    return { ok: false, status: 422, error: "Validation failed: The chosen vote option does not exist" };
  }
  if (!poll.multiple && chosen.length > 1) return { ok: false, status: 422, error: "Validation failed: This poll allows only one choice" };
  const counts = parsedList<number>(poll.counts);
  for (const c of chosen) counts[c] = (counts[c] ?? 0) + 1;
  // Claimed in one conditional update: a second vote (or two requests at once) finds own_votes set.
  const claimed = await s.db
    .update(polls)
    .set({ ownVotes: JSON.stringify(chosen), counts: JSON.stringify(counts), votersCount: poll.votersCount === null ? null : poll.votersCount + 1, updatedAt: now })
    .where(and(eq(polls.statusUri, statusUri), isNull(polls.ownVotes)))
    .returning({ uri: polls.statusUri });
  if (claimed.length === 0) return { ok: false, status: 422, error: "Validation failed: You have already voted on this poll" };
  // To the author's own inbox, as Mastodon's VoteService delivers votes (a fallback through the queue goes to the shared one).
  const actor = await getRemoteActor(s.db, s.fetcher, author);
  const inbox = actor.ok ? actor.value.inbox : undefined;
  for (const c of chosen) {
    const noteId = `${s.urls.actor}#votes/${newId(now)}`;
    const note = { id: noteId, type: "Note", name: options[c], attributedTo: s.urls.actor, inReplyTo: statusUri, to: author };
    // objectId names the poll: a remote post the owner voted in is kept by the pruning, as one liked is.
    await s.outbox.send(
      { "@context": AS_CONTEXT, id: `${noteId}/activity`, type: "Create", actor: s.urls.actor, to: author, object: note },
      { visibility: "direct", objectId: statusUri, immediate: true, inbox },
    );
  }
  if (poll.expiresAt !== null) await queueCheck(s, statusUri, poll.expiresAt + REMOTE_END_GRACE_MS);
  return { ok: true };
}

/**
 * Mastodon's Poll#possibly_stale?: a remote poll whose last read (its Question received, fetched,
 * or the owner's vote counted in; `updated_at`) is over POLL_STALE_MS old and before its end.
 */
export function possiblyStale(poll: PollRow, now: number): boolean {
  return !poll.local && (poll.expiresAt === null || poll.updatedAt < poll.expiresAt) && poll.updatedAt <= now - POLL_STALE_MS;
}

/**
 * The owner views the poll of remote status `uri` (GET /api/v1/polls/:id, GET /api/v1/statuses/:id):
 * when it is possibly stale, one `poll` refresh job is queued; the view answers with the stored
 * counts and the next one shows what the refresh read. Never throws.
 */
export async function pollViewed(s: Services, uri: string): Promise<boolean> {
  const poll = await pollOf(s.db, uri).catch(() => null);
  if (!poll || !possiblyStale(poll, s.now())) return false;
  return queueViewFetch(s, { key: `poll:${uri}`, debounceMs: POLL_STALE_MS, count: 1, job: { kind: "poll", uri, at: s.now(), refresh: true }, event: "poll.refresh", fields: { uri } });
}

/**
 * The `poll` job: whatever is due for poll `uri` at `at`. Ours: the windowed Update{Question}
 * with new counts; at the end, the last Update (with `closed`) and the owner's notification.
 * A remote poll the owner voted in: at its end, its final counts fetched once and the
 * notification. With `refresh`: a view's read of a stale remote poll (pollViewed), nothing
 * else. A job early (the queue's 12-hour hops) queues itself again. Claims are
 * conditional updates, so a redelivered or duplicate job does nothing twice.
 */
export async function pollDue(s: Services, job: { uri: string; at: number; refresh?: true }): Promise<void> {
  const now = s.now();
  if (job.at > now) return queueCheck(s, job.uri, job.at);
  const poll = await pollOf(s.db, job.uri);
  if (!poll) return;
  if (poll.local) return ourPollDue(s, poll, now);
  // Only while it is still stale: an Update{Question} may have come in since the view.
  if (job.refresh) {
    if (possiblyStale(poll, now)) await refreshRemotePoll(s, poll.statusUri);
    return;
  }
  if (poll.ownVotes === null || poll.endedAt !== null) return;
  if (poll.expiresAt === null) return;
  // The author moved the end later: checked again then, as Mastodon's worker requeues itself.
  if (!isExpired(poll, now)) return queueCheck(s, poll.statusUri, poll.expiresAt + REMOTE_END_GRACE_MS);
  if (!(await claimEnd(s, poll, now))) return;
  const author = await refreshRemotePoll(s, poll.statusUri);
  if (author) await notify(s, { type: "poll", actorId: author, objectId: poll.statusUri, activityId: `${poll.statusUri}#poll-ended` });
}

async function claimEnd(s: Services, poll: PollRow, now: number): Promise<boolean> {
  const claimed = await s.db
    .update(polls)
    .set({ endedAt: now, updateDue: null })
    .where(and(eq(polls.statusUri, poll.statusUri), isNull(polls.endedAt)))
    .returning({ uri: polls.statusUri });
  return claimed.length > 0;
}

async function ourPollDue(s: Services, poll: PollRow, now: number): Promise<void> {
  if (poll.endedAt === null && isExpired(poll, now)) {
    if (!(await claimEnd(s, poll, now))) return;
    await sendTally(s, poll, now);
    await notify(s, { type: "poll", actorId: s.urls.actor, objectId: poll.statusUri, activityId: `${poll.statusUri}#poll-ended` });
    return;
  }
  if (poll.updateDue === null || poll.updateDue > now) return;
  const claimed = await s.db
    .update(polls)
    .set({ updateDue: null })
    .where(and(eq(polls.statusUri, poll.statusUri), eq(polls.updateDue, poll.updateDue)))
    .returning({ uri: polls.statusUri });
  if (claimed.length > 0) await sendTally(s, poll, now);
}

/** Update{Question} with the counts as they are, to the post's audience through the Outbox (Mastodon's UpdatePollSerializer). */
async function sendTally(s: Services, poll: PollRow, now: number): Promise<void> {
  const [object] = await s.db.select().from(objects).where(and(eq(objects.id, poll.statusUri), isNull(objects.deletedAt))).limit(1);
  if (!object) return;
  const fresh = (await pollOf(s.db, poll.statusUri)) ?? poll;
  const question = withTally(JSON.parse(object.document) as Record<string, unknown>, tallyOf(fresh, now));
  const activity = await signed(s, {
    "@context": NOTE_CONTEXT,
    id: `${poll.statusUri}#tallies/${now}`,
    type: "Update",
    actor: s.urls.actor,
    to: question.to,
    cc: question.cc,
    object: question,
  });
  await s.outbox.send(activity, { visibility: object.visibility, objectId: poll.statusUri, published: now });
}

/** The remote Question fetched once more (a view's refresh, or its end's final counts); its author (null when it is gone). */
async function refreshRemotePoll(s: Services, uri: string): Promise<string | null> {
  const [stored] = await s.db.select({ actorId: remoteObjects.actorId }).from(remoteObjects).where(eq(remoteObjects.id, uri)).limit(1);
  if (!stored) return null;
  const fetched = await fetchActivityDocument(uri, s.fetcher);
  const object = fetched.ok ? normalizeObject(fetched.value) : null;
  // What the author's server says now, when it still says it as the author; the stored counts otherwise.
  if (object?.ok && object.value.poll && object.value.attributedTo[0] === stored.actorId && hostOf(stored.actorId) === hostOf(uri)) {
    await remotePollReceived(s, object.value);
  } else {
    s.log("poll.refresh_failed", { uri, reason: fetched.ok ? "not the same Question" : fetched.reason });
  }
  return stored.actorId;
}
