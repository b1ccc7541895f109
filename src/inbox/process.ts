// The queue side of the inbox: load a stored activity, hand it to the use case for its type,
// record the outcome. Each entry of HANDLERS is one domain function.
import { and, eq } from "drizzle-orm";
import { followers, inboxActivities, reactions } from "../db/schema.ts";
import type { Job } from "../delivery/jobs.ts";
import { accountMoved, blockedBy, followAnswered, followerLeft, followReceived } from "../domain/follows.ts";
import { reactionReceived, reactionUndone } from "../domain/interactions.ts";
import { type Handler, type HandlerResult, ignored } from "../domain/outcome.ts";
import { deleteReceived, postReceived, reportReceived, updateReceived } from "../domain/remote-posts.ts";
import { type NormalizedActivity, normalizeActivity } from "../federation/normalize.ts";
import type { Services } from "../services.ts";

/** Undo names its object by embedding it or, from some servers, by id only: then we look it up, as Mastodon guesses. */
const undone: Handler = async (activity, s) => {
  const embedded = activity.object?.embedded;
  const type = embedded?.kind === "activity" ? embedded.type : await guessUndoneType(activity, s);
  switch (type) {
    case "Follow":
      return followerLeft(activity, s);
    case "Like":
    case "Announce":
    case "EmojiReact":
      return reactionUndone(activity, s);
    case "Block":
      return ignored("Undo{Block}: nothing was stored about being blocked");
    default:
      return ignored(`Undo of ${type ?? "an unknown activity"}`);
  }
};

async function guessUndoneType(activity: NormalizedActivity, s: Services): Promise<string | null> {
  const id = activity.object?.id;
  if (!id) return null;
  const [reaction] = await s.db.select({ type: reactions.type }).from(reactions).where(eq(reactions.activityId, id));
  if (reaction) return reaction.type;
  const [follow] = await s.db
    .select({ id: followers.actorId })
    .from(followers)
    .where(and(eq(followers.actorId, activity.actor), eq(followers.followActivityId, id)));
  return follow ? "Follow" : null;
}

const HANDLERS: Record<string, Handler> = {
  Follow: followReceived,
  Undo: undone,
  Accept: followAnswered,
  Reject: followAnswered,
  Block: blockedBy,
  Like: reactionReceived,
  Announce: reactionReceived,
  EmojiReact: reactionReceived,
  Create: postReceived,
  Update: updateReceived,
  Delete: deleteReceived,
  Move: accountMoved,
  Flag: reportReceived,
};

export async function handleActivity(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  const handler = HANDLERS[activity.type];
  return handler ? handler(activity, s) : ignored(`${activity.type} is not handled`);
}

/** The `inbox` job: a handler that throws leaves the row queued, and Queues retries the job. */
export async function processInboxActivity(job: Extract<Job, { kind: "inbox" }>, s: Services): Promise<void> {
  const [row] = await s.db.select().from(inboxActivities).where(eq(inboxActivities.id, job.id));
  if (!row || row.state !== "queued") return;
  const parsed = normalizeActivity(JSON.parse(row.body));
  const result: HandlerResult = parsed.ok ? await handleActivity(parsed.value, s) : ignored(parsed.reason);
  await s.db
    .update(inboxActivities)
    .set({ state: result.outcome, error: result.outcome === "ignored" ? result.reason : null })
    .where(eq(inboxActivities.id, job.id));
  s.log("inbox.processed", { id: job.id, type: row.type, ...result });
}
