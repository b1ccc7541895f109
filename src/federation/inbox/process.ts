// The queue side of the inbox: load a stored activity, dispatch it to its handler, record the outcome.
import { and, eq } from "drizzle-orm";
import { type Env, loadConfig } from "../../config.ts";
import { database } from "../../db/client.ts";
import { followers, inboxActivities, reactions } from "../../db/schema.ts";
import type { Job } from "../../delivery/jobs.ts";
import { getActorKeys } from "../keys.ts";
import { type NormalizedActivity, normalizeActivity } from "../normalize.ts";
import { localUrls } from "../urls.ts";
import { onCreate, onDelete, onFlag, onUpdate } from "./content.ts";
import { type Handler, type HandlerContext, type HandlerResult, ignored } from "./context.ts";
import { answerToOurFollow, onBlock, onFollow, onMove, undoFollow } from "./follows.ts";
import { onReaction, undoReaction } from "./reactions.ts";

/** Undo names its object by embedding it or, from some servers, by id only: then we look it up, as Mastodon guesses. */
const onUndo: Handler = async (activity, ctx) => {
  const embedded = activity.object?.embedded;
  const type = embedded?.kind === "activity" ? embedded.type : await guessUndoneType(activity, ctx);
  switch (type) {
    case "Follow":
      return undoFollow(activity, ctx);
    case "Like":
    case "Announce":
    case "EmojiReact":
      return undoReaction(activity, ctx);
    case "Block":
      return ignored("Undo{Block}: nothing was stored about being blocked");
    default:
      return ignored(`Undo of ${type ?? "an unknown activity"}`);
  }
};

async function guessUndoneType(activity: NormalizedActivity, ctx: HandlerContext): Promise<string | null> {
  const id = activity.object?.id;
  if (!id) return null;
  const [reaction] = await ctx.db.select({ type: reactions.type }).from(reactions).where(eq(reactions.activityId, id));
  if (reaction) return reaction.type;
  const [follow] = await ctx.db
    .select({ id: followers.actorId })
    .from(followers)
    .where(and(eq(followers.actorId, activity.actor), eq(followers.followActivityId, id)));
  return follow ? "Follow" : null;
}

const HANDLERS: Record<string, Handler> = {
  Follow: onFollow,
  Undo: onUndo,
  Accept: answerToOurFollow,
  Reject: answerToOurFollow,
  Block: onBlock,
  Like: onReaction,
  Announce: onReaction,
  EmojiReact: onReaction,
  Create: onCreate,
  Update: onUpdate,
  Delete: onDelete,
  Move: onMove,
  Flag: onFlag,
};

export async function handleActivity(activity: NormalizedActivity, ctx: HandlerContext): Promise<HandlerResult> {
  const handler = HANDLERS[activity.type];
  return handler ? handler(activity, ctx) : ignored(`${activity.type} is not handled`);
}

export async function handlerContext(env: Env): Promise<HandlerContext> {
  const config = loadConfig(env);
  const db = database(env.DB);
  const urls = localUrls(config);
  const keys = await getActorKeys(db);
  return {
    config,
    db,
    urls,
    fetch: { policy: { localDev: config.localDev }, signer: { keyId: urls.rsaKeyId, privateKey: keys.rsa.privateKey } },
    sender: { env, db, urls },
  };
}

/** The `inbox` job: a handler that throws leaves the row queued, and Queues retries the job. */
export async function processInboxActivity(job: Extract<Job, { kind: "inbox" }>, env: Env): Promise<void> {
  const ctx = await handlerContext(env);
  const [row] = await ctx.db.select().from(inboxActivities).where(eq(inboxActivities.id, job.id));
  if (!row || row.state !== "queued") return;
  const parsed = normalizeActivity(JSON.parse(row.body));
  const result: HandlerResult = parsed.ok ? await handleActivity(parsed.value, ctx) : ignored(parsed.reason);
  await ctx.db
    .update(inboxActivities)
    .set({ state: result.outcome, error: result.outcome === "ignored" ? result.reason : null })
    .where(eq(inboxActivities.id, job.id));
  console.log(JSON.stringify({ event: "inbox.processed", id: job.id, type: row.type, ...result }));
}
