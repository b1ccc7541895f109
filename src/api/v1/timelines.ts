// Timelines: home (our posts and boosts, and those of the accounts we follow), public (local = ours,
// remote = everything else stored), a hashtag, and the owner's bookmarks and favourites.
import { and, desc, eq, gt, inArray, lt, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { activities, bookmarks, statuses } from "../../db/schema.ts";
import { jsonError } from "../../http.ts";
import { notMuted } from "../../domain/mutes.ts";
import { boostShown, withHashtag } from "../../domain/statuses.ts";
import { statusList } from "../entities/status.ts";
import { boolParam, readParams } from "../body.ts";
import { bounds, readPage, setLinks } from "../pagination.ts";
import { requireScope } from "../scopes.ts";

async function timeline(c: AppContext, where: SQL | undefined) {
  const page = readPage(c, { default: 20, max: 40 });
  if ("error" in page) return jsonError(c, 400, page.error);
  const s = c.var.services;
  const { lower, upper, ascending } = bounds(page);
  const rows = await s.db
    .select()
    .from(statuses)
    .where(and(where, lower !== null ? gt(statuses.id, lower) : undefined, upper !== null ? lt(statuses.id, upper) : undefined))
    .orderBy(ascending ? statuses.id : desc(statuses.id))
    .limit(page.limit);
  if (ascending) rows.reverse();
  setLinks(c, page, rows.map((r) => r.id));
  return c.json(await statusList(s, rows));
}

/** A list ordered by its own row ids (bookmark or like time), not the statuses' ids. */
async function markedList(c: AppContext, kind: "bookmarks" | "favourites") {
  const page = readPage(c, { default: 20, max: 40 });
  if ("error" in page) return jsonError(c, 400, page.error);
  const s = c.var.services;
  const { lower, upper, ascending } = bounds(page);
  let marks: { cursor: number; uri: string | null }[];
  if (kind === "bookmarks") {
    marks = (
      await s.db
        .select({ cursor: bookmarks.id, uri: bookmarks.statusUri })
        .from(bookmarks)
        .where(and(lower !== null ? gt(bookmarks.id, lower) : undefined, upper !== null ? lt(bookmarks.id, upper) : undefined))
        .orderBy(ascending ? bookmarks.id : desc(bookmarks.id))
        .limit(page.limit)
    ).map((m) => ({ cursor: m.cursor, uri: m.uri }));
  } else {
    marks = (
      await s.db
        .select({ cursor: activities.published, uri: activities.objectId })
        .from(activities)
        .where(and(eq(activities.type, "Like"), lower !== null ? gt(activities.published, lower) : undefined, upper !== null ? lt(activities.published, upper) : undefined))
        .orderBy(ascending ? activities.published : desc(activities.published))
        .limit(page.limit)
    ).map((m) => ({ cursor: m.cursor, uri: m.uri }));
  }
  if (ascending) marks.reverse();
  const uris = marks.flatMap((m) => (m.uri ? [m.uri] : []));
  const rows = uris.length ? await s.db.select().from(statuses).where(inArray(statuses.uri, uris)) : [];
  const byUri = new Map(rows.map((r) => [r.uri, r]));
  setLinks(c, page, marks.map((m) => m.cursor));
  return c.json(await statusList(s, uris.flatMap((u) => (byUri.has(u) ? [byUri.get(u)!] : []))));
}

export const timelines = new Hono<AppEnv>()
  .get("/api/v1/timelines/home", requireScope("read:statuses"), (c) => timeline(c, and(eq(statuses.home, true), notMuted(c.var.services, statuses.actorId, "home"), boostShown())))
  .get("/api/v1/timelines/public", async (c) => {
    const params = await readParams(c);
    const p = params.ok ? params.params : {};
    if (boolParam(p, "only_media")) return c.json([]);
    const where = boolParam(p, "local") ? eq(statuses.local, true) : boolParam(p, "remote") ? eq(statuses.local, false) : undefined;
    return timeline(c, and(eq(statuses.visibility, "public"), where));
  })
  .get("/api/v1/timelines/tag/:tag", async (c) => {
    const tagged = withHashtag(c.var.services, c.req.param("tag"));
    return tagged ? timeline(c, and(eq(statuses.visibility, "public"), tagged)) : c.json([]);
  })
  .get("/api/v1/timelines/list/:id", (c) => c.json([]))
  .get("/api/v1/bookmarks", requireScope("read:bookmarks"), (c) => markedList(c, "bookmarks"))
  .get("/api/v1/favourites", requireScope("read:favourites"), (c) => markedList(c, "favourites"));

