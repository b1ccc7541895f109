// The profile lives in wrangler.toml vars, so a change reaches nobody by itself: after a deploy
// the owner announces it, and followers' servers refresh the actor on Update{Person}.
import { eq } from "drizzle-orm";
import { activities } from "../db/schema.ts";
import { PUBLIC_COLLECTION } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import type { Published } from "./posts/compose.ts";

/** Update of our actor document (as served now) to every follower. */
export async function announceProfileUpdate(ctx: Services, actor: Record<string, unknown>): Promise<Published> {
  const now = ctx.now();
  const id = `${ctx.urls.actor}#updates/${Math.floor(now / 1000)}`;
  const [sent] = await ctx.db.select({ id: activities.id }).from(activities).where(eq(activities.id, id));
  if (sent) return { ok: false, status: 409, error: "the profile was announced less than a second ago" };
  const { "@context": context, ...object } = actor;
  await ctx.outbox.send(
    { "@context": context, id, type: "Update", actor: ctx.urls.actor, to: [PUBLIC_COLLECTION], cc: [ctx.urls.followers], object },
    { visibility: "direct", objectId: ctx.urls.actor, published: now },
  );
  return { ok: true, objectId: ctx.urls.actor, activityId: id };
}
