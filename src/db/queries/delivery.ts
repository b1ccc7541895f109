// The D1 side of delivery. Successes write nothing here: a post writes its fanouts row and one
// done-batches update per consumer invocation; each failing inbox writes one delivery_failures row.
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { activities, deliveryFailures, deliveryHosts, deliveryTargets, fanouts, followers, signatureSchemes } from "../schema.ts";

export type HostState = "backlog" | "unavailable";

/** Values per `IN (…)` list: D1 binds at most 100 parameters per statement. */
const D1_MAX_PARAMS = 90;

function chunks<T>(items: T[], size = D1_MAX_PARAMS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Distinct inboxes of accepted followers, one row per server (kept by triggers), in a stable order. */
export async function followerInboxes(db: Database): Promise<string[]> {
  const rows = await db.select({ inbox: deliveryTargets.inbox }).from(deliveryTargets).orderBy(asc(deliveryTargets.inbox));
  return rows.map((r) => r.inbox);
}

/** Every server with a backlog or marked unavailable: a short list, read once per fan-out. */
export async function troubledHosts(db: Database): Promise<Map<string, HostState>> {
  const rows = await db.select({ host: deliveryHosts.host, state: deliveryHosts.state }).from(deliveryHosts);
  return new Map(rows.map((r) => [r.host, r.state]));
}

/** One host's state as a query, for callers that send it in one batch with their own statements. */
export function hostStateQuery(db: Database, host: string) {
  return db.select({ state: deliveryHosts.state }).from(deliveryHosts).where(eq(deliveryHosts.host, host)).limit(1);
}

export async function hostState(db: Database, host: string): Promise<HostState | null> {
  const [row] = await hostStateQuery(db, host);
  return row?.state ?? null;
}

/** What one send to a host needs to know: its state and whether it takes RFC 9421 first; one round trip. */
export async function hostDelivery(db: Database, host: string): Promise<{ state: HostState | null; rfc9421: boolean }> {
  const [[row], schemes] = await db.batch([
    hostStateQuery(db, host),
    db.select({ host: signatureSchemes.host }).from(signatureSchemes).where(eq(signatureSchemes.host, host)).limit(1),
  ]);
  return { state: row?.state ?? null, rfc9421: schemes.length > 0 };
}

export async function listTroubledHosts(db: Database, limit: number) {
  return db.select().from(deliveryHosts).orderBy(asc(deliveryHosts.since)).limit(limit);
}

/** Written only by the host's Durable Object; null removes the row. */
export async function publishHostState(db: Database, host: string, state: HostState | null, since: number): Promise<void> {
  if (state) {
    await db.insert(deliveryHosts).values({ host, state, since }).onConflictDoUpdate({ target: deliveryHosts.host, set: { state, since } });
  } else {
    await db.delete(deliveryHosts).where(eq(deliveryHosts.host, host));
  }
}

export type FanoutRow = typeof fanouts.$inferSelect;

export async function findFanout(db: Database, activityIds: string[]): Promise<FanoutRow | null> {
  if (activityIds.length === 0) return null;
  const [row] = await db.select().from(fanouts).where(inArray(fanouts.activityId, activityIds)).limit(1);
  return row ?? null;
}

/** Before the deliver messages go out, so they find the row; a rerun overwrites it. */
export async function recordFanout(
  db: Database,
  row: { activityId: string; targets: number; batches: number; skipped: string[] },
): Promise<void> {
  const values = { targets: row.targets, batches: row.batches, skipped: JSON.stringify(row.skipped) };
  await db
    .insert(fanouts)
    .values({ activityId: row.activityId, ...values })
    .onConflictDoUpdate({ target: fanouts.activityId, set: values });
}

/** An activity sent to its one inbox by the invocation that made it: one target, one batch, done. */
export async function recordImmediateFanout(db: Database, activityId: string, now: number): Promise<void> {
  const values = { targets: 1, batches: 1, skipped: "[]", doneBatches: "[0]", queuedAt: now };
  await db.insert(fanouts).values({ activityId, ...values }).onConflictDoUpdate({ target: fanouts.activityId, set: values });
}

export async function markFanoutQueued(db: Database, activityId: string, now: number): Promise<void> {
  await db.update(fanouts).set({ queuedAt: now }).where(eq(fanouts.activityId, activityId));
}

export interface ActivityToDeliver {
  type: string;
  document: string;
  doneBatches: Set<number>;
}

/** The stored activities with the batches already run, one query per invocation. */
export async function activitiesToDeliver(db: Database, activityIds: string[]): Promise<Map<string, ActivityToDeliver>> {
  const out = new Map<string, ActivityToDeliver>();
  for (const ids of chunks(activityIds)) {
    const rows = await db
      .select({ id: activities.id, type: activities.type, document: activities.document, doneBatches: fanouts.doneBatches })
      .from(activities)
      .leftJoin(fanouts, eq(fanouts.activityId, activities.id))
      .where(inArray(activities.id, ids));
    for (const r of rows) {
      out.set(r.id, { type: r.type, document: r.document, doneBatches: new Set(JSON.parse(r.doneBatches ?? "[]") as number[]) });
    }
  }
  return out;
}

/**
 * Adds batch numbers to the done set in one statement, so concurrent invocations never lose one.
 * The stored list is a JSON array of integers as this writes it (no spaces): a batch is in it when
 * ",n," occurs in ",<list without brackets>,", and the new ones are appended to its text. So the
 * statement reads the fanouts row and the few new numbers, never the list's elements: rows read
 * stay the same for the 334th batch of a post as for the first (expanding the stored list with
 * json_each read 2 rows per batch already done, quadratic in a post's batches). A batch already in
 * the list (a redelivered message) writes nothing.
 */
export async function markBatchesDone(db: Database, activityId: string, batches: number[]): Promise<void> {
  const fresh = [...new Set(batches.filter((b) => Number.isSafeInteger(b) && b >= 0))];
  if (fresh.length === 0) return;
  const list = sql`"fanouts"."done_batches"`;
  const absent = sql`instr(',' || substr(${list}, 2, length(${list}) - 2) || ',', ',' || "value" || ',') = 0`;
  const added = sql`(select group_concat("value") from json_each(${JSON.stringify(fresh)}) where ${absent})`;
  await db
    .update(fanouts)
    .set({ doneBatches: sql`case when ${list} = '[]' then '[' || ${added} || ']' else substr(${list}, 1, length(${list}) - 1) || ',' || ${added} || ']' end` })
    .where(and(eq(fanouts.activityId, activityId), sql`exists (select 1 from json_each(${JSON.stringify(fresh)}) where ${absent})`));
}

export async function rfc9421Hosts(db: Database, hosts: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks(hosts)) {
    const rows = await db.select({ host: signatureSchemes.host }).from(signatureSchemes).where(inArray(signatureSchemes.host, part));
    for (const r of rows) found.add(r.host);
  }
  return found;
}

/** Remembers which hosts took the RFC 9421 second knock, and forgets hosts that went back to draft-cavage. */
export async function rememberSchemes(db: Database, change: { rfc9421: string[]; draftCavage: string[] }): Promise<void> {
  for (const part of chunks(change.rfc9421)) {
    await db.insert(signatureSchemes).values(part.map((host) => ({ host, scheme: "rfc9421" as const }))).onConflictDoNothing();
  }
  for (const part of chunks(change.draftCavage)) await db.delete(signatureSchemes).where(inArray(signatureSchemes.host, part));
}

/** One host's scheme, learned from the answer to one delivery. */
export function rememberScheme(db: Database, host: string, scheme: "rfc9421" | "draft-cavage"): Promise<void> {
  return rememberSchemes(db, scheme === "rfc9421" ? { rfc9421: [host], draftCavage: [] } : { rfc9421: [], draftCavage: [host] });
}

/** One row per inbox a Durable Object holds for this activity: where the delivery report (GET /api/roost/deliveries) looks. */
export async function recordDeliveryFailures(db: Database, activityId: string, host: string, inboxes: string[]): Promise<void> {
  for (const part of chunks(inboxes, 30)) {
    await db.insert(deliveryFailures).values(part.map((inbox) => ({ activityId, inbox, host }))).onConflictDoNothing();
  }
}

export async function forgetDeliveryFailure(db: Database, activityId: string, inbox: string): Promise<void> {
  await db.delete(deliveryFailures).where(and(eq(deliveryFailures.activityId, activityId), eq(deliveryFailures.inbox, inbox)));
}

export async function hostsWithFailures(db: Database, activityId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ host: deliveryFailures.host }).from(deliveryFailures).where(eq(deliveryFailures.activityId, activityId));
  return rows.map((r) => r.host);
}

/** A 410 from a personal inbox: that account is gone, and so is its follow. */
export async function removeFollowersAt(db: Database, inbox: string): Promise<number> {
  const removed = await db.delete(followers).where(eq(followers.inbox, inbox)).returning({ actorId: followers.actorId });
  return removed.length;
}
