// The owner's likes and boosts of remote posts, their undoing, and announcing a profile change.
import { eq } from "drizzle-orm";
import { activities } from "../db/schema.ts";
import { queueActivity } from "../delivery/outbox.ts";
import { fetchActivityDocument } from "../federation/fetch.ts";
import { normalizeObject, PUBLIC_COLLECTION } from "../federation/normalize.ts";
import { newId } from "../federation/urls.ts";
import { AS_CONTEXT } from "../http.ts";
import type { PublishContext, Published } from "./compose.ts";

async function authorOf(ctx: PublishContext, objectId: string): Promise<string | null> {
  const fetched = await fetchActivityDocument(objectId, ctx.fetch);
  if (!fetched.ok) return null;
  const object = normalizeObject(fetched.value);
  return object.ok ? (object.value.attributedTo[0] ?? null) : null;
}

/** Like (to the author) or Announce (public, to our followers and the author) of a remote post. */
export async function react(ctx: PublishContext, type: "Like" | "Announce", objectId: string): Promise<Published> {
  const author = await authorOf(ctx, objectId);
  if (!author) return { ok: false, status: 400, error: `${objectId} could not be fetched as a post` };
  const id = ctx.urls.activity(newId());
  const published = new Date();
  const addressing =
    type === "Like" ? { to: [author] } : { to: [PUBLIC_COLLECTION], cc: [ctx.urls.followers, author] };
  await queueActivity(
    ctx.env,
    ctx.db,
    { "@context": AS_CONTEXT, id, type, actor: ctx.urls.actor, object: objectId, published: published.toISOString(), ...addressing },
    { visibility: type === "Like" ? "direct" : "public", objectId, published: published.getTime() },
  );
  return { ok: true, objectId, activityId: id };
}

/** Undo of one of our Likes or Announces, sent to the same audience. */
export async function undoReaction(ctx: PublishContext, activityId: string): Promise<Published> {
  const [row] = await ctx.db
    .select()
    .from(activities)
    .where(eq(activities.id, activityId));
  if (!row || (row.type !== "Like" && row.type !== "Announce")) return { ok: false, status: 404, error: `no Like or Announce ${activityId}` };
  const original = JSON.parse(row.document) as Record<string, unknown>;
  const { "@context": _c, ...object } = original;
  const id = `${activityId}/undo`;
  await queueActivity(
    ctx.env,
    ctx.db,
    { "@context": AS_CONTEXT, id, type: "Undo", actor: ctx.urls.actor, object, to: original.to, cc: original.cc },
    { visibility: "direct", objectId: row.objectId },
  );
  await ctx.db.delete(activities).where(eq(activities.id, activityId));
  return { ok: true, objectId: row.objectId ?? activityId, activityId: id };
}

/** Update{Person} to every follower after the profile settings changed (Mastodon refreshes on it). */
export async function announceProfile(ctx: PublishContext, actor: Record<string, unknown>): Promise<Published> {
  const now = Date.now();
  const id = `${ctx.urls.actor}#updates/${Math.floor(now / 1000)}`;
  const { "@context": context, ...object } = actor;
  await queueActivity(
    ctx.env,
    ctx.db,
    { "@context": context, id, type: "Update", actor: ctx.urls.actor, to: [PUBLIC_COLLECTION], cc: [ctx.urls.followers], object },
    { visibility: "direct", objectId: ctx.urls.actor, published: now },
  );
  return { ok: true, objectId: ctx.urls.actor, activityId: id };
}
