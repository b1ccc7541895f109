// Our own objects as the object routes and the post page read them: the row and its counts.
import { and, count, eq } from "drizzle-orm";
import type { Database } from "../client.ts";
import { activities, objects, reactions } from "../schema.ts";

export type ObjectRow = typeof objects.$inferSelect;

// Only public and unlisted ones are served: Mastodon serves followers-only and direct posts only to
// signed fetches from their audience; ours reach their audience by delivery alone.
const SERVED = new Set(["public", "unlisted"]);

/** The object when it may be served (deleted ones too: they answer with a Tombstone). */
export async function servedObject(db: Database, objectId: string): Promise<ObjectRow | null> {
  const [row] = await db.select().from(objects).where(eq(objects.id, objectId));
  return row && SERVED.has(row.visibility) ? row : null;
}

export async function reactionCounts(db: Database, objectId: string): Promise<{ likes: number; shares: number }> {
  const countOf = async (type: "Like" | "Announce") =>
    (await db.select({ n: count() }).from(reactions).where(and(eq(reactions.objectId, objectId), eq(reactions.type, type))))[0]?.n ?? 0;
  const [likes, shares] = await Promise.all([countOf("Like"), countOf("Announce")]);
  return { likes, shares };
}

/** The activity when it may be served, with the deletion time of its object if that is gone. */
export async function servedActivity(db: Database, activityId: string) {
  const [row] = await db.select().from(activities).where(eq(activities.id, activityId));
  if (!row || !SERVED.has(row.visibility)) return null;
  const [object] = row.objectId ? await db.select({ deletedAt: objects.deletedAt }).from(objects).where(eq(objects.id, row.objectId)) : [];
  return { row, objectDeletedAt: object?.deletedAt ?? null };
}
