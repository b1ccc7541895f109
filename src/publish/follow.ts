// Following remote accounts: Follow (pending until their Accept) and Undo{Follow}. The target is
// `@user@host` (WebFinger) or an actor URL.
import { eq } from "drizzle-orm";
import { following } from "../db/schema.ts";
import { sendTo } from "../federation/inbox/outgoing.ts";
import { resolveHandle } from "../federation/lookup.ts";
import { getRemoteActor } from "../federation/remote-actors.ts";
import { newId } from "../federation/urls.ts";
import type { PublishContext } from "./compose.ts";

export type FollowResult = { ok: true; actorId: string; activityId: string } | { ok: false; status: 400 | 404; error: string };

const isUrl = (target: string) => /^https?:\/\//.test(target);

async function resolveTarget(ctx: PublishContext, target: string) {
  return isUrl(target) ? getRemoteActor(ctx.db, ctx.fetch, target) : resolveHandle(ctx.db, ctx.fetch, target);
}

export async function follow(ctx: PublishContext, target: string): Promise<FollowResult> {
  if (target === ctx.urls.actor || target.startsWith(`${ctx.config.origin}/`)) return { ok: false, status: 400, error: "you cannot follow yourself" };
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

/** An actor URL needs no lookup, so an account whose server is gone can still be unfollowed. */
export async function unfollow(ctx: PublishContext, target: string): Promise<FollowResult> {
  let actorId = target;
  if (!isUrl(target)) {
    const actor = await resolveHandle(ctx.db, ctx.fetch, target);
    if (!actor.ok) return { ok: false, status: 400, error: `${target} could not be resolved: ${actor.reason}` };
    actorId = actor.value.id;
  }
  const [row] = await ctx.db.delete(following).where(eq(following.actorId, actorId)).returning();
  if (!row) return { ok: false, status: 404, error: `you do not follow ${target}` };
  const activityId = await sendTo(ctx.sender, actorId, "Undo", { id: row.followActivityId, type: "Follow", actor: ctx.urls.actor, object: actorId });
  return { ok: true, actorId, activityId };
}
