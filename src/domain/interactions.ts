// Likes, boosts and emoji reactions: the owner's own (sent, and undone) and those of others on our
// posts (counted, notified, and undone by their Undo).
import { and, eq, isNull } from "drizzle-orm";
import { activities, notifications, objects, reactions } from "../db/schema.ts";
import { type NormalizedActivity, PUBLIC_COLLECTION } from "../federation/normalize.ts";
import { newId } from "../federation/urls.ts";
import { AS_CONTEXT } from "../federation/vocabulary.ts";
import type { Services } from "../services.ts";
import { notify } from "./notifications.ts";
import { done, type HandlerResult, ignored } from "./outcome.ts";
import { authorOf } from "./posts/authors.ts";
import type { Published } from "./posts/compose.ts";

/** Like (to the author) or Announce (public, to our followers and the author) of a post. */
export async function react(ctx: Services, type: "Like" | "Announce", objectId: string): Promise<Published> {
  if (type === "Announce" && ctx.urls.isLocal(objectId)) {
    // A boost is public: it must not carry one of our followers-only or direct posts further.
    const [own] = await ctx.db.select({ visibility: objects.visibility }).from(objects).where(eq(objects.id, objectId));
    if (own && own.visibility !== "public" && own.visibility !== "unlisted") return { ok: false, status: 400, error: "only public and unlisted posts can be boosted" };
  }
  const author = await authorOf(ctx, objectId);
  if (!author) return { ok: false, status: 400, error: `${objectId} could not be fetched as a post` };
  const id = ctx.urls.activity(newId());
  const published = new Date();
  const addressing = type === "Like" ? { to: [author] } : { to: [PUBLIC_COLLECTION], cc: [ctx.urls.followers, author] };
  await ctx.outbox.send(
    { "@context": AS_CONTEXT, id, type, actor: ctx.urls.actor, object: objectId, published: published.toISOString(), ...addressing },
    { visibility: type === "Like" ? "direct" : "public", objectId, published: published.getTime() },
  );
  return { ok: true, objectId, activityId: id };
}

/** Undo of one of our Likes or Announces, sent to the same audience. */
export async function undoReaction(ctx: Services, activityId: string): Promise<Published> {
  const [row] = await ctx.db.select().from(activities).where(eq(activities.id, activityId));
  if (!row || (row.type !== "Like" && row.type !== "Announce")) return { ok: false, status: 404, error: `no Like or Announce ${activityId}` };
  const original = JSON.parse(row.document) as Record<string, unknown>;
  const { "@context": _context, ...object } = original;
  const id = `${activityId}/undo`;
  await ctx.outbox.send(
    { "@context": AS_CONTEXT, id, type: "Undo", actor: ctx.urls.actor, object, to: original.to, cc: original.cc },
    { visibility: "direct", objectId: row.objectId },
  );
  await ctx.db.delete(activities).where(eq(activities.id, activityId));
  return { ok: true, objectId: row.objectId ?? activityId, activityId: id };
}

const NOTIFICATION = { Like: "like", Announce: "announce", EmojiReact: "reaction" } as const;

export async function reactionReceived(activity: NormalizedActivity, ctx: Services): Promise<HandlerResult> {
  const type = activity.type as keyof typeof NOTIFICATION;
  const objectId = activity.object?.id;
  if (!objectId || !activity.id) return ignored(`${type} without an id or object`);
  const [ours] = await ctx.db
    .select({ id: objects.id })
    .from(objects)
    .where(and(eq(objects.id, objectId), isNull(objects.deletedAt)));
  if (!ours) return ignored(`${type} of an object that is not ours`);
  // Misskey sends reactions as Like with content: they count as likes, the emoji is kept.
  const inserted = await ctx.db
    .insert(reactions)
    .values({ activityId: activity.id, type, actorId: activity.actor, objectId, content: activity.content })
    .onConflictDoNothing()
    .returning({ id: reactions.activityId });
  if (inserted.length === 0) return ignored("already counted");
  await notify(ctx, {
    type: NOTIFICATION[type],
    actorId: activity.actor,
    objectId,
    activityId: activity.id,
    detail: activity.content ? JSON.stringify({ content: activity.content }) : null,
  });
  return done;
}

/** Undo of a reaction: by the reaction's id, only the actor's own. */
export async function reactionUndone(activity: NormalizedActivity, ctx: Services): Promise<HandlerResult> {
  const target = activity.object?.id;
  if (!target) return ignored("Undo without an object");
  const removed = await ctx.db
    .delete(reactions)
    .where(and(eq(reactions.activityId, target), eq(reactions.actorId, activity.actor)))
    .returning({ id: reactions.activityId });
  if (removed.length === 0) return ignored("Undo of a reaction we do not have");
  await ctx.db.delete(notifications).where(eq(notifications.activityId, target));
  return done;
}
