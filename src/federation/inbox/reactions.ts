// Likes, boosts and emoji reactions of our objects, and their Undo.
import { and, eq, isNull } from "drizzle-orm";
import { notifications, objects, reactions } from "../../db/schema.ts";
import type { NormalizedActivity } from "../normalize.ts";
import { type HandlerContext, type HandlerResult, done, ignored } from "./context.ts";

const NOTIFICATION = { Like: "like", Announce: "announce", EmojiReact: "reaction" } as const;

export async function onReaction(activity: NormalizedActivity, ctx: HandlerContext): Promise<HandlerResult> {
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
  await ctx.db.insert(notifications).values({
    type: NOTIFICATION[type],
    actorId: activity.actor,
    objectId,
    activityId: activity.id,
    detail: activity.content ? JSON.stringify({ content: activity.content }) : null,
  });
  return done;
}

/** Undo of a reaction: by the reaction's id, only the actor's own. */
export async function undoReaction(activity: NormalizedActivity, ctx: HandlerContext): Promise<HandlerResult> {
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
