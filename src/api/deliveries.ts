// What happened to a post's deliveries: totals from the fan-out row, and per server the state
// its Durable Object holds (pending with attempts and next retry, or given up with the reason).
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { deliveryFailures, deliveryHosts, fanouts } from "../db/schema.ts";
import type { HostStatus } from "../delivery/host.ts";
import { jsonError } from "../http.ts";
import { requireOwner } from "./auth.ts";

function hostStatus(c: AppContext, host: string, activityId?: string): Promise<HostStatus> {
  return c.env.DELIVERY_HOST.get(c.env.DELIVERY_HOST.idFromName(host)).status(activityId);
}

export const deliveries = new Hono<AppEnv>()
  .use(requireOwner)
  .get("/", async (c) => {
    const hosts = await c.var.db.select().from(deliveryHosts).limit(200);
    return c.json({ hosts: await Promise.all(hosts.map(async (h) => ({ ...h, ...(await hostStatus(c, h.host)) }))) });
  })
  .get("/:id{.+}", async (c) => {
    const raw = decodeURIComponent(c.req.param("id"));
    const activityId = /^https?:\/\//.test(raw) ? raw : c.var.urls.object(raw) + "/activity";
    const [fanout] = await c.var.db.select().from(fanouts).where(eq(fanouts.activityId, activityId));
    if (!fanout) return jsonError(c, 404, `no fan-out recorded for ${activityId} (not sent yet, or not ours)`);
    const failures = await c.var.db.select().from(deliveryFailures).where(eq(deliveryFailures.activityId, activityId));
    const hosts = [...new Set(failures.map((f) => f.host))];
    const servers = await Promise.all(hosts.map((host) => hostStatus(c, host, activityId)));
    const rows = servers.flatMap((s) => s.deliveries.map((d) => ({ host: s.host, ...d })));
    const pending = rows.filter((r) => r.state === "pending").length;
    const givenUp = rows.filter((r) => r.state === "given_up").length;
    return c.json({
      activityId,
      counts: { targets: fanout.targets, delivered: fanout.targets - pending - givenUp, pending, givenUp },
      servers: servers.map((s) => ({
        host: s.host,
        unavailable: s.unavailable,
        deliveries: s.deliveries.map((d) => ({
          inbox: d.inbox,
          state: d.state,
          attempts: d.attempts,
          lastStatus: d.lastStatus,
          lastError: d.lastError,
          nextAttemptAt: d.nextAttemptAt ? new Date(d.nextAttemptAt).toISOString() : null,
        })),
      })),
      note: "delivered counts every target not held for retry or given up; deliver batches still in the queue count as delivered until they fail",
    });
  });
