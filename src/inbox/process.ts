// The queue side of the inbox: load a stored activity, hand it to the use case for its type,
// record the outcome. Each entry of HANDLERS is one domain function.
import { and, eq } from "drizzle-orm";
import { followers, inboxActivities, reactions } from "../db/schema.ts";
import type { Job } from "../delivery/jobs.ts";
import { accountMoved, blockedBy, followerLeft, followReceived } from "../domain/follows.ts";
import { featureRequested } from "../domain/featuring.ts";
import { interactionRequested } from "../domain/interaction-approvals.ts";
import { quoteRequestAnswered, quoteRequested, quoteStampDeleted } from "../domain/quotes.ts";
import { answerReceived, reactionReceived, reactionUndone } from "../domain/interactions.ts";
import { failed, type Handler, type HandlerResult, ignored } from "../domain/outcome.ts";
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
    case "EmojiReaction":
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

/** Accept and Reject answer a Follow or (FEP-044f) one of our QuoteRequests; Delete may withdraw a quote's stamp. */
const answered: Handler = async (activity, s) => (await quoteRequestAnswered(activity, s)) ?? answerReceived(activity, s);
const deleted: Handler = async (activity, s) => (await quoteStampDeleted(activity, s)) ?? deleteReceived(activity, s);

const HANDLERS: Record<string, Handler> = {
  Follow: followReceived,
  Undo: undone,
  Accept: answered,
  Reject: answered,
  Block: blockedBy,
  Like: reactionReceived,
  Announce: reactionReceived,
  EmojiReact: reactionReceived,
  EmojiReaction: reactionReceived,
  Create: postReceived,
  Update: updateReceived,
  Delete: deleted,
  Move: accountMoved,
  Flag: reportReceived,
  FeatureRequest: featureRequested,
  QuoteRequest: quoteRequested,
  // GoToSocial 0.20+: asking before a like, reply or boost.
  LikeRequest: interactionRequested,
  ReplyRequest: interactionRequested,
  AnnounceRequest: interactionRequested,
};

/** The activity types some handler takes; anything else is answered 202 and not stored. */
export const HANDLED_TYPES: ReadonlySet<string> = new Set(Object.keys(HANDLERS));

export async function handleActivity(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  const handler = HANDLERS[activity.type];
  return handler ? handler(activity, s) : ignored(`${activity.type} is not handled`);
}

/**
 * The `inbox` job. A handler that throws leaves the row queued, and Queues retries the job; a
 * handler that returns `failed` (a reason that will not change) marks it failed, not retried.
 * Once processed the body is dropped: the row keeps what idempotency needs.
 */
export async function processInboxActivity(job: Extract<Job, { kind: "inbox" }>, s: Services): Promise<void> {
  // Jobs queued before the (actor, id) key carry the id only.
  const key = job.actor === undefined ? eq(inboxActivities.id, job.id) : and(eq(inboxActivities.actorId, job.actor), eq(inboxActivities.id, job.id));
  const [row] = await s.db.select().from(inboxActivities).where(and(key, eq(inboxActivities.state, "queued"))).limit(1);
  if (!row || row.body === null) return;
  let result: HandlerResult;
  try {
    const parsed = normalizeActivity(JSON.parse(row.body));
    result = parsed.ok ? await handleActivity(parsed.value, s) : ignored(parsed.reason);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    result = failed(`the stored body is not JSON: ${error.message}`);
  }
  await s.db
    .update(inboxActivities)
    .set({ state: result.outcome, error: result.outcome === "done" ? null : result.reason, body: null })
    .where(and(eq(inboxActivities.actorId, row.actorId), eq(inboxActivities.id, row.id)));
  s.log("inbox.processed", { id: job.id, type: row.type, ...result });
}
