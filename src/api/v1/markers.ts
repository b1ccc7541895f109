// /api/v1/markers: the read positions of home and notifications (Elk, Ice Cubes and Mastodon.py
// keep unread state with them). Bodies come as Rails form keys (`home[last_read_id]=…`) or JSON,
// where Mastodon.py sends the id as a number.
import { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { type Marker, MARKER_TIMELINES, type MarkerTimeline, readMarkers, saveMarkers } from "../../domain/markers.ts";
import { jsonError } from "../../http.ts";
import { type Json, listParam, readParams, stringParam } from "../body.ts";
import { requireScope } from "../scopes.ts";

const isTimeline = (name: string): name is MarkerTimeline => (MARKER_TIMELINES as readonly string[]).includes(name);

/** Mastodon's map of timeline → {last_read_id, version, updated_at}, ids as strings. */
function markerMap(rows: Marker[]) {
  return Object.fromEntries(
    rows.map((m) => [m.timeline, { last_read_id: String(m.lastReadId), version: m.version, updated_at: new Date(m.updatedAt).toISOString() }]),
  );
}

export const markerRoutes = new Hono<AppEnv>()
  .get("/api/v1/markers", requireScope("read:statuses"), async (c) => {
    const params = await readParams(c);
    const asked = params.ok ? listParam(params.params, "timeline").filter(isTimeline) : [];
    return c.json(markerMap(await readMarkers(c.var.services, [...new Set(asked)])));
  })
  .post("/api/v1/markers", requireScope("write:statuses"), async (c) => {
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const positions: { timeline: MarkerTimeline; lastReadId: number }[] = [];
    // Timelines other than these two, and ones sent without an object, are ignored (Rails' permit).
    for (const timeline of MARKER_TIMELINES) {
      const value = body.params[timeline];
      if (!value || typeof value !== "object" || Array.isArray(value)) continue;
      const raw = stringParam(value as Json, "last_read_id");
      if (raw === undefined) continue;
      if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) return jsonError(c, 422, `Validation failed: ${timeline}[last_read_id] must be an id`);
      positions.push({ timeline, lastReadId: Number(raw) });
    }
    return c.json(markerMap(positions.length ? await saveMarkers(c.var.services, positions) : []));
  });
