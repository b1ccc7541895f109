// What happened to an activity's deliveries, and which servers are in trouble. Successes are not
// written anywhere, so "delivered" is derived: the targets minus what the servers' Durable Objects
// hold (pending or given up) and minus the servers skipped as unavailable, and it is only stated
// once every deliver message has run; until then the rest is "unconfirmed".
import { and, desc, eq, inArray } from "drizzle-orm";
import { findFanout, hostsWithFailures, listTroubledHosts } from "../db/queries/delivery.ts";
import { activities, statuses } from "../db/schema.ts";
import type { DeliveryRecord } from "../delivery/host-api.ts";
import { MAX_CONNECTIONS } from "../delivery/limits.ts";
import { mapLimited } from "../delivery/post.ts";
import type { Services } from "../services.ts";

const RECENT_PER_HOST = 20;
const HOSTS_LISTED = 100;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function deliveryView(d: DeliveryRecord) {
  return {
    inbox: d.inbox,
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    nextAttemptAt: iso(d.nextAttemptAt),
    waitingBehind: d.waitingBehind,
  };
}

/** The servers with a backlog or marked unavailable, each with its most recent deliveries. */
export async function troubledServers(s: Services) {
  const hosts = await listTroubledHosts(s.db, HOSTS_LISTED);
  const statuses = await mapLimited(hosts, MAX_CONNECTIONS, (h) => s.deliveryHost(h.host).status({ recent: RECENT_PER_HOST }));
  return hosts.map((h, i) => {
    const status = statuses[i]!;
    return {
      host: h.host,
      state: h.state,
      since: iso(h.since),
      pending: status.pending,
      givenUp: status.givenUp,
      failureDays: status.failureDays,
      nextAttemptAt: iso(status.nextAttemptAt),
      recent: status.deliveries.map((d) => ({ activityId: d.activityId, activityType: d.activityType, ...deliveryView(d) })),
    };
  });
}

/** The delivery state of the first of `candidateIds` that is one of our activities; null when none is. */
export async function deliveryReport(s: Services, candidateIds: string[]) {
  const [activity] = await s.db
    .select({ id: activities.id, type: activities.type })
    .from(activities)
    .where(inArray(activities.id, candidateIds))
    .limit(1);
  if (!activity) return null;
  const fanout = await findFanout(s.db, [activity.id]);
  if (!fanout) {
    return {
      activityId: activity.id,
      type: activity.type,
      state: "queued",
      counts: { targets: null, delivered: null, unconfirmed: null, pending: 0, givenUp: 0 },
      batches: { total: null, done: 0 },
      servers: [],
    };
  }
  const hosts = await hostsWithFailures(s.db, activity.id);
  const held = await mapLimited(hosts, MAX_CONNECTIONS, (host) => s.deliveryHost(host).status({ activityId: activity.id }));
  const skipped = JSON.parse(fanout.skipped) as string[];
  const records = held.flatMap((h) => h.deliveries);
  const pending = records.filter((d) => d.state === "pending").length;
  const givenUp = records.length - pending + skipped.length;
  const doneBatches = (JSON.parse(fanout.doneBatches) as number[]).length;
  const settledBatches = fanout.queuedAt !== null && doneBatches >= fanout.batches;
  const accounted = fanout.targets - pending - givenUp;
  const servers = held
    .filter((h) => h.deliveries.length > 0)
    .map((h) => ({ host: h.host, unavailable: h.unavailable, deliveries: h.deliveries.map(deliveryView) }));
  const skippedByHost = new Map<string, string[]>();
  for (const inbox of skipped) {
    const host = new URL(inbox).host;
    skippedByHost.set(host, [...(skippedByHost.get(host) ?? []), inbox]);
  }
  for (const [host, inboxes] of skippedByHost) {
    servers.push({
      host,
      unavailable: true,
      deliveries: inboxes.map((inbox) => ({
        inbox,
        state: "given_up" as const,
        attempts: 0,
        lastStatus: null,
        lastError: "not sent: the server is unavailable (failed on 7 distinct days)",
        nextAttemptAt: null,
        waitingBehind: 0,
      })),
    });
  }
  return {
    activityId: activity.id,
    type: activity.type,
    state: fanout.queuedAt === null ? "fanning out" : !settledBatches ? "sending" : pending > 0 ? "retrying" : "done",
    counts: {
      targets: fanout.targets,
      delivered: settledBatches ? accounted : null,
      unconfirmed: settledBatches ? 0 : accounted,
      pending,
      givenUp,
    },
    batches: { total: fanout.batches, done: doneBatches },
    servers,
  };
}

/**
 * The owner's latest posts and boosts (index rows, newest first), each with its delivery report:
 * what the dashboard lists. One index read, then the same report as /api/roost/deliveries/:id.
 */
export async function recentDeliveries(s: Services, limit: number) {
  const rows = await s.db
    .select({ uri: statuses.uri, visibility: statuses.visibility, published: statuses.published, reblogOf: statuses.reblogOfUri })
    .from(statuses)
    .where(and(eq(statuses.local, true), eq(statuses.actorId, s.urls.actor)))
    .orderBy(desc(statuses.id))
    .limit(limit);
  const reports = await Promise.all(rows.map((r) => deliveryReport(s, [r.uri, `${r.uri}/activity`])));
  return rows.map((r, i) => ({ ...r, published: iso(r.published)!, report: reports[i] ?? null }));
}

/** What a server is named by in the delivery state: its host, with the port when it has one. */
export const HOST_NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

export type RetryResult = { ok: true; requeued: number } | { ok: false; status: 404; error: string };

/**
 * "Retry now": a server's deliveries of one activity, pending or given up (null: everything pending
 * for that server), are due at once; its Durable Object's alarm sends them.
 */
export async function retryDeliveries(s: Services, host: string, activityId: string | null): Promise<RetryResult> {
  const requeued = await s.deliveryHost(host).retryNow(activityId);
  if (requeued === 0) return { ok: false, status: 404, error: activityId ? `${host} holds no delivery of ${activityId}` : `nothing is pending for ${host}` };
  s.log("delivery.retry_now", { host, activityId, requeued });
  return { ok: true, requeued };
}
