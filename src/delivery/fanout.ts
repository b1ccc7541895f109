// Fan-out: one stored activity → its distinct target inboxes → deliver messages of the plan's
// batchSize inboxes. Followers come from delivery_targets (one row per server, kept by triggers), never from
// the follower rows. Servers with a backlog get their deliveries through their Durable Object, so
// nothing overtakes what is already waiting there; unavailable servers are skipped.
import { eq } from "drizzle-orm";
import { findFanout, followerInboxes, type HostState, markFanoutQueued, recordFanout, troubledHosts } from "../db/queries/delivery.ts";
import { activities } from "../db/schema.ts";
import { isPublic } from "../federation/normalize.ts";
import { getRemoteActor } from "../federation/remote-actors.ts";
import type { Services } from "../services.ts";
import type { Job } from "./jobs.ts";
import { limitsFor, MAX_CONNECTIONS } from "./limits.ts";
import { mapLimited } from "./post.ts";

// Activities about one account go to that account's own inbox, as Mastodon sends them.
const PERSONAL_INBOX_TYPES = new Set(["Follow", "Accept", "Reject", "Undo", "Block", "Move", "Like", "EmojiReact", "Flag"]);

// Mastodon still sends Follows to unavailable servers (DeliveryWorker's bypass_availability).
const SENT_TO_UNAVAILABLE = new Set(["Follow"]);

// Queues' sendBatch takes at most 100 messages.
const SEND_BATCH_MAX = 100;

function addressees(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const field of ["to", "cc", "bto", "bcc", "audience"]) {
    const value = doc[field];
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === "string") out.push(v);
  }
  return out;
}

/** The distinct inboxes an activity goes to, from its addressing. */
export async function targetInboxes(ctx: Services, doc: Record<string, unknown>): Promise<string[]> {
  const inboxes = new Set<string>();
  const recipients = addressees(doc);
  if (recipients.includes(ctx.urls.followers)) for (const inbox of await followerInboxes(ctx.db)) inboxes.add(inbox);
  const actors = [...new Set(recipients.filter((r) => !isPublic(r) && !ctx.urls.isLocal(r)))];
  const personal = PERSONAL_INBOX_TYPES.has(String(doc.type));
  const resolved = await mapLimited(actors, MAX_CONNECTIONS, (actorId) => getRemoteActor(ctx.db, ctx.fetcher, actorId));
  resolved.forEach((actor, i) => {
    if (!actor.ok) {
      ctx.log("fanout.unresolvable", { actor: actors[i], reason: actor.reason });
      return;
    }
    inboxes.add(personal ? actor.value.inbox : (actor.value.sharedInbox ?? actor.value.inbox));
  });
  return [...inboxes];
}

export interface FanoutPlan {
  /** Sent now, in deliver messages. */
  direct: string[];
  /** Per host with a backlog: handed to its Durable Object, to go after what waits there. */
  behindBacklog: Map<string, string[]>;
  /** On unavailable servers: not sent. */
  skipped: string[];
}

export function planFanout(inboxes: string[], troubled: Map<string, HostState>, activityType: string): FanoutPlan {
  const plan: FanoutPlan = { direct: [], behindBacklog: new Map(), skipped: [] };
  // No server in trouble (the usual case): no URL is parsed, which is most of a large fan-out's CPU.
  if (troubled.size === 0) return { ...plan, direct: [...inboxes] };
  for (const inbox of inboxes) {
    const host = new URL(inbox).host;
    const state = troubled.get(host);
    if (state === "unavailable" && !SENT_TO_UNAVAILABLE.has(activityType)) plan.skipped.push(inbox);
    else if (state) plan.behindBacklog.set(host, [...(plan.behindBacklog.get(host) ?? []), inbox]);
    else plan.direct.push(inbox);
  }
  return plan;
}

export async function runFanout(job: Extract<Job, { kind: "fanout" }>, ctx: Services): Promise<void> {
  const [row] = await ctx.db.select().from(activities).where(eq(activities.id, job.activityId)).limit(1);
  if (!row) {
    ctx.log("fanout.missing_activity", { activityId: job.activityId });
    return;
  }
  const progress = await findFanout(ctx.db, [row.id]);
  if (progress?.queuedAt != null) {
    ctx.log("fanout.duplicate", { activityId: row.id });
    return;
  }
  const inboxes = await targetInboxes(ctx, JSON.parse(row.document) as Record<string, unknown>);
  const plan = planFanout(inboxes, await troubledHosts(ctx.db), row.type);
  const messages: Job[] = [];
  const { batchSize, senderAboveBatches, senderShards } = limitsFor(ctx.config.plan);
  for (let i = 0; i < plan.direct.length; i += batchSize) {
    messages.push({ kind: "deliver", activityId: row.id, inboxes: plan.direct.slice(i, i + batchSize), batch: messages.length });
  }
  // Recorded first, so deliver messages find it; an interrupted fan-out is run again whole (batch
  // numbers are stable because targets come in a stable order), and already done batches are skipped.
  await recordFanout(ctx.db, { activityId: row.id, targets: inboxes.length, batches: messages.length, skipped: plan.skipped });
  await mapLimited([...plan.behindBacklog], MAX_CONNECTIONS, ([host, hostInboxes]) =>
    ctx.deliveryHost(host).enqueue(host, row.id, row.type, hostInboxes),
  );
  const bySender = messages.length > senderAboveBatches && senderShards > 0;
  if (bySender) {
    // Free plan: the batches go to FanoutSender objects, sent one per alarm (src/delivery/sender.ts).
    const shards = Array.from({ length: Math.min(senderShards, messages.length) }, () => [] as { batch: number; inboxes: string[] }[]);
    messages.forEach((m, i) => {
      if (m.kind === "deliver") shards[i % shards.length]!.push({ batch: m.batch!, inboxes: m.inboxes });
    });
    await mapLimited(shards, MAX_CONNECTIONS, (batches, k) => ctx.fanoutSender(`${row.id} ${k}`).add(row.id, batches));
  } else {
    for (let i = 0; i < messages.length; i += SEND_BATCH_MAX) {
      await ctx.jobs.sendBatch(messages.slice(i, i + SEND_BATCH_MAX).map((body) => ({ body })));
    }
  }
  await markFanoutQueued(ctx.db, row.id, ctx.now());
  ctx.log("fanout.done", {
    activityId: row.id,
    type: row.type,
    targets: inboxes.length,
    batches: messages.length,
    sentBy: bySender ? "alarms" : "queue",
    behindBacklog: inboxes.length - plan.direct.length - plan.skipped.length,
    skippedUnavailable: plan.skipped.length,
    resumed: progress !== null,
  });
}
