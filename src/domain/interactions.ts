// Likes, boosts and emoji reactions: the owner's own (sent, and undone) and those of others on our
// posts (counted, notified, and undone by their Undo).
import { and, eq, isNull } from "drizzle-orm";
import { activities, notifications, objects, reactions, statuses } from "../db/schema.ts";
import { incomingReaction } from "../federation/emoji.ts";
import { hostOf, isPublic, type NormalizedActivity, PUBLIC_COLLECTION } from "../federation/normalize.ts";
import { newId } from "../federation/urls.ts";
import { AS_CONTEXT } from "../federation/vocabulary.ts";
import type { Services } from "../services.ts";
import { followAnswered } from "./follows.ts";
import { askApproval, interactionAnswered, interactionTarget, pendingInteraction, type Release, releaseReply } from "./interaction-requests.ts";
import { notify } from "./notifications.ts";
import { done, type HandlerResult, ignored } from "./outcome.ts";
import { fetchRemotePost, indexStatus, isFollowed, storeRemotePost, streamDeletes, unindexStatus } from "./statuses.ts";
import type { Published } from "./posts/compose.ts";

/**
 * Like (to the author) or Announce (public, to our followers and the author) of a post. Where the
 * post's interaction policy wants approval, the author is asked first (interaction-requests.ts)
 * and the activity waits; where it allows nobody else, nothing is sent.
 */
export async function react(ctx: Services, type: "Like" | "Announce", objectId: string): Promise<Published> {
  // One read of the post gives its author and policy; a remote post is stored on the way, so the client API can show what was liked or boosted.
  const target = await interactionTarget(ctx, type, objectId);
  // A boost is public: it must not carry one of our followers-only or direct posts further.
  if (type === "Announce" && target?.local && target.visibility !== "public" && target.visibility !== "unlisted") {
    return { ok: false, status: 400, error: "only public and unlisted posts can be boosted" };
  }
  if (!target || (target.local && target.deleted)) return { ok: false, status: 400, error: `${objectId} could not be fetched as a post` };
  const { author } = target;
  const gate = target.local ? null : target.gate;
  if (gate?.approval.kind === "forbidden") return { ok: false, status: 422, error: gate.approval.reason };
  if (gate?.approval.kind === "manual") {
    const waiting = await pendingInteraction(ctx, type, objectId);
    if (waiting) return { ok: true, objectId, activityId: waiting.interactionId };
  }
  const id = ctx.urls.activity(newId());
  const published = new Date(ctx.now());
  const addressing = type === "Like" ? { to: [author] } : { to: [PUBLIC_COLLECTION], cc: [ctx.urls.followers, author] };
  const activity = { "@context": AS_CONTEXT, id, type, actor: ctx.urls.actor, object: objectId, published: published.toISOString(), ...addressing };
  if (gate?.approval.kind === "manual") {
    await askApproval(ctx, { interaction: type, target: objectId, author, activity });
    if (type === "Announce") await indexBoost(ctx, id, objectId, published.getTime());
  } else {
    await publishReaction(ctx, activity);
  }
  return { ok: true, objectId, activityId: id };
}

type ReactionActivity = Record<string, unknown> & { id: string; type: string; object: string; published: string };

async function indexBoost(ctx: Services, id: string, objectId: string, published: number): Promise<void> {
  await indexStatus(ctx, { uri: id, actorId: ctx.urls.actor, reblogOfUri: objectId, local: true, visibility: "public", inReplyTo: null, published, home: true });
  await ctx.stream.publish({ event: "update", uri: id });
}

/** Sends our Like or Announce and, for a boost, shows it in our timeline. */
async function publishReaction(ctx: Services, activity: ReactionActivity): Promise<void> {
  const published = Date.parse(activity.published);
  await ctx.outbox.send(activity, { visibility: activity.type === "Like" ? "direct" : "public", objectId: activity.object, published });
  if (activity.type === "Announce") await indexBoost(ctx, activity.id, activity.object, published);
}

/** An approved Like or Announce goes out as first built, with the author's authorization. */
const releaseReaction: Release = (ctx, row, fields) => publishReaction(ctx, { ...(JSON.parse(row.activity) as ReactionActivity), ...fields });

/** Accept and Reject: of one of our interaction requests (GoToSocial), else of one of our follows. */
export async function answerReceived(activity: NormalizedActivity, ctx: Services): Promise<HandlerResult> {
  const answered = await interactionAnswered(activity, ctx, { Like: releaseReaction, Announce: releaseReaction, Reply: releaseReply });
  return answered ?? followAnswered(activity, ctx);
}

/** Undo of one of our Likes, Announces or EmojiReacts, sent to the same audience. */
export async function undoReaction(ctx: Services, activityId: string): Promise<Published> {
  const [row] = await ctx.db.select().from(activities).where(eq(activities.id, activityId));
  if (!row || !["Like", "Announce", "EmojiReact"].includes(row.type)) return { ok: false, status: 404, error: `no Like, Announce or EmojiReact ${activityId}` };
  const original = JSON.parse(row.document) as Record<string, unknown>;
  const { "@context": context, ...object } = original;
  const id = `${activityId}/undo`;
  // The embedded EmojiReact keeps the terms its own context defined.
  await ctx.outbox.send(
    { "@context": row.type === "EmojiReact" ? context : AS_CONTEXT, id, type: "Undo", actor: ctx.urls.actor, object, to: original.to, cc: original.cc },
    { visibility: "direct", objectId: row.objectId },
  );
  await ctx.db.delete(activities).where(eq(activities.id, activityId));
  if (row.type === "Announce") await unindexStatus(ctx, activityId);
  return { ok: true, objectId: row.objectId ?? activityId, activityId: id };
}

const NOTIFICATION = { Like: "like", Announce: "announce", EmojiReact: "reaction" } as const;

export async function reactionReceived(activity: NormalizedActivity, ctx: Services): Promise<HandlerResult> {
  // Misskey sends its reactions as Like with the emoji in `content`/`_misskey_reaction`: those are
  // reactions (as Pleroma reads them); a Like without one stays a favourite.
  const reaction = activity.type === "Announce" ? null : incomingReaction(activity);
  const emojiReact = activity.type === "EmojiReact" || activity.type === "EmojiReaction";
  if (emojiReact && !reaction) return ignored(`${activity.type} without one unicode emoji or a custom emoji with its Emoji tag`);
  const type = (reaction ? "EmojiReact" : activity.type) as keyof typeof NOTIFICATION;
  const objectId = activity.object?.id;
  if (!objectId || !activity.id) return ignored(`${type} without an id or object`);
  const [ours] = await ctx.db
    .select({ id: objects.id })
    .from(objects)
    .where(and(eq(objects.id, objectId), isNull(objects.deletedAt)));
  if (!ours) return type === "Announce" ? boostOfOthers(activity, ctx) : ignored(`${type} of an object that is not ours`);
  // One reaction per actor per emoji: a second (another id, same emoji) meets reactions_one_emoji.
  const inserted = await ctx.db
    .insert(reactions)
    // Milliseconds (the column's default is whole seconds): emoji with as many reactions are listed in the order they first came.
    .values({ activityId: activity.id, type, actorId: activity.actor, objectId, content: reaction?.content ?? null, emojiUrl: reaction?.url ?? null, createdAt: ctx.now() })
    .onConflictDoNothing()
    .returning({ id: reactions.activityId });
  if (inserted.length === 0) return ignored("already counted");
  await notify(ctx, {
    type: NOTIFICATION[type],
    actorId: activity.actor,
    objectId,
    activityId: activity.id,
    detail: reaction ? JSON.stringify({ content: reaction.content, url: reaction.url }) : null,
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
  if (removed.length === 0) {
    const unboosted = await ctx.db
      .delete(statuses)
      .where(and(eq(statuses.uri, target), eq(statuses.actorId, activity.actor), eq(statuses.local, false)))
      .returning({ id: statuses.id });
    await streamDeletes(ctx, unboosted);
    return unboosted.length > 0 ? done : ignored("Undo of a reaction we do not have");
  }
  await ctx.db.delete(notifications).where(eq(notifications.activityId, target));
  return done;
}

/** A boost by someone we follow of a post that is not ours: the boosted post is fetched (or taken embedded) and shown in the home timeline. */
async function boostOfOthers(activity: NormalizedActivity, ctx: Services): Promise<HandlerResult> {
  const objectId = activity.object?.id;
  if (!objectId || !activity.id) return ignored("Announce without an id or object");
  if (!(await isFollowed(ctx, activity.actor))) return ignored("a boost by someone we do not follow of a post that is not ours");
  const embedded = activity.object?.embedded;
  // An embedded post is only trusted when it comes from its author's host (as Mastodon checks).
  if (embedded?.kind === "object" && embedded.attributedTo[0] && hostOf(embedded.id) === hostOf(embedded.attributedTo[0])) {
    await storeRemotePost(ctx, embedded, embedded.attributedTo[0], false);
  } else {
    const post = await fetchRemotePost(ctx, objectId);
    if (!post.ok) throw new Error(`the boosted post could not be fetched: ${post.reason}`);
  }
  const visibility = activity.to.some(isPublic) ? "public" : activity.cc.some(isPublic) ? "unlisted" : "followers";
  await indexStatus(ctx, {
    uri: activity.id,
    actorId: activity.actor,
    reblogOfUri: objectId,
    local: false,
    visibility,
    inReplyTo: null,
    published: activity.published?.getTime() ?? ctx.now(),
    home: true,
  });
  await ctx.stream.publish({ event: "update", uri: activity.id });
  return done;
}
