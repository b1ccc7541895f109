// What happened to an activity's deliveries, and which servers are in trouble. Successes are not
// written anywhere, so "delivered" is derived: the targets minus what the servers' Durable Objects
// hold (pending or given up) and minus the servers skipped as unavailable, and it is only stated
// once every deliver message has run; until then the rest is "unconfirmed".
import { inArray } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { findFanout, hostsWithFailures, listTroubledHosts } from "../db/queries/delivery.ts";
import { activities } from "../db/schema.ts";
import { type DeliveryRecord, hostStub } from "../delivery/host.ts";
import { MAX_CONNECTIONS } from "../delivery/limits.ts";
import { mapLimited } from "../delivery/post.ts";
import { jsonError } from "../http.ts";
import { requireOwner } from "./auth.ts";

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

/** The activity ids an owner may mean: the full id, or the local id of an activity or of a post. */
function candidates(c: AppContext, raw: string): string[] | null {
  if (/^https?:\/\//.test(raw)) return [raw];
  if (/^[0-9a-z]{1,64}$/i.test(raw)) return [c.var.urls.activity(raw), `${c.var.urls.object(raw)}/activity`];
  return null;
}

export const deliveries = new Hono<AppEnv>()
  .use(requireOwner)
  .get("/", async (c) => {
    const hosts = await listTroubledHosts(c.var.db, HOSTS_LISTED);
    const statuses = await mapLimited(hosts, MAX_CONNECTIONS, (h) => hostStub(c.env, h.host).status({ recent: RECENT_PER_HOST }));
    return c.json({
      hosts: hosts.map((h, i) => {
        const s = statuses[i]!;
        return {
          host: h.host,
          state: h.state,
          since: iso(h.since),
          pending: s.pending,
          givenUp: s.givenUp,
          failureDays: s.failureDays,
          nextAttemptAt: iso(s.nextAttemptAt),
          recent: s.deliveries.map((d) => ({ activityId: d.activityId, activityType: d.activityType, ...deliveryView(d) })),
        };
      }),
    });
  })
  .get("/:id{.+}", async (c) => {
    const ids = candidates(c, c.req.param("id"));
    if (!ids) return jsonError(c, 400, "give the activity id (URL-encoded) or the local id of the activity or its post");
    const [activity] = await c.var.db
      .select({ id: activities.id, type: activities.type })
      .from(activities)
      .where(inArray(activities.id, ids))
      .limit(1);
    if (!activity) return jsonError(c, 404, "no such activity of ours");
    const fanout = await findFanout(c.var.db, [activity.id]);
    if (!fanout) {
      return c.json({
        activityId: activity.id,
        type: activity.type,
        state: "queued",
        counts: { targets: null, delivered: null, unconfirmed: null, pending: 0, givenUp: 0 },
        batches: { total: null, done: 0 },
        servers: [],
      });
    }
    const hosts = await hostsWithFailures(c.var.db, activity.id);
    const held = await mapLimited(hosts, MAX_CONNECTIONS, (host) => hostStub(c.env, host).status({ activityId: activity.id }));
    const skipped = JSON.parse(fanout.skipped) as string[];
    const records = held.flatMap((s) => s.deliveries);
    const pending = records.filter((d) => d.state === "pending").length;
    const givenUp = records.length - pending + skipped.length;
    const doneBatches = (JSON.parse(fanout.doneBatches) as number[]).length;
    const settledBatches = fanout.queuedAt !== null && doneBatches >= fanout.batches;
    const accounted = fanout.targets - pending - givenUp;
    const servers = held
      .filter((s) => s.deliveries.length > 0)
      .map((s) => ({ host: s.host, unavailable: s.unavailable, deliveries: s.deliveries.map(deliveryView) }));
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
    return c.json({
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
    });
  });
