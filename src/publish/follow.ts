// Following remote accounts: Follow (pending until their Accept) and Undo{Follow}.
import { eq } from "drizzle-orm";
import { following } from "../db/schema.ts";
import { sendTo } from "../federation/inbox/outgoing.ts";
import { resolveHandle } from "../federation/lookup.ts";
import { getRemoteActor } from "../federation/remote-actors.ts";
import { newId } from "../federation/urls.ts";
import type { PublishContext } from "./compose.ts";

export type FollowResult = { ok: true; actorId: string; activityId: string } | { ok: false; status: 400 | 404; error: string };

async function resolveTarget(ctx: PublishContext, target: string) {
  return /^https?:\/\//.test(target) ? getRemoteActor(ctx.db, ctx.fetch, target) : resolveHandle(ctx.db, ctx.fetch, target);
}

export async function follow(ctx: PublishContext, target: string): Promise<FollowResult> {
  const actor = await resolveTarget(ctx, target);
  if (!actor.ok) return { ok: false, status: 400, error: `${target} could not be resolved: ${actor.reason}` };
  const activityId = ctx.urls.activity(newId());
  await ctx.db
    .insert(following)
    .values({ actorId: actor.value.id, inbox: actor.value.inbox, followActivityId: activityId, state: "pending" })
    .onConflictDoUpdate({ target: following.actorId, set: { followActivityId: activityId } });
  await sendTo(ctx.sender, actor.value.id, "Follow", actor.value.id, activityId);
  return { ok: true, actorId: actor.value.id, activityId };
}

export async function unfollow(ctx: PublishContext, target: string): Promise<FollowResult> {
  const actor = await resolveTarget(ctx, target);
  if (!actor.ok) return { ok: false, status: 400, error: `${target} could not be resolved: ${actor.reason}` };
  const [row] = await ctx.db.select().from(following).where(eq(following.actorId, actor.value.id));
  if (!row) return { ok: false, status: 404, error: `you do not follow ${target}` };
  await ctx.db.delete(following).where(eq(following.actorId, actor.value.id));
  const activityId = await sendTo(ctx.sender, actor.value.id, "Undo", {
    id: row.followActivityId,
    type: "Follow",
    actor: ctx.urls.actor,
    object: actor.value.id,
  });
  return { ok: true, actorId: actor.value.id, activityId };
}
