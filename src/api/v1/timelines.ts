// Timelines: home (our posts and boosts, and those of the accounts we follow), public (local = ours,
// remote = everything else stored), a hashtag, a list, and the owner's bookmarks and favourites.
import { cursorOrder, cursorRange, newestFirst } from "../../db/queries/page.ts";
import { and, eq, inArray, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import type { Services } from "../../services.ts";
import { activities, bookmarks, statuses } from "../../db/schema.ts";
import { jsonError } from "../../http.ts";
import type { FilterContext } from "../../domain/filters.ts";
import { findList, inListTimeline, type List, notInExclusiveList } from "../../domain/lists.ts";
import { notMuted } from "../../domain/mutes.ts";
import { boostShown, withHashtag } from "../../domain/statuses.ts";
import { statusList } from "../entities/status.ts";
import { boolParam, readParams } from "../body.ts";
import { bounds, readPage, setLinks } from "../pagination.ts";
import { actsAsOwner, requireScope } from "../scopes.ts";

// What each timeline shows, as SQL on `statuses`: the pages below and the streaming hub
// (src/api/streaming/hub.ts), which sends a new status to the streams whose timeline would show it.
export const homeTimeline = (s: Services): SQL => and(eq(statuses.home, true), notMuted(s, statuses.actorId, "home"), boostShown(), notInExclusiveList())!;
export const publicTimeline = (scope: "all" | "local" | "remote", also?: SQL): SQL =>
  and(eq(statuses.visibility, "public"), scope === "local" ? eq(statuses.local, true) : scope === "remote" ? eq(statuses.local, false) : undefined, also)!;
export const listTimeline = (s: Services, list: List): SQL => and(inListTimeline(s, list), notMuted(s, statuses.actorId, "home"))!;

/** A page of `statuses` rows; `context` is the filter context whose `hide` filters leave statuses out. */
async function timeline(c: AppContext, where: SQL | undefined, context: FilterContext) {
  const page = readPage(c, { default: 20, max: 40 });
  if ("error" in page) return jsonError(c, 400, page.error);
  const s = c.var.services;
  const cursor = bounds(page);
  const rows = await s.db
    .select()
    .from(statuses)
    .where(and(where, cursorRange(statuses.id, cursor)))
    .orderBy(cursorOrder(statuses.id, cursor))
    .limit(page.limit);
  newestFirst(rows, cursor);
  setLinks(c, page, rows.map((r) => r.id));
  return c.json(await statusList(s, rows, { owner: actsAsOwner(c), context }));
}

/** A list ordered by its own row ids (bookmark or like time), not the statuses' ids. */
async function markedList(c: AppContext, kind: "bookmarks" | "favourites") {
  const page = readPage(c, { default: 20, max: 40 });
  if ("error" in page) return jsonError(c, 400, page.error);
  const s = c.var.services;
  const cursor = bounds(page);
  let marks: { cursor: number; uri: string | null }[];
  if (kind === "bookmarks") {
    marks = (
      await s.db
        .select({ cursor: bookmarks.id, uri: bookmarks.statusUri })
        .from(bookmarks)
        .where(cursorRange(bookmarks.id, cursor))
        .orderBy(cursorOrder(bookmarks.id, cursor))
        .limit(page.limit)
    ).map((m) => ({ cursor: m.cursor, uri: m.uri }));
  } else {
    marks = (
      await s.db
        .select({ cursor: activities.published, uri: activities.objectId })
        .from(activities)
        .where(and(eq(activities.type, "Like"), cursorRange(activities.published, cursor)))
        .orderBy(cursorOrder(activities.published, cursor))
        .limit(page.limit)
    ).map((m) => ({ cursor: m.cursor, uri: m.uri }));
  }
  newestFirst(marks, cursor);
  const uris = marks.flatMap((m) => (m.uri ? [m.uri] : []));
  const rows = uris.length ? await s.db.select().from(statuses).where(inArray(statuses.uri, uris)) : [];
  const byUri = new Map(rows.map((r) => [r.uri, r]));
  setLinks(c, page, marks.map((m) => m.cursor));
  return c.json(await statusList(s, uris.flatMap((u) => (byUri.has(u) ? [byUri.get(u)!] : [])), { owner: true }));
}

export const timelines = new Hono<AppEnv>()
  .get("/api/v1/timelines/home", requireScope("read:statuses"), (c) => timeline(c, homeTimeline(c.var.services), "home"))
  .get("/api/v1/timelines/public", async (c) => {
    const params = await readParams(c);
    const p = params.ok ? params.params : {};
    if (boolParam(p, "only_media")) return c.json([]);
    return timeline(c, publicTimeline(boolParam(p, "local") ? "local" : boolParam(p, "remote") ? "remote" : "all"), "public");
  })
  .get("/api/v1/timelines/tag/:tag", async (c) => {
    const tagged = withHashtag(c.var.services, c.req.param("tag"));
    return tagged ? timeline(c, publicTimeline("all", tagged), "public") : c.json([]);
  })
  // Mastodon's filters have no list context: lists are filtered as home.
  .get("/api/v1/timelines/list/:id{\\d{1,16}}", requireScope("read:lists"), async (c) => {
    const s = c.var.services;
    const list = await findList(s, Number(c.req.param("id")));
    if (!list) return jsonError(c, 404, "Record not found");
    return timeline(c, listTimeline(s, list), "home");
  })
  .get("/api/v1/bookmarks", requireScope("read:bookmarks"), (c) => markedList(c, "bookmarks"))
  .get("/api/v1/favourites", requireScope("read:favourites"), (c) => markedList(c, "favourites"));

