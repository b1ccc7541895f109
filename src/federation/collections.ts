// Outbox, followers and following as OrderedCollections paged newest first; a Note's replies as a
// Collection, ours first; featured (at most five pins) as one document. Counts come from the
// trigger-kept counters (and reply_counts) and pages by keyset (`?page=true` or `?page=1` is the
// first page, `next` carries `?before=<cursor>`), so no request runs count(*) or an OFFSET scan:
// a page reads its 20 rows (+1 to know whether there is a next) and the counter rows.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { servedObject } from "../db/queries/objects.ts";
import { actorPage, type Cursor, decodeCursor, encodeCursor, featuredNotes, outboxPage, type Page, readCounters } from "../db/queries/public.ts";
import { repliesPage, replyCount } from "../db/queries/replies.ts";
import { activityJson, jsonError } from "../http.ts";
import { NOTE_CONTEXT } from "./notes.ts";
import { AS_CONTEXT } from "./vocabulary.ts";

const PAGE_SIZE = 20;

/** Ordered (outbox, followers) or not (replies, as Mastodon serves them: Collection and `items`). */
interface Shape {
  ordered: boolean;
}

function collection(id: string, totalItems: number, { ordered }: Shape): Record<string, unknown> {
  return {
    "@context": AS_CONTEXT,
    id,
    type: ordered ? "OrderedCollection" : "Collection",
    totalItems,
    first: totalItems > 0 ? `${id}?page=1` : undefined,
    [ordered ? "orderedItems" : "items"]: totalItems > 0 ? undefined : [],
  };
}

function collectionPage(collectionId: string, self: string, totalItems: number, page: Page<unknown>, { ordered }: Shape): Record<string, unknown> {
  return {
    "@context": AS_CONTEXT,
    id: self,
    type: ordered ? "OrderedCollectionPage" : "CollectionPage",
    partOf: collectionId,
    totalItems,
    next: page.next ? `${collectionId}?before=${encodeURIComponent(encodeCursor(page.next))}` : undefined,
    [ordered ? "orderedItems" : "items"]: page.items,
  };
}

/** The first page, a page before a cursor, null for the collection itself, or an error message. */
function pageParam(c: AppContext, validCursor: (cursor: Cursor) => boolean): { before: Cursor | null; self: string } | null | { error: string } {
  const before = c.req.query("before");
  if (before !== undefined) {
    const cursor = decodeCursor(before);
    return cursor && validCursor(cursor) ? { before: cursor, self: `?before=${encodeURIComponent(before)}` } : { error: "before is not a cursor of this collection" };
  }
  const raw = c.req.query("page");
  if (raw === undefined) return null;
  if (raw === "true" || raw === "1") return { before: null, self: "?page=1" };
  if (!/^\d+$/.test(raw) || Number(raw) < 1) return { error: "page must be a positive integer" };
  return { error: "only the first page is numbered: follow its next link" };
}

interface CollectionSource {
  /** The collection's id, or null when there is no such collection (404). */
  id: (c: AppContext) => string | null | Promise<string | null>;
  totalItems: (c: AppContext, id: string) => Promise<number>;
  load: (c: AppContext, id: string, before: Cursor | null) => Promise<Page<unknown>>;
  shape?: Shape;
  validCursor?: (cursor: Cursor) => boolean;
}

function collectionRoute({ id: idOf, totalItems: totalOf, load, shape = { ordered: true }, validCursor = () => true }: CollectionSource) {
  return async (c: AppContext) => {
    const page = pageParam(c, validCursor);
    if (page !== null && "error" in page) return jsonError(c, 400, page.error);
    const id = await idOf(c);
    if (id === null) return jsonError(c, 404, "no such collection");
    const totalItems = await totalOf(c, id);
    if (page === null) return activityJson(c, collection(id, totalItems, shape));
    return activityJson(c, collectionPage(id, `${id}${page.self}`, totalItems, await load(c, id, page.before), shape));
  };
}

const counter = (name: "outbox" | "followers" | "following") => async (c: AppContext) => Math.max(0, (await readCounters(c.var.services.db))[name]);

/** The replies collection's id for a Note we serve (public or unlisted, not deleted). */
export const repliesId = (noteId: string) => `${noteId}/replies`;

async function servedNoteReplies(c: AppContext): Promise<string | null> {
  const row = await servedObject(c.var.services.db, c.var.services.urls.object(c.req.param("id") ?? ""));
  return row && !row.deletedAt ? repliesId(row.id) : null;
}

const noteOf = (repliesCollection: string) => repliesCollection.slice(0, -"/replies".length);

export const collections = new Hono<AppEnv>()
  .get(
    "/users/:username/outbox",
    collectionRoute({ id: (c) => c.var.services.urls.outbox, totalItems: counter("outbox"), load: (c, _id, before) => outboxPage(c.var.services.db, PAGE_SIZE, before) }),
  )
  .get(
    "/users/:username/followers",
    collectionRoute({
      id: (c) => c.var.services.urls.followers,
      totalItems: counter("followers"),
      load: (c, _id, before) => actorPage(c.var.services.db, "followers", PAGE_SIZE, before),
    }),
  )
  .get(
    "/users/:username/following",
    collectionRoute({
      id: (c) => c.var.services.urls.following,
      totalItems: counter("following"),
      load: (c, _id, before) => actorPage(c.var.services.db, "following", PAGE_SIZE, before),
    }),
  )
  // A Note's replies (what Mastodon 4.5's "fetch all replies" and Fedify's getReplies walk): the
  // public and unlisted replies that reached us, ours first, as ids.
  .get(
    "/objects/:id/replies",
    collectionRoute({
      id: servedNoteReplies,
      totalItems: (c, id) => replyCount(c.var.services.db, noteOf(id)),
      load: (c, id, before) => repliesPage(c.var.services.db, noteOf(id), PAGE_SIZE, before),
      shape: { ordered: false },
      validCursor: (cursor) => (cursor.t === 0 || cursor.t === 1) && /^\d{1,16}$/.test(cursor.id),
    }),
  )
  // The pinned posts, embedded (Mastodon's featured collection, which it reads to show a remote
  // profile's pins): at most five, so one document without pages.
  .get("/users/:username/collections/featured", async (c) => {
    const notes = await featuredNotes(c.var.services.db);
    return activityJson(c, { "@context": NOTE_CONTEXT, id: c.var.services.urls.featured, type: "OrderedCollection", totalItems: notes.length, orderedItems: notes });
  });
