// Deliver messages: every inbox of every message in the invocation is signed and POSTed, six at a
// time. Successes write nothing. Failures go to their server's Durable Object, which retries them
// or records why it gave up; then the message is acked, never retried, so a success is never sent
// twice. A message's batch number is marked done (one D1 write per activity per invocation) and a
// redelivered message whose batch is done is skipped.
import { activitiesToDeliver, type ActivityToDeliver, markBatchesDone, rememberSchemes, rfc9421Hosts } from "../db/queries/delivery.ts";
import type { SignatureScheme } from "../federation/signatures/index.ts";
import { classifyStatus } from "./backoff.ts";
import type { Services } from "../services.ts";
import type { FailedDelivery } from "./host-api.ts";
import type { Job } from "./jobs.ts";
import { limitsFor, MAX_CONNECTIONS } from "./limits.ts";
import { mapLimited, type PostResult, postActivity } from "./post.ts";

export type DeliverJob = Extract<Job, { kind: "deliver" }>;

interface Send {
  message: Message<DeliverJob>;
  activity: ActivityToDeliver;
  inbox: string;
  host: string;
}

/** What one message's inboxes came to. */
interface Tally {
  delivered: number;
  failed: number;
  deferred: number;
  rfc9421: number;
}

/** Work handed to one server's Durable Object for one activity. */
interface Handover {
  host: string;
  activityId: string;
  activityType: string;
  failures: FailedDelivery[];
  deferred: string[];
  messages: Set<Message<DeliverJob>>;
}

// When a Durable Object cannot take its failures, they come back as a new message after this delay.
const REQUEUE_DELAY_S = 60;

/**
 * Runs the deliver messages of one consumer invocation. Throws only before anything was sent, so
 * Queues may then retry every message safely.
 */
export async function deliverMessages(
  messages: readonly Message<DeliverJob>[],
  ctx: Services,
  limits: { sendDeadlineMs: number } = limitsFor(ctx.config.plan),
): Promise<void> {
  const started = Date.now();
  const stored = await activitiesToDeliver(ctx.db, [...new Set(messages.map((m) => m.body.activityId))]);
  const sends: Send[] = [];
  const toRun: Message<DeliverJob>[] = [];
  for (const message of messages) {
    const job = message.body;
    const activity = stored.get(job.activityId);
    if (!activity || (job.batch !== undefined && activity.doneBatches.has(job.batch))) {
      const event = activity ? "deliver.duplicate" : "deliver.missing_activity";
      ctx.log(event, { activityId: job.activityId, batch: job.batch ?? null, attempts: message.attempts });
      message.ack();
      continue;
    }
    toRun.push(message);
    for (const inbox of job.inboxes) sends.push({ message, activity, inbox, host: new URL(inbox).host });
  }
  const remembered = await rfc9421Hosts(ctx.db, [...new Set(sends.map((s) => s.host))]);
  const key = sends.length > 0 ? await ctx.signingKey() : null;
  const bodies = new Map<ActivityToDeliver, Uint8Array>();
  const bodyOf = (activity: ActivityToDeliver) => {
    if (!bodies.has(activity)) bodies.set(activity, new TextEncoder().encode(activity.document));
    return bodies.get(activity)!;
  };

  const results = await mapLimited(sends, MAX_CONNECTIONS, async (send): Promise<PostResult | null> => {
    if (Date.now() - started >= limits.sendDeadlineMs) return null;
    const scheme: SignatureScheme = remembered.has(send.host) ? "rfc9421" : "draft-cavage";
    return postActivity(send.inbox, bodyOf(send.activity), key!, ctx.fetcher.policy, scheme);
  });

  const tallies = new Map<Message<DeliverJob>, Tally>(toRun.map((m) => [m, { delivered: 0, failed: 0, deferred: 0, rfc9421: 0 }]));
  const handovers = new Map<string, Handover>();
  const learned = { rfc9421: new Set<string>(), draftCavage: new Set<string>() };
  const handoverFor = (send: Send): Handover => {
    const key = `${send.host} ${send.message.body.activityId}`;
    let handover = handovers.get(key);
    if (!handover) {
      handover = { host: send.host, activityId: send.message.body.activityId, activityType: send.activity.type, failures: [], deferred: [], messages: new Set() };
      handovers.set(key, handover);
    }
    handover.messages.add(send.message);
    return handover;
  };
  results.forEach((result, i) => {
    const send = sends[i]!;
    const tally = tallies.get(send.message)!;
    if (!result) {
      tally.deferred++;
      handoverFor(send).deferred.push(send.inbox);
    } else if (classifyStatus(result.status) !== "delivered") {
      tally.failed++;
      handoverFor(send).failures.push({ inbox: send.inbox, status: result.status ?? null, error: result.error ?? "no answer" });
    } else {
      tally.delivered++;
      if (result.scheme === "rfc9421") tally.rfc9421++;
      if (result.scheme === "rfc9421" && !remembered.has(send.host)) learned.rfc9421.add(send.host);
      if (result.scheme === "draft-cavage" && remembered.has(send.host)) learned.draftCavage.add(send.host);
    }
  });

  if (learned.rfc9421.size + learned.draftCavage.size > 0) {
    await rememberSchemes(ctx.db, { rfc9421: [...learned.rfc9421], draftCavage: [...learned.draftCavage] }).catch((error) =>
      ctx.log("deliver.scheme_not_remembered", { error: String(error) }),
    );
  }
  const unhanded = await handOver(ctx, [...handovers.values()]);
  const retried = await requeue(ctx, unhanded);

  const done = new Map<string, number[]>();
  for (const message of toRun) {
    if (retried.has(message)) continue;
    const { activityId, batch } = message.body;
    if (batch !== undefined) done.set(activityId, [...(done.get(activityId) ?? []), batch]);
  }
  for (const [activityId, batches] of done) {
    await markBatchesDone(ctx.db, activityId, batches).catch((error) =>
      ctx.log("deliver.progress_not_recorded", { activityId, batches, error: String(error) }),
    );
  }
  for (const message of toRun) {
    if (retried.has(message)) message.retry({ delaySeconds: REQUEUE_DELAY_S });
    else message.ack();
    const { activityId, batch, inboxes } = message.body;
    ctx.log("deliver.batch", { activityId, batch: batch ?? null, inboxes: inboxes.length, ...tallies.get(message), ms: Date.now() - started });
  }
}

/** Hands each server's failures and unsent inboxes to its Durable Object; returns what it could not. */
async function handOver(ctx: Services, handovers: Handover[]): Promise<Handover[]> {
  const outcomes = await mapLimited(handovers, MAX_CONNECTIONS, async (h) => {
    try {
      const stub = ctx.deliveryHost(h.host);
      if (h.failures.length > 0) await stub.recordFailures(h.host, h.activityId, h.activityType, h.failures);
      if (h.deferred.length > 0) await stub.enqueue(h.host, h.activityId, h.activityType, h.deferred);
      return null;
    } catch (error) {
      ctx.log("deliver.handover_failed", { host: h.host, activityId: h.activityId, error: String(error) });
      return h;
    }
  });
  return outcomes.filter((h): h is Handover => h !== null);
}

/**
 * Sends what no Durable Object took as new messages (without a batch number: their inboxes only).
 * Returns the original messages that must be retried whole because even that failed.
 */
async function requeue(ctx: Services, unhanded: Handover[]): Promise<Set<Message<DeliverJob>>> {
  const retried = new Set<Message<DeliverJob>>();
  for (const h of unhanded) {
    const inboxes = [...h.failures.map((f) => f.inbox), ...h.deferred];
    try {
      await ctx.jobs.send({ kind: "deliver", activityId: h.activityId, inboxes }, { delaySeconds: REQUEUE_DELAY_S });
    } catch (error) {
      ctx.log("deliver.requeue_failed", { host: h.host, activityId: h.activityId, error: String(error) });
      for (const message of h.messages) retried.add(message);
    }
  }
  return retried;
}
