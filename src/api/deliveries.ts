// The owner's view of deliveries: which servers are in trouble, and what became of one activity.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { deliveryReport, troubledServers } from "../domain/deliveries.ts";
import { httpIri } from "../federation/normalize.ts";
import { jsonError } from "../http.ts";

/** The activity ids an owner may mean: the full id or a post's URL (its Create), or the local id of an activity or of a post. */
function candidates(c: AppContext, raw: string): string[] | null {
  const { urls } = c.var.services;
  if (httpIri(raw)) return [raw, `${raw}/activity`];
  if (/^[0-9a-z]{1,64}$/i.test(raw)) return [urls.activity(raw), `${urls.object(raw)}/activity`];
  return null;
}

export const deliveries = new Hono<AppEnv>()
  .get("/", async (c) => c.json({ hosts: await troubledServers(c.var.services) }))
  .get("/:id{.+}", async (c) => {
    const ids = candidates(c, c.req.param("id"));
    if (!ids) return jsonError(c, 400, "give the activity id (URL-encoded) or the local id of the activity or its post");
    const report = await deliveryReport(c.var.services, ids);
    return report ? c.json(report) : jsonError(c, 404, "no such activity of ours");
  });
