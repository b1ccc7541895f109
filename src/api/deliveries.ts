// The owner's view of deliveries: which servers are in trouble, and what became of one activity.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { deliveryReport, HOST_NAME, retryDeliveries, troubledServers } from "../domain/deliveries.ts";
import { httpIri } from "../federation/normalize.ts";
import { jsonError } from "../http.ts";
import { readParams, stringParam } from "./body.ts";

/** The activity ids an owner may mean: the full id or a post's URL (its Create), or the local id of an activity or of a post. */
function candidates(c: AppContext, raw: string): string[] | null {
  const { urls } = c.var.services;
  if (httpIri(raw)) return [raw, `${raw}/activity`];
  if (/^[0-9a-z]{1,64}$/i.test(raw)) return [urls.activity(raw), `${urls.object(raw)}/activity`];
  return null;
}

export const deliveries = new Hono<AppEnv>()
  .get("/", async (c) => c.json({ hosts: await troubledServers(c.var.services) }))
  // Retry now: {host, activity?}: that server's deliveries of the activity (exact id), or all of them.
  .post("/retry", async (c) => {
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 400, body.error);
    const host = stringParam(body.params, "host")?.trim().toLowerCase() ?? "";
    const activity = stringParam(body.params, "activity")?.trim() || null;
    if (!HOST_NAME.test(host)) return jsonError(c, 400, "host is required: the server's host name (and port)");
    if (activity !== null && !httpIri(activity)) return jsonError(c, 400, "activity must be the activity's id");
    const result = await retryDeliveries(c.var.services, host, activity);
    return result.ok ? c.json({ host, activity, requeued: result.requeued }) : jsonError(c, result.status, result.error);
  })
  .get("/:id{.+}", async (c) => {
    const ids = candidates(c, c.req.param("id"));
    if (!ids) return jsonError(c, 400, "give the activity id (URL-encoded) or the local id of the activity or its post");
    const report = await deliveryReport(c.var.services, ids);
    return report ? c.json(report) : jsonError(c, 404, "no such activity of ours");
  });
