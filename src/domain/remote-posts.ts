// What others publish that concerns us: posts replying to or mentioning us, their edits and
// deletions, actor updates and deletions, and reports.
import { and, eq } from "drizzle-orm";
import { followers, notifications, reactions, remoteActors, remoteObjects, statuses } from "../db/schema.ts";
import { type NormalizedActivity, type NormalizedObject, normalizeActor, normalizeObject } from "../federation/normalize.ts";
import { upsertRemoteActor } from "../federation/remote-actors.ts";
import type { Services } from "../services.ts";
import { notify } from "./notifications.ts";
import { addDirectPost } from "./direct-conversations.ts";
import { hasFollowedTag } from "./followed-tags.ts";
import { changesWhatIsShown, remoteVersion } from "./status-edits.ts";
import { followOf, removeRemotePost, replaceRemotePost, storeRemotePost } from "./statuses.ts";
import { parentMissing, requestParentFetch } from "./threads.ts";
import { onOurOrigin } from "./own-origin.ts";
import { remotePollReceived } from "./poll-store.ts";
import { voteReceived } from "./polls.ts";
import { done, type HandlerResult, ignored } from "./outcome.ts";
import { quotedPostEdited, quoteStateOf, remoteQuoteSeen } from "./quotes.ts";

const POST_TYPES = new Set(["Note", "Question", "Article", "Page"]);

function embeddedObject(activity: NormalizedActivity): NormalizedObject | null {
  const embedded = activity.object?.embedded;
  return embedded?.kind === "object" ? embedded : null;
}

function concernsUs(object: NormalizedObject, ctx: Services): "reply" | "mention" | null {
  if (ctx.urls.isLocal(object.inReplyTo)) return "reply";
  const mentioned = object.tag.some((t) => t.type === "Mention" && t.href === ctx.urls.actor);
  const addressed = [...object.to, ...object.cc].includes(ctx.urls.actor);
  return mentioned || addressed ? "mention" : null;
}

/** A post: kept when it replies to or mentions us, or when its author is someone we follow (the home timeline). */
export async function postReceived(activity: NormalizedActivity, ctx: Services): Promise<HandlerResult> {
  const object = embeddedObject(activity);
  if (!object) return ignored("Create without an embedded object");
  if (!POST_TYPES.has(object.type)) return ignored(`Create of a ${object.type}`);
  if (!object.attributedTo.includes(activity.actor)) return ignored("the object is not attributed to the actor");
  // A vote in one of our polls is counted, never kept as a reply.
  const vote = await voteReceived(ctx, object, activity.actor, activity.id);
  if (vote) return vote;
  const why = concernsUs(object, ctx);
  const follow = await followOf(ctx, activity.actor);
  // A public post with a hashtag the owner follows belongs in home too, whoever sent it.
  const tagged = !follow && (await hasFollowedTag(ctx, object));
  if (!why && !follow && !tagged) return ignored("neither a reply to us, a mention of us, a post of someone we follow, nor one with a followed hashtag");
  const stored = await storeRemotePost(ctx, object, activity.actor, follow !== null || tagged);
  if (!stored.stored) return ignored("already stored");
  await remoteQuoteSeen(ctx, object, activity.actor);
  if (stored.row.visibility === "direct") await addDirectPost(ctx, stored.row, directParticipants(object));
  await ctx.stream.publish({ event: "update", uri: object.id });
  if (why) await notify(ctx, { type: why, actorId: activity.actor, objectId: object.id, activityId: activity.id ?? object.id });
  if (follow?.notify && (await isNewPostOfTheirs(ctx, object, activity.actor))) {
    await notify(ctx, { type: "status", actorId: activity.actor, objectId: object.id, activityId: activity.id ?? object.id });
  }
  // A home post replying to a post we lack: its thread is fetched through the queue. Only for the
  // accounts we follow, so what strangers send cannot spend the queue's daily allowance.
  if (follow && object.inReplyTo && (await parentMissing(ctx, object.inReplyTo))) await requestParentFetch(ctx, object.inReplyTo, { from: "inbox" });
  return done;
}

/** Who a remote direct post is between: the actors it addresses and mentions (its author is added by addDirectPost). */
function directParticipants(object: NormalizedObject): string[] {
  const mentioned = object.tag.flatMap((t) => (t.type === "Mention" && t.href ? [t.href] : []));
  return [...object.to, ...object.cc, ...mentioned];
}

/**
 * A follow with `notify` makes a `status` notification for each new post — not for a reply to
 * someone else, as Mastodon's FeedInsertWorker decides; a reply to their own post counts.
 */
async function isNewPostOfTheirs(ctx: Services, object: NormalizedObject, author: string): Promise<boolean> {
  if (!object.inReplyTo) return true;
  const [parent] = await ctx.db.select({ actorId: statuses.actorId }).from(statuses).where(eq(statuses.uri, object.inReplyTo)).limit(1);
  return parent?.actorId === author;
}

export async function updateReceived(activity: NormalizedActivity, ctx: Services): Promise<HandlerResult> {
  const embedded = activity.object?.embedded;
  if (embedded?.kind === "actor") {
    if (embedded.id !== activity.actor) return ignored("an actor may only update itself");
    const actor = normalizeActor(embedded.raw);
    if (!actor.ok) return ignored(`the updated actor is not usable: ${actor.reason}`);
    if (onOurOrigin(ctx, actor.value.inbox) || onOurOrigin(ctx, actor.value.sharedInbox)) return ignored("the actor's inbox is on our own origin");
    await upsertRemoteActor(ctx.db, actor.value);
    // Keep the delivery inboxes of a follower in step with their profile.
    await ctx.db
      .update(followers)
      .set({ inbox: actor.value.inbox, sharedInbox: actor.value.sharedInbox })
      .where(eq(followers.actorId, actor.value.id));
    return done;
  }
  const object = embeddedObject(activity);
  if (!object) return ignored("Update without an embedded object");
  const [stored] = await ctx.db.select().from(remoteObjects).where(eq(remoteObjects.id, object.id));
  if (!stored) return ignored("Update of an object we do not have");
  if (stored.actorId !== activity.actor) return ignored("Update by someone other than the author");
  // Mastodon sends the quote's stamp in an Update that is no edit (`updated` unchanged): read before the edit checks.
  const quoteBefore = await quoteStateOf(ctx, object.id);
  await remoteQuoteSeen(ctx, object, activity.actor);
  if ((await quoteStateOf(ctx, object.id)) !== quoteBefore) await ctx.stream.publish({ event: "status.update", uri: object.id });
  // A Question's counts change with no edit (Mastodon's Update{Question} has no newer `updated`): kept whatever else it says.
  if (object.poll) await remotePollReceived(ctx, object);
  // Mastodon applies an edit only when `updated` moves forward.
  const previous = stored.updated ?? stored.published ?? 0;
  if (!object.updated || object.updated.getTime() <= previous) return object.poll ? done : ignored("the Update is not newer than what we have");
  const before = normalizeObject(JSON.parse(stored.document));
  if (before.ok && !changesWhatIsShown(before.value, object)) return object.poll ? done : ignored("the Update changes nothing shown");
  await replaceRemotePost(ctx, object, activity.actor, before.ok ? remoteVersion(before.value, previous || ctx.now()) : null);
  await quotedPostEdited(ctx, object.id, activity.actor, activity.id ?? `${object.id}#updated`);
  await ctx.stream.publish({ event: "status.update", uri: object.id });
  await notify(ctx, { type: "update", actorId: activity.actor, objectId: object.id, activityId: activity.id ?? `${object.id}#updated` });
  return done;
}

export async function deleteReceived(activity: NormalizedActivity, ctx: Services): Promise<HandlerResult> {
  const target = activity.object?.id;
  if (!target) return ignored("Delete without an object");
  if (target === activity.actor) {
    await ctx.db.batch([
      ctx.db.delete(followers).where(eq(followers.actorId, target)),
      ctx.db.delete(notifications).where(eq(notifications.actorId, target)),
      ctx.db.delete(reactions).where(eq(reactions.actorId, target)),
      ctx.db.delete(remoteObjects).where(eq(remoteObjects.actorId, target)),
      ctx.db.delete(statuses).where(and(eq(statuses.actorId, target), eq(statuses.local, false))),
      ctx.db.delete(remoteActors).where(eq(remoteActors.id, target)),
    ]);
    return done;
  }
  if (!(await removeRemotePost(ctx, target, activity.actor))) return ignored("Delete of an object we do not have");
  await ctx.db.delete(notifications).where(eq(notifications.objectId, target));
  return done;
}

export async function reportReceived(activity: NormalizedActivity, ctx: Services): Promise<HandlerResult> {
  const ours = activity.objects.map((o) => o.id).filter((id) => ctx.urls.isLocal(id));
  if (ours.length === 0) return ignored("a report about someone else");
  await notify(ctx, {
    type: "report",
    actorId: activity.actor,
    objectId: ours[0] ?? null,
    activityId: activity.id ?? `flag:${activity.actor}:${ctx.now()}`,
    detail: JSON.stringify({ content: (activity.content ?? "").slice(0, 5000), objects: activity.objects.map((o) => o.id) }),
  });
  return done;
}
