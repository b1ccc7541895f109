// The reads behind the public GETs (actor, collections, NodeInfo, profile page): counts from the
// trigger-kept `counters` row, pages by keyset (never OFFSET), each bounded by the page size.
import { and, desc, eq, inArray, isNull, lt, notExists, or, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { activities, counters, followers, following, objects, pins } from "../schema.ts";

export type CounterName = "followers" | "following" | "outbox" | "local_posts" | "public_version";

/** Every counter in one query (5 rows read). */
export async function readCounters(db: Database): Promise<Record<CounterName, number>> {
  const rows = await db.select().from(counters);
  const out = { followers: 0, following: 0, outbox: 0, local_posts: 0, public_version: 0 };
  for (const r of rows) if (r.name in out) out[r.name as CounterName] = r.n;
  return out;
}

/** Where a page starts: strictly before (time, id) in newest-first order. */
export interface Cursor {
  t: number;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return `${c.t}|${c.id}`;
}

export function decodeCursor(raw: string): Cursor | null {
  const bar = raw.indexOf("|");
  const t = Number(raw.slice(0, bar));
  if (bar < 1 || !Number.isSafeInteger(t) || raw.length - bar < 2) return null;
  return { t, id: raw.slice(bar + 1) };
}

export interface Page<T> {
  items: T[];
  /** The cursor of the next page, null on the last one. */
  next: Cursor | null;
}

export function page<T>(rows: (T & { t: number; key: string })[], size: number, item: (r: T & { t: number; key: string }) => unknown): Page<unknown> {
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return { items: items.map(item), next: rows.length > size && last ? { t: last.t, id: last.key } : null };
}

const OUTBOX_VISIBILITIES = ["public", "unlisted"] as const;

/** Outbox entries, newest first, through the partial index activities_outbox. */
export async function outboxPage(db: Database, size: number, before: Cursor | null): Promise<Page<unknown>> {
  const rows = await db
    .select({ document: activities.document, t: activities.published, key: activities.id })
    .from(activities)
    .where(
      and(
        inArray(activities.visibility, OUTBOX_VISIBILITIES),
        inArray(activities.type, ["Create", "Announce"]),
        before ? or(lt(activities.published, before.t), and(eq(activities.published, before.t), lt(activities.id, before.id))) : undefined,
        notExists(sql`(select 1 from ${objects} where ${objects.id} = ${activities.objectId} and ${objects.deletedAt} is not null)`),
      ),
    )
    .orderBy(desc(activities.published), desc(activities.id))
    .limit(size + 1);
  return page(rows, size, (r) => {
    const { "@context": _context, ...rest } = JSON.parse(r.document) as Record<string, unknown>;
    return rest;
  });
}

/** Accepted followers or follows, newest first, by (created_at, actor_id). */
export async function actorPage(db: Database, which: "followers" | "following", size: number, before: Cursor | null): Promise<Page<unknown>> {
  const table = which === "followers" ? followers : following;
  const rows = await db
    .select({ id: table.actorId, t: table.createdAt, key: table.actorId })
    .from(table)
    .where(
      and(
        eq(table.state, "accepted"),
        before ? or(lt(table.createdAt, before.t), and(eq(table.createdAt, before.t), lt(table.actorId, before.id))) : undefined,
      ),
    )
    .orderBy(desc(table.createdAt), desc(table.actorId))
    .limit(size + 1);
  return page(rows, size, (r) => r.id);
}

/**
 * The pinned posts the public may read (public and unlisted, not deleted), newest pin first, as
 * the served Notes. There are at most five pins, so this is the whole collection.
 */
export async function featuredNotes(db: Database): Promise<Record<string, unknown>[]> {
  const rows = await db
    .select({ document: objects.document })
    .from(pins)
    .innerJoin(objects, eq(objects.id, pins.statusUri))
    .where(and(inArray(objects.visibility, OUTBOX_VISIBILITIES), isNull(objects.deletedAt)))
    .orderBy(desc(pins.id));
  return rows.map((r) => JSON.parse(r.document) as Record<string, unknown>);
}
