// Moving away: the owner names the new account; it must already list us in alsoKnownAs (the
// check every receiving Mastodon makes again, move.rb). We put it in our actor's movedTo, send
// Update{Person} so followers' servers see it, then Move{object: us, target: new} to every
// follower's server through the one Outbox (shared inboxes, signed, retried like any fan-out).
// Mastodon sends a Move at most once per 30 days (AccountMigration::COOLDOWN_PERIOD), so the
// same holds here for sending it again or to another account. Undoing clears movedTo and sends
// the Update; followers' servers that already moved their follows do not move them back.
import { eq } from "drizzle-orm";
import { saveProfile, storedProfile } from "../db/queries/profile.ts";
import { outgoingMoves } from "../db/schema.ts";
import { actorDocument } from "../federation/actor.ts";
import { AS_CONTEXT } from "../federation/vocabulary.ts";
import type { Services } from "../services.ts";
import { announceProfileUpdate } from "./profile.ts";
import { resolveFresh } from "./resolve.ts";

/** Mastodon's AccountMigration::COOLDOWN_PERIOD. */
export const MOVE_COOLDOWN_MS = 30 * 86_400_000;

export interface MoveState {
  movedTo: string | null;
  lastMove: { target: string; activityId: string; sentAt: string; nextMoveAt: string } | null;
}

export type MoveResult = { ok: true; state: MoveState } | { ok: false; status: 409 | 422 | 429; error: string };

export async function moveState(s: Services): Promise<MoveState> {
  const [[last], profile] = await Promise.all([s.db.select().from(outgoingMoves).where(eq(outgoingMoves.id, 1)), s.profile()]);
  return {
    movedTo: profile.movedTo,
    lastMove: last
      ? { target: last.target, activityId: last.activityId, sentAt: new Date(last.sentAt).toISOString(), nextMoveAt: new Date(last.sentAt + MOVE_COOLDOWN_MS).toISOString() }
      : null,
  };
}

/** Stores movedTo and announces the actor as it is now served. */
async function setMovedTo(s: Services, movedTo: string | null): Promise<Services> {
  await saveProfile(s.db, { ...(await storedProfile(s.db)), movedTo }, s.now());
  const fresh: Services = { ...s, profile: async () => ({ ...(await s.profile()), movedTo }) };
  const announced = await announceProfileUpdate(fresh, await actorDocument(fresh), movedTo ? "-moved" : "-move-undone");
  if (!announced.ok) s.log("move.update_not_announced", { reason: announced.error });
  return fresh;
}

/**
 * Moves to `given` (`@user@host` or an actor URL), or sends the Move again when `given` is the
 * account we moved to; either at most once per 30 days.
 */
export async function moveAway(s: Services, given: string): Promise<MoveResult> {
  const [last] = await s.db.select().from(outgoingMoves).where(eq(outgoingMoves.id, 1));
  if (last && s.now() - last.sentAt < MOVE_COOLDOWN_MS) {
    return { ok: false, status: 429, error: `a Move was sent on ${new Date(last.sentAt).toISOString()}; the next may be sent from ${new Date(last.sentAt + MOVE_COOLDOWN_MS).toISOString()}` };
  }
  const target = await resolveFresh(s, given);
  if (!target.ok) return { ok: false, status: 422, error: `${given} could not be resolved: ${target.reason}` };
  const actor = target.value;
  if (s.urls.isLocal(actor.id)) return { ok: false, status: 422, error: "an account cannot move to itself" };
  if (!actor.alsoKnownAs.includes(s.urls.actor)) {
    return { ok: false, status: 422, error: `${actor.id} does not list ${s.urls.actor} in its alsoKnownAs: add this account as an alias there first` };
  }
  // Mastodon refuses a move to an account that has itself moved (its target must be usable).
  if (actor.movedTo) return { ok: false, status: 422, error: `${actor.id} has itself moved to ${actor.movedTo}` };
  const fresh = await setMovedTo(s, actor.id);
  const now = s.now();
  const id = `${s.urls.actor}#moves/${Math.floor(now / 1000)}`;
  // Addressed to our followers so the fan-out reaches every follower's server; Mastodon sends a
  // Move with no addressing and reads only actor, object and target.
  await fresh.outbox.send({ "@context": AS_CONTEXT, id, type: "Move", actor: s.urls.actor, object: s.urls.actor, target: actor.id, to: [s.urls.followers] }, { visibility: "direct", published: now });
  const row = { target: actor.id, activityId: id, sentAt: now };
  await s.db.insert(outgoingMoves).values({ id: 1, ...row }).onConflictDoUpdate({ target: outgoingMoves.id, set: row });
  s.log("move.sent", { target: actor.id, activityId: id });
  return { ok: true, state: await moveState(fresh) };
}

/** Clears movedTo (posting works again); the 30 days between Moves still run from the last one. */
export async function undoMove(s: Services): Promise<MoveResult> {
  if (!(await s.profile()).movedTo) return { ok: false, status: 409, error: "this account has not moved" };
  const fresh = await setMovedTo(s, null);
  return { ok: true, state: await moveState(fresh) };
}
