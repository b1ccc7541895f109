// A post's thread as the index knows it: the stored parents above it and the replies below it.
// Read by the client API (/api/v1/statuses/:id/context) and the post page, so both show the same thread.
import { eq, inArray } from "drizzle-orm";
import { statuses } from "../db/schema.ts";
import type { Services } from "../services.ts";
import type { StatusRow } from "./statuses.ts";

/** How many posts each side of a thread shows at most. */
export const CONTEXT_LIMIT = 40;

export async function statusByUri(s: Services, uri: string): Promise<StatusRow | null> {
  const [row] = await s.db.select().from(statuses).where(eq(statuses.uri, uri)).limit(1);
  return row ?? null;
}

/** The stored parents of `row`, root first, and the first parent not stored (if any). */
export async function threadAncestors(s: Services, row: StatusRow): Promise<{ chain: StatusRow[]; missing: string | null }> {
  const chain: StatusRow[] = [];
  const seen = new Set([row.uri]);
  let parentUri = row.inReplyTo;
  // `seen`: a thread whose parents point back into it is shown once, not until the limit.
  while (parentUri && chain.length < CONTEXT_LIMIT && !seen.has(parentUri)) {
    const parent = await statusByUri(s, parentUri);
    if (!parent) return { chain, missing: parentUri };
    seen.add(parentUri);
    chain.unshift(parent);
    parentUri = parent.inReplyTo;
  }
  return { chain, missing: null };
}

/** Replies to `row` and their replies, level by level, oldest first within a level. */
export async function threadDescendants(s: Services, row: StatusRow): Promise<StatusRow[]> {
  const found: StatusRow[] = [];
  let frontier = [row.uri];
  while (frontier.length > 0 && found.length < CONTEXT_LIMIT) {
    const replies = await s.db.select().from(statuses).where(inArray(statuses.inReplyTo, frontier.slice(0, 90))).orderBy(statuses.id).limit(CONTEXT_LIMIT);
    found.push(...replies);
    frontier = replies.map((r) => r.uri);
  }
  return found.slice(0, CONTEXT_LIMIT);
}
