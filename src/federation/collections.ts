// Outbox, followers, following and featured as OrderedCollections, paged newest first.
import { and, count, desc, eq, inArray, notExists, sql } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { activities, followers, following, objects } from "../db/schema.ts";
import { activityJson, jsonError } from "../http.ts";
import { AS_CONTEXT } from "./vocabulary.ts";

const PAGE_SIZE = 20;

function orderedCollection(id: string, totalItems: number): Record<string, unknown> {
  return {
    "@context": AS_CONTEXT,
    id,
    type: "OrderedCollection",
    totalItems,
    first: totalItems > 0 ? `${id}?page=1` : undefined,
    last: totalItems > 0 ? `${id}?page=${Math.max(1, Math.ceil(totalItems / PAGE_SIZE))}` : undefined,
    orderedItems: totalItems > 0 ? undefined : [],
  };
}

function orderedCollectionPage(
  collectionId: string,
  page: number,
  totalItems: number,
  items: unknown[],
): Record<string, unknown> {
  const lastPage = Math.max(1, Math.ceil(totalItems / PAGE_SIZE));
  return {
    "@context": AS_CONTEXT,
    id: `${collectionId}?page=${page}`,
    type: "OrderedCollectionPage",
    partOf: collectionId,
    totalItems,
    next: page < lastPage ? `${collectionId}?page=${page + 1}` : undefined,
    prev: page > 1 ? `${collectionId}?page=${page - 1}` : undefined,
    orderedItems: items,
  };
}

/** The requested page number, null for the collection itself, or an error message. */
function pageParam(c: AppContext): number | null | { error: string } {
  const raw = c.req.query("page");
  if (raw === undefined) return null;
  if (raw === "true") return 1;
  const page = Number(raw);
  if (!Number.isInteger(page) || page < 1 || page > 1_000_000) return { error: "page must be a positive integer" };
  return page;
}

type PageLoader = (c: AppContext, offset: number) => Promise<unknown[]>;

function collectionRoute(collectionId: (c: AppContext) => string, total: (c: AppContext) => Promise<number>, load: PageLoader) {
  return async (c: AppContext) => {
    const page = pageParam(c);
    if (page !== null && typeof page === "object") return jsonError(c, 400, page.error);
    const id = collectionId(c);
    const totalItems = await total(c);
    if (page === null) return activityJson(c, orderedCollection(id, totalItems));
    const items = await load(c, (page - 1) * PAGE_SIZE);
    return activityJson(c, orderedCollectionPage(id, page, totalItems, items));
  };
}

const PUBLIC_VISIBILITIES = ["public", "unlisted"] as const;
// The outbox lists posts and boosts, as Mastodon's does; edits and deletions are not entries,
// and a deleted post leaves the list.
const OUTBOX_ENTRIES = and(
  inArray(activities.visibility, PUBLIC_VISIBILITIES),
  inArray(activities.type, ["Create", "Announce"]),
  notExists(sql`(select 1 from ${objects} where ${objects.id} = ${activities.objectId} and ${objects.deletedAt} is not null)`),
);

export const collections = new Hono<AppEnv>()
  .get(
    "/users/:username/outbox",
    collectionRoute(
      (c) => c.var.services.urls.outbox,
      async (c) =>
        (await c.var.services.db.select({ n: count() }).from(activities).where(OUTBOX_ENTRIES))[0]?.n ?? 0,
      async (c, offset) => {
        const rows = await c.var.services.db
          .select({ document: activities.document })
          .from(activities)
          .where(OUTBOX_ENTRIES)
          .orderBy(desc(activities.published))
          .limit(PAGE_SIZE)
          .offset(offset);
        return rows.map((r) => stripContext(JSON.parse(r.document)));
      },
    ),
  )
  .get(
    "/users/:username/followers",
    collectionRoute(
      (c) => c.var.services.urls.followers,
      async (c) => (await c.var.services.db.select({ n: count() }).from(followers).where(eq(followers.state, "accepted")))[0]?.n ?? 0,
      async (c, offset) =>
        (
          await c.var.services.db
            .select({ id: followers.actorId })
            .from(followers)
            .where(eq(followers.state, "accepted"))
            .orderBy(desc(followers.createdAt))
            .limit(PAGE_SIZE)
            .offset(offset)
        ).map((r) => r.id),
    ),
  )
  .get(
    "/users/:username/following",
    collectionRoute(
      (c) => c.var.services.urls.following,
      async (c) => (await c.var.services.db.select({ n: count() }).from(following).where(eq(following.state, "accepted")))[0]?.n ?? 0,
      async (c, offset) =>
        (
          await c.var.services.db
            .select({ id: following.actorId })
            .from(following)
            .where(eq(following.state, "accepted"))
            .orderBy(desc(following.createdAt))
            .limit(PAGE_SIZE)
            .offset(offset)
        ).map((r) => r.id),
    ),
  )
  // Pinned posts are not supported yet: the collection exists and is honestly empty.
  .get("/users/:username/collections/featured", (c) => activityJson(c, orderedCollection(c.var.services.urls.featured, 0)));

/** An embedded activity does not repeat the @context of the page around it. */
function stripContext(doc: Record<string, unknown>): Record<string, unknown> {
  const { "@context": _context, ...rest } = doc;
  return rest;
}
