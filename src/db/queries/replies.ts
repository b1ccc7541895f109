// The reads behind a Note's `replies` collection: the trigger-kept count (one row) and a keyset
// page of the public and unlisted replies that reached us, ours first, then in arrival order.
import { and, asc, desc, eq, gt, inArray, lt, or, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { replyCounts, statuses } from "../schema.ts";
import { type Cursor, page, type Page } from "./public.ts";

const LISTED = ["public", "unlisted"] as const;

/** How many public or unlisted replies to `uri` we hold (reply_counts, migration 0024). */
export async function replyCount(db: Database, uri: string): Promise<number> {
  const [row] = await db.select({ n: replyCounts.n }).from(replyCounts).where(eq(replyCounts.uri, uri));
  return Math.max(0, row?.n ?? 0);
}

/**
 * One page of reply ids. The order is (local desc, id asc), so the cursor's `t` is 1 for ours and
 * 0 for the others, and its `id` the status id: the next page is the rest of the same group after
 * that id, then the whole of the later group. Read through statuses_reply_order.
 */
export async function repliesPage(db: Database, uri: string, size: number, before: Cursor | null): Promise<Page<unknown>> {
  const after = before
    ? or(lt(sql`${statuses.local}`, before.t), and(eq(sql`${statuses.local}`, before.t), gt(statuses.id, Number(before.id))))
    : undefined;
  const rows = await db
    .select({ uri: statuses.uri, local: statuses.local, id: statuses.id })
    .from(statuses)
    .where(and(eq(statuses.inReplyTo, uri), inArray(statuses.visibility, LISTED), after))
    .orderBy(desc(statuses.local), asc(statuses.id))
    .limit(size + 1);
  return page(
    rows.map((r) => ({ ...r, t: r.local ? 1 : 0, key: String(r.id) })),
    size,
    (r) => r.uri,
  );
}
