// Relationships: Follow, Undo{Follow}, Accept/Reject of our follows, Block, Move.
import { eq } from "drizzle-orm";
import { followers, following, notifications } from "../../db/schema.ts";
import type { NormalizedActivity } from "../normalize.ts";
import { getRemoteActor } from "../remote-actors.ts";
import { newId } from "../urls.ts";
import { type HandlerContext, type HandlerResult, done, ignored } from "./context.ts";
import { answerFollow, sendTo } from "./outgoing.ts";

export async function onFollow(activity: NormalizedActivity, ctx: HandlerContext): Promise<HandlerResult> {
  if (activity.object?.id !== ctx.urls.actor) return ignored("a Follow of someone else");
  if (!activity.id) return ignored("a Follow without an id cannot be accepted");
  const actor = await getRemoteActor(ctx.db, ctx.fetch, activity.actor);
  if (!actor.ok) throw new Error(`the follower could not be fetched: ${actor.reason}`);
  const [existing] = await ctx.db.select().from(followers).where(eq(followers.actorId, activity.actor));
  const state = existing?.state === "accepted" || !ctx.config.manuallyApprovesFollowers ? "accepted" : "pending";
  const values = { inbox: actor.value.inbox, sharedInbox: actor.value.sharedInbox, followActivityId: activity.id, state } as const;
  await ctx.db
    .insert(followers)
    .values({ actorId: activity.actor, ...values })
    .onConflictDoUpdate({ target: followers.actorId, set: { ...values, movedTo: null } });
  if (state === "pending") {
    await ctx.db.insert(notifications).values({ type: "follow_request", actorId: activity.actor, activityId: activity.id });
    return done;
  }
  // A repeated Follow (new id) is accepted again: the follower's server may have lost our Accept.
  await answerFollow(ctx.sender, "Accept", activity.actor, activity.id);
  if (!existing) await ctx.db.insert(notifications).values({ type: "follow", actorId: activity.actor, activityId: activity.id });
  return done;
}

export async function undoFollow(activity: NormalizedActivity, ctx: HandlerContext): Promise<HandlerResult> {
  const removed = await ctx.db.delete(followers).where(eq(followers.actorId, activity.actor)).returning({ id: followers.actorId });
  return removed.length > 0 ? done : ignored("not a follower");
}

/** Accept{Follow} / Reject{Follow} of a follow we sent: matched on our Follow id, or on the embedded Follow's actor. */
export async function answerToOurFollow(activity: NormalizedActivity, ctx: HandlerContext): Promise<HandlerResult> {
  const object = activity.object;
  const embedded = object?.embedded?.kind === "activity" ? object.embedded : null;
  if (embedded && embedded.type !== "Follow") return ignored(`${activity.type} of a ${embedded.type}`);
  const [row] = await ctx.db.select().from(following).where(eq(following.actorId, activity.actor));
  const matches = row && (row.followActivityId === object?.id || embedded?.actor === ctx.urls.actor);
  if (!matches) return ignored(`${activity.type} of no follow we sent`);
  if (activity.type === "Accept") await ctx.db.update(following).set({ state: "accepted" }).where(eq(following.actorId, activity.actor));
  else await ctx.db.delete(following).where(eq(following.actorId, activity.actor));
  return done;
}

export async function onBlock(activity: NormalizedActivity, ctx: HandlerContext): Promise<HandlerResult> {
  if (activity.object?.id !== ctx.urls.actor) return ignored("a Block of someone else");
  await ctx.db.batch([
    ctx.db.delete(followers).where(eq(followers.actorId, activity.actor)),
    ctx.db.delete(following).where(eq(following.actorId, activity.actor)),
  ]);
  return done;
}

/** Move: a follower recorded as moved; an account we follow is followed at its target when the target confirms. */
export async function onMove(activity: NormalizedActivity, ctx: HandlerContext): Promise<HandlerResult> {
  const target = activity.target?.id;
  if (activity.object?.id !== activity.actor || !target) return ignored("a Move must move its own actor to a target");
  await ctx.db.update(followers).set({ movedTo: target }).where(eq(followers.actorId, activity.actor));
  await ctx.db.insert(notifications).values({
    type: "move",
    actorId: activity.actor,
    objectId: target,
    activityId: activity.id ?? `move:${activity.actor}`,
  });
  const [followed] = await ctx.db.select().from(following).where(eq(following.actorId, activity.actor));
  if (!followed) return done;
  const fresh = await getRemoteActor(ctx.db, ctx.fetch, target, { refresh: true });
  if (!fresh.ok) throw new Error(`the Move target could not be fetched: ${fresh.reason}`);
  if (!fresh.value.alsoKnownAs.includes(activity.actor)) return ignored("the Move target does not list the old account in alsoKnownAs");
  const followId = ctx.urls.activity(newId());
  await ctx.db
    .insert(following)
    .values({ actorId: target, inbox: fresh.value.inbox, followActivityId: followId, state: "pending" })
    .onConflictDoNothing();
  await sendTo(ctx.sender, target, "Follow", target, followId);
  await sendTo(ctx.sender, activity.actor, "Undo", { id: followed.followActivityId, type: "Follow", actor: ctx.urls.actor, object: activity.actor });
  await ctx.db.delete(following).where(eq(following.actorId, activity.actor));
  return done;
}

