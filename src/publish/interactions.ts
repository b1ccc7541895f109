// The owner's likes and boosts, and their undoing.
import { eq } from "drizzle-orm";
import { activities, objects } from "../db/schema.ts";
import { queueActivity } from "../delivery/outbox.ts";
import { PUBLIC_COLLECTION } from "../federation/normalize.ts";
import { newId } from "../federation/urls.ts";
import { AS_CONTEXT } from "../http.ts";
import { authorOf } from "./authors.ts";
import type { PublishContext, Published } from "./compose.ts";

/** Like (to the author) or Announce (public, to our followers and the author) of a post. */
export async function react(ctx: PublishContext, type: "Like" | "Announce", objectId: string): Promise<Published> {
  if (type === "Announce" && objectId.startsWith(`${ctx.config.origin}/`)) {
    // A boost is public: it must not carry one of our followers-only or direct posts further.
    const [own] = await ctx.db.select({ visibility: objects.visibility }).from(objects).where(eq(objects.id, objectId));
    if (own && own.visibility !== "public" && own.visibility !== "unlisted") return { ok: false, status: 400, error: "only public and unlisted posts can be boosted" };
  }
  const author = await authorOf(ctx, objectId);
  if (!author) return { ok: false, status: 400, error: `${objectId} could not be fetched as a post` };
  const id = ctx.urls.activity(newId());
  const published = new Date();
  const addressing = type === "Like" ? { to: [author] } : { to: [PUBLIC_COLLECTION], cc: [ctx.urls.followers, author] };
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
  const [row] = await ctx.db.select().from(activities).where(eq(activities.id, activityId));
  if (!row || (row.type !== "Like" && row.type !== "Announce")) return { ok: false, status: 404, error: `no Like or Announce ${activityId}` };
  const original = JSON.parse(row.document) as Record<string, unknown>;
  const { "@context": _context, ...object } = original;
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
