// Outbox, followers and following as OrderedCollections paged newest first; featured (at most
// five pins) as one document. Counts come from the trigger-kept counters and pages by keyset
// (`?page=true` or `?page=1` is the first page, `next` carries `?before=<cursor>`), so no request
// runs count(*) or an OFFSET scan: a page reads its 20 rows (+1 to know whether there is a next)
// and the 5 counter rows.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { actorPage, type Cursor, decodeCursor, encodeCursor, featuredNotes, outboxPage, type Page, readCounters } from "../db/queries/public.ts";
import { activityJson, jsonError } from "../http.ts";
import { NOTE_CONTEXT } from "./notes.ts";
import { AS_CONTEXT } from "./vocabulary.ts";

const PAGE_SIZE = 20;

function orderedCollection(id: string, totalItems: number): Record<string, unknown> {
  return {
    "@context": AS_CONTEXT,
    id,
    type: "OrderedCollection",
    totalItems,
    first: totalItems > 0 ? `${id}?page=1` : undefined,
    orderedItems: totalItems > 0 ? undefined : [],
  };
}

function orderedCollectionPage(collectionId: string, self: string, totalItems: number, page: Page<unknown>): Record<string, unknown> {
  return {
    "@context": AS_CONTEXT,
    id: self,
    type: "OrderedCollectionPage",
    partOf: collectionId,
    totalItems,
    next: page.next ? `${collectionId}?before=${encodeURIComponent(encodeCursor(page.next))}` : undefined,
    orderedItems: page.items,
  };
}

/** The first page, a page before a cursor, null for the collection itself, or an error message. */
function pageParam(c: AppContext): { before: Cursor | null; self: string } | null | { error: string } {
  const before = c.req.query("before");
  if (before !== undefined) {
    const cursor = decodeCursor(before);
    return cursor ? { before: cursor, self: `?before=${encodeURIComponent(before)}` } : { error: "before is not a cursor of this collection" };
  }
  const raw = c.req.query("page");
  if (raw === undefined) return null;
  if (raw === "true" || raw === "1") return { before: null, self: "?page=1" };
  if (!/^\d+$/.test(raw) || Number(raw) < 1) return { error: "page must be a positive integer" };
  return { error: "only the first page is numbered: follow its next link" };
}

type Loader = (c: AppContext, before: Cursor | null) => Promise<Page<unknown>>;

function collectionRoute(collectionId: (c: AppContext) => string, counter: "outbox" | "followers" | "following", load: Loader) {
  return async (c: AppContext) => {
    const page = pageParam(c);
    if (page !== null && "error" in page) return jsonError(c, 400, page.error);
    const id = collectionId(c);
    const totalItems = Math.max(0, (await readCounters(c.var.services.db))[counter]);
    if (page === null) return activityJson(c, orderedCollection(id, totalItems));
    return activityJson(c, orderedCollectionPage(id, `${id}${page.self}`, totalItems, await load(c, page.before)));
  };
}

export const collections = new Hono<AppEnv>()
  .get(
    "/users/:username/outbox",
    collectionRoute((c) => c.var.services.urls.outbox, "outbox", (c, before) => outboxPage(c.var.services.db, PAGE_SIZE, before)),
  )
  .get(
    "/users/:username/followers",
    collectionRoute((c) => c.var.services.urls.followers, "followers", (c, before) => actorPage(c.var.services.db, "followers", PAGE_SIZE, before)),
  )
  .get(
    "/users/:username/following",
    collectionRoute((c) => c.var.services.urls.following, "following", (c, before) => actorPage(c.var.services.db, "following", PAGE_SIZE, before)),
  )
  // The pinned posts, embedded (Mastodon's featured collection, which it reads to show a remote
  // profile's pins): at most five, so one document without pages.
  .get("/users/:username/collections/featured", async (c) => {
    const notes = await featuredNotes(c.var.services.db);
    return activityJson(c, { "@context": NOTE_CONTEXT, id: c.var.services.urls.featured, type: "OrderedCollection", totalItems: notes.length, orderedItems: notes });
  });
