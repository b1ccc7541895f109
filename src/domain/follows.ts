// Who follows whom. Every way in ends here: the Mastodon API (which the owner CLI uses), the C2S
// outbox and the subscribe page follow through `followAccount`; an incoming Follow is
// `followReceived`, and its Accept — automatic or approved by the owner — is `acceptFollower`.
import { and, desc, eq } from "drizzle-orm";
import { accountMoves, followAccepts, followers, following } from "../db/schema.ts";
import { followedAnAlias } from "./alias-followers.ts";
import { resolveHandle } from "../federation/lookup.ts";
import { canonicalIri, httpIri, type NormalizedActivity } from "../federation/normalize.ts";
import { getRemoteActor, remoteActorQuery } from "../federation/remote-actors.ts";
import { newId } from "../federation/urls.ts";
import type { Services } from "../services.ts";
import { done, failed, type HandlerResult, ignored, isPermanent } from "./outcome.ts";
import { type NewNotification, notificationInsert, notified, notify } from "./notifications.ts";
import { onOurOrigin } from "./own-origin.ts";
import { sendTo } from "./send.ts";

export type FollowResult = { ok: true; actorId: string; activityId: string } | { ok: false; status: 400 | 404; error: string };

async function resolveTarget(s: Services, target: string) {
  return httpIri(target) ? getRemoteActor(s.db, s.fetcher, target) : resolveHandle(s.db, s.fetcher, target);
}

/** A follow's options (Mastodon's `reblogs`, `notify`); one left out keeps its value (true and false on a new follow). */
export interface FollowOptions {
  reblogs?: boolean;
  notify?: boolean;
}

const optionValues = (options: FollowOptions) => ({
  ...(options.reblogs !== undefined ? { showReblogs: options.reblogs } : {}),
  ...(options.notify !== undefined ? { notify: options.notify } : {}),
});

/** Follows `target` (`@user@host` or an actor URL): pending until their Accept. */
export async function followAccount(s: Services, target: string, options: FollowOptions = {}): Promise<FollowResult> {
  if (s.urls.isLocal(target)) return { ok: false, status: 400, error: "you cannot follow yourself" };
  const actor = await resolveTarget(s, target);
  if (!actor.ok) return { ok: false, status: 400, error: `${target} could not be resolved: ${actor.reason}` };
  const activityId = s.urls.activity(newId());
  await s.db
    .insert(following)
    .values({ actorId: actor.value.id, inbox: actor.value.inbox, followActivityId: activityId, state: "pending", ...optionValues(options) })
    .onConflictDoUpdate({ target: following.actorId, set: { followActivityId: activityId, ...optionValues(options) } });
  await sendTo(s, actor.value.id, "Follow", actor.value.id, activityId);
  return { ok: true, actorId: actor.value.id, activityId };
}

/**
 * New options for a follow (or follow request) that exists, as following again does on Mastodon:
 * nothing is sent, the remote side does not know them. False when there is no such follow.
 */
export async function changeFollowOptions(s: Services, actorId: string, options: FollowOptions): Promise<boolean> {
  const values = optionValues(options);
  if (Object.keys(values).length === 0) {
    const [row] = await s.db.select({ actorId: following.actorId }).from(following).where(eq(following.actorId, actorId)).limit(1);
    return !!row;
  }
  return (await s.db.update(following).set(values).where(eq(following.actorId, actorId)).returning({ actorId: following.actorId })).length > 0;
}

/** An actor URL needs no lookup, so an account whose server is gone can still be unfollowed. */
export async function unfollowAccount(s: Services, target: string): Promise<FollowResult> {
  let actorId = canonicalIri(target) ?? target;
  if (!httpIri(target)) {
    const actor = await resolveHandle(s.db, s.fetcher, target);
    if (!actor.ok) return { ok: false, status: 400, error: `${target} could not be resolved: ${actor.reason}` };
    actorId = actor.value.id;
  }
  const [row] = await s.db.delete(following).where(eq(following.actorId, actorId)).returning();
  if (!row) return { ok: false, status: 404, error: `you do not follow ${target}` };
  const activityId = await sendTo(s, actorId, "Undo", { id: row.followActivityId, type: "Follow", actor: s.urls.actor, object: actorId });
  return { ok: true, actorId, activityId };
}

/**
 * Accept or Reject of a Follow: the object is the Follow itself, with its original id. `inbox`:
 * the follower's inbox from an actor just read or fetched, so the answer goes there without a lookup.
 */
function answerFollow(s: Services, type: "Accept" | "Reject", follower: string, followId: string, inbox?: string) {
  const object = { id: followId, type: "Follow", actor: follower, object: s.urls.actor };
  return sendTo(s, inbox ? { id: follower, inbox } : follower, type, object);
}

type FollowerValues = Pick<typeof followers.$inferInsert, "actorId" | "inbox" | "sharedInbox" | "followActivityId">;

/**
 * The follower is in: stored as accepted (one write, new or not) and told so with an Accept.
 * `resolved`: the follower's actor was just read or fetched, so its inbox is current;
 * `notification`: written in the same batch as the follower row.
 */
export async function acceptFollower(
  s: Services,
  follower: FollowerValues,
  options: { resolved?: boolean; notification?: NewNotification } = {},
): Promise<void> {
  const { actorId, inbox, sharedInbox, followActivityId } = follower;
  const values = { inbox, sharedInbox, followActivityId };
  const upsert = s.db
    .insert(followers)
    .values({ actorId, ...values, state: "accepted" })
    .onConflictDoUpdate({ target: followers.actorId, set: { ...values, state: "accepted", movedTo: null } });
  if (options.notification) {
    const [, [recorded]] = await s.db.batch([upsert, notificationInsert(s, options.notification)]);
    if (recorded) await notified(s, recorded);
  } else await upsert;
  await answerFollow(s, "Accept", actorId, follower.followActivityId, options.resolved ? inbox : undefined);
  await s.db
    .insert(followAccepts)
    .values({ actorId, sentAt: s.now() })
    .onConflictDoUpdate({ target: followAccepts.actorId, set: { sentAt: s.now() } });
}

/** A repeated Follow from a current follower re-sends the Accept at most this often. */
const REACCEPT_INTERVAL_MS = 3_600_000;


/** A Follow of our actor arrived: accepted at once, or a request waiting for the owner. */
export async function followReceived(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  if (activity.object?.id !== s.urls.actor) return ignored("a Follow of someone else");
  if (!activity.id) return ignored("a Follow without an id cannot be accepted");
  // The cached actor, the follower row and the last Accept sent to it in one round trip.
  const [cached, [existing], [last]] = await s.db.batch([
    remoteActorQuery(s.db, activity.actor),
    s.db.select().from(followers).where(eq(followers.actorId, activity.actor)),
    s.db.select().from(followAccepts).where(eq(followAccepts.actorId, activity.actor)),
  ]);
  const actor = await getRemoteActor(s.db, s.fetcher, activity.actor, { cached });
  if (!actor.ok) {
    if (isPermanent(actor)) return failed(`the follower could not be fetched: ${actor.reason}`);
    throw new Error(`the follower could not be fetched: ${actor.reason}`);
  }
  if (onOurOrigin(s, actor.value.inbox) || onOurOrigin(s, actor.value.sharedInbox)) {
    return ignored("the follower's inbox is on our own origin");
  }
  const follower = { actorId: activity.actor, inbox: actor.value.inbox, sharedInbox: actor.value.sharedInbox, followActivityId: activity.id };
  // Under manual approval a follower of one of our old accounts (aliases.ts) is let in: the Move brought them.
  if (existing?.state === "accepted" || !(await s.profile()).manuallyApprovesFollowers || (await followedAnAlias(s, activity.actor))) {
    if (existing?.state === "accepted") {
      // A repeated Follow (new id) is accepted again, since the follower's server may have lost
      // our Accept, but at most once an hour, so a loop of Follows cannot make us a traffic source.
      if (last && s.now() - last.sentAt < REACCEPT_INTERVAL_MS) return ignored("an Accept was sent to this follower less than an hour ago");
    }
    const notification = existing ? undefined : { type: "follow" as const, actorId: activity.actor, activityId: activity.id };
    await acceptFollower(s, follower, { resolved: true, notification });
    return done;
  }
  const { actorId, ...values } = follower;
  await s.db
    .insert(followers)
    .values({ actorId, ...values, state: "pending" })
    .onConflictDoUpdate({ target: followers.actorId, set: { ...values, state: "pending", movedTo: null } });
  await notify(s, { type: "follow_request", actorId: activity.actor, activityId: activity.id });
  return done;
}

type RequestDecision = { ok: true; state: "accepted" | "rejected" } | { ok: false; status: 404; error: string };

/** The owner's answer to a pending follow request. */
export async function decideFollowRequest(s: Services, sent: string, approve: boolean): Promise<RequestDecision> {
  const actor = canonicalIri(sent) ?? sent;
  const [row] = await s.db.select().from(followers).where(and(eq(followers.actorId, actor), eq(followers.state, "pending")));
  if (!row) return { ok: false, status: 404, error: `no pending follow request from ${actor}` };
  if (approve) {
    await acceptFollower(s, row);
    return { ok: true, state: "accepted" };
  }
  await s.db.delete(followers).where(eq(followers.actorId, actor));
  await answerFollow(s, "Reject", actor, row.followActivityId);
  return { ok: true, state: "rejected" };
}

/** Mastodon's "remove follower": a Reject of their Follow makes their server drop it. False when they do not follow. */
export async function removeFollower(s: Services, sent: string): Promise<boolean> {
  // One spelling per id (rule 3), the one the normaliser gave the follower's row.
  const actor = canonicalIri(sent) ?? sent;
  const [row] = await s.db.delete(followers).where(eq(followers.actorId, actor)).returning();
  if (!row) return false;
  await answerFollow(s, "Reject", actor, row.followActivityId);
  return true;
}

export function listFollowRequests(s: Services, limit: number) {
  return s.db.select().from(followers).where(eq(followers.state, "pending")).orderBy(desc(followers.createdAt)).limit(limit);
}

/**
 * Undo{Follow} from a follower: only an Undo of a Follow of our actor, or of the stored Follow's
 * id, removes them (an Undo of their Follow of someone else must not).
 */
export async function followerLeft(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  const object = activity.object;
  const embedded = object?.embedded?.kind === "activity" ? object.embedded : null;
  const [row] = await s.db.select().from(followers).where(eq(followers.actorId, activity.actor));
  if (!row) return ignored("not a follower");
  const ofUs = embedded?.object?.id === s.urls.actor || (object?.id !== undefined && object.id === row.followActivityId);
  if (!ofUs) return ignored("an Undo of a Follow of someone else");
  if (embedded && embedded.actor !== activity.actor) return ignored("an Undo of someone else's Follow");
  await s.db.delete(followers).where(eq(followers.actorId, activity.actor));
  return done;
}

/** Accept{Follow} / Reject{Follow} of a follow we sent: matched on our Follow id, or on the embedded Follow's actor. */
export async function followAnswered(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  const object = activity.object;
  const embedded = object?.embedded?.kind === "activity" ? object.embedded : null;
  if (embedded && embedded.type !== "Follow") return ignored(`${activity.type} of a ${embedded.type}`);
  // Only the account we followed answers: the row is found by the sender, and an embedded Follow
  // must be ours and name the sender as its object.
  const [row] = await s.db.select().from(following).where(eq(following.actorId, activity.actor));
  const matches = row && (row.followActivityId === object?.id || (embedded?.actor === s.urls.actor && embedded.object?.id === activity.actor));
  if (!matches) return ignored(`${activity.type} of no follow we sent`);
  if (activity.type === "Accept") await s.db.update(following).set({ state: "accepted" }).where(eq(following.actorId, activity.actor));
  else await s.db.delete(following).where(eq(following.actorId, activity.actor));
  return done;
}

/** Someone blocked us: whatever linked us is gone both ways. */
export async function blockedBy(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  if (activity.object?.id !== s.urls.actor) return ignored("a Block of someone else");
  await s.db.batch([
    s.db.delete(followers).where(eq(followers.actorId, activity.actor)),
    s.db.delete(following).where(eq(following.actorId, activity.actor)),
  ]);
  return done;
}

/** Mastodon processes one Move per account per 7 days (move.rb, PROCESSING_COOLDOWN). */
const MOVE_COOLDOWN_MS = 7 * 86_400_000;

/**
 * Move: recorded (follower's movedTo, a notification, our re-follow) only once the target lists
 * the old account in alsoKnownAs, and at most once per account per 7 days.
 */
export async function accountMoved(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  const target = activity.target?.id;
  if (activity.object?.id !== activity.actor || !target) return ignored("a Move must move its own actor to a target");
  if (target === activity.actor) return ignored("a Move to itself");
  if (s.urls.isLocal(target)) return ignored("a Move to our own actor");
  const [recent] = await s.db.select().from(accountMoves).where(eq(accountMoves.actorId, activity.actor));
  if (recent && s.now() - recent.movedAt < MOVE_COOLDOWN_MS) return ignored("this account moved less than 7 days ago");
  // The cached target is enough when it already confirms the move; otherwise it is refetched.
  let fresh = await getRemoteActor(s.db, s.fetcher, target);
  if (fresh.ok && !fresh.value.alsoKnownAs.includes(activity.actor)) fresh = await getRemoteActor(s.db, s.fetcher, target, { refresh: true });
  if (!fresh.ok) {
    if (isPermanent(fresh)) return failed(`the Move target could not be fetched: ${fresh.reason}`);
    throw new Error(`the Move target could not be fetched: ${fresh.reason}`);
  }
  if (!fresh.value.alsoKnownAs.includes(activity.actor)) return ignored("the Move target does not list the old account in alsoKnownAs");
  await s.db
    .insert(accountMoves)
    .values({ actorId: activity.actor, target, movedAt: s.now() })
    .onConflictDoUpdate({ target: accountMoves.actorId, set: { target, movedAt: s.now() } });
  await s.db.update(followers).set({ movedTo: target }).where(eq(followers.actorId, activity.actor));
  await notify(s, { type: "move", actorId: activity.actor, objectId: target, activityId: activity.id ?? `move:${activity.actor}` });
  const [followed] = await s.db.select().from(following).where(eq(following.actorId, activity.actor));
  if (!followed) return done;
  const followId = s.urls.activity(newId());
  await s.db
    .insert(following)
    // The new account is followed with the old follow's options (Mastodon's MoveWorker).
    .values({ actorId: target, inbox: fresh.value.inbox, followActivityId: followId, state: "pending", showReblogs: followed.showReblogs, notify: followed.notify })
    .onConflictDoNothing();
  await sendTo(s, target, "Follow", target, followId);
  await sendTo(s, activity.actor, "Undo", { id: followed.followActivityId, type: "Follow", actor: s.urls.actor, object: activity.actor });
  await s.db.delete(following).where(eq(following.actorId, activity.actor));
  return done;
}
