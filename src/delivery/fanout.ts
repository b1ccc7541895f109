// Fan-out: one stored activity → its distinct target inboxes → deliver jobs of BATCH_SIZE
// inboxes. Followers come from delivery_targets (one row per server, kept by triggers), never
// from scanning every follower.
import { eq, inArray } from "drizzle-orm";
import type { Env } from "../config.ts";
import { activities, deliveryHosts, deliveryTargets, fanouts } from "../db/schema.ts";
import { getRemoteActor } from "../federation/remote-actors.ts";
import { PUBLIC_COLLECTION, isPublic } from "../federation/normalize.ts";
import { type DeliveryContext, deliveryContext } from "./context.ts";
import type { Job } from "./jobs.ts";

/**
 * Inboxes per deliver message. 50 keeps a 2,000-server post at 40 messages (≤125 queue
 * operations) and one invocation at ~40 ms of signing. On the Workers Free plan (10 ms CPU per
 * invocation) use 8: each RSA signature costs ~0.75 ms.
 */
export const BATCH_SIZE = 50;

// Activities about a relationship go to the personal inbox, as Mastodon sends them.
const PERSONAL_INBOX_TYPES = new Set(["Follow", "Accept", "Reject", "Undo", "Block", "Move"]);

function addressees(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const field of ["to", "cc", "bto", "bcc", "audience"]) {
    const value = doc[field];
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === "string") out.push(v);
  }
  return out;
}

export async function targetInboxes(ctx: DeliveryContext, doc: Record<string, unknown>): Promise<string[]> {
  const inboxes = new Set<string>();
  const recipients = addressees(doc);
  if (recipients.includes(ctx.urls.followers)) {
    for (const row of await ctx.db.select({ inbox: deliveryTargets.inbox }).from(deliveryTargets)) inboxes.add(row.inbox);
  }
  const personal = PERSONAL_INBOX_TYPES.has(String(doc.type));
  const actors = recipients.filter(
    (r) => !isPublic(r) && r !== PUBLIC_COLLECTION && r !== ctx.urls.followers && r !== ctx.urls.actor && !r.startsWith(`${ctx.config.origin}/`),
  );
  for (const actorId of new Set(actors)) {
    const actor = await getRemoteActor(ctx.db, ctx.fetch, actorId);
    if (!actor.ok) {
      console.log(JSON.stringify({ event: "fanout.unresolvable", actor: actorId, reason: actor.reason }));
      continue;
    }
    inboxes.add(personal ? actor.value.inbox : (actor.value.sharedInbox ?? actor.value.inbox));
  }
  return [...inboxes];
}

export async function runFanout(job: Extract<Job, { kind: "fanout" }>, env: Env): Promise<void> {
  const ctx = await deliveryContext(env);
  const [row] = await ctx.db.select().from(activities).where(eq(activities.id, job.activityId)).limit(1);
  if (!row) {
    console.log(JSON.stringify({ event: "fanout.missing_activity", activityId: job.activityId }));
    return;
  }
  // A redelivered fanout job must not send the post twice: the fanouts row marks it done.
  const [done] = await ctx.db.select({ id: fanouts.activityId }).from(fanouts).where(eq(fanouts.activityId, row.id)).limit(1);
  if (done) {
    console.log(JSON.stringify({ event: "fanout.duplicate", activityId: row.id }));
    return;
  }
  const doc = JSON.parse(row.document) as Record<string, unknown>;
  const inboxes = await targetInboxes(ctx, doc);
  const hosts = [...new Set(inboxes.map((i) => new URL(i).host))];
  const troubled = new Map<string, string>();
  for (let i = 0; i < hosts.length; i += 90) {
    const rows = await ctx.db.select().from(deliveryHosts).where(inArray(deliveryHosts.host, hosts.slice(i, i + 90)));
    for (const h of rows) troubled.set(h.host, h.state);
  }
  const direct: string[] = [];
  const behindBacklog = new Map<string, string[]>();
  for (const inbox of inboxes) {
    const host = new URL(inbox).host;
    const state = troubled.get(host);
    // Mastodon still sends Follows to unavailable servers (bypass_availability).
    if (state === "unavailable" && row.type !== "Follow") continue;
    if (state) behindBacklog.set(host, [...(behindBacklog.get(host) ?? []), inbox]);
    else direct.push(inbox);
  }
  const batches: Job[] = [];
  for (let i = 0; i < direct.length; i += BATCH_SIZE) {
    batches.push({ kind: "deliver", activityId: row.id, inboxes: direct.slice(i, i + BATCH_SIZE) });
  }
  for (let i = 0; i < batches.length; i += 100) await env.QUEUE.sendBatch(batches.slice(i, i + 100).map((body) => ({ body })));
  for (const [host, hostInboxes] of behindBacklog) {
    await env.DELIVERY_HOST.get(env.DELIVERY_HOST.idFromName(host)).enqueue(host, row.id, hostInboxes);
  }
  // Written last: a crash before this line resends (receivers dedupe by id) rather than loses.
  await ctx.db
    .insert(fanouts)
    .values({ activityId: row.id, targets: inboxes.length, batches: batches.length })
    .onConflictDoNothing();
  console.log(
    JSON.stringify({ event: "fanout.done", activityId: row.id, targets: inboxes.length, batches: batches.length, queuedBehindBacklog: behindBacklog.size }),
  );
}
