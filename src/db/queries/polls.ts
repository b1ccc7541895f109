// Poll rows (migrations/0018_polls.sql) as the object route, the entities and the use cases read them.
import { eq } from "drizzle-orm";
import type { Database } from "../client.ts";
import { polls } from "../schema.ts";

export type PollRow = typeof polls.$inferSelect;

export async function pollOf(db: Database, statusUri: string): Promise<PollRow | null> {
  const [row] = await db.select().from(polls).where(eq(polls.statusUri, statusUri)).limit(1);
  return row ?? null;
}

export const isExpired = (row: Pick<PollRow, "expiresAt">, now: number): boolean => row.expiresAt !== null && row.expiresAt <= now;

/** The poll as a Question shows it (src/federation/questions.ts): titles, counts, whether it has ended. */
export function tallyOf(row: PollRow, now: number) {
  return {
    options: JSON.parse(row.options) as string[],
    counts: JSON.parse(row.counts) as number[],
    multiple: row.multiple,
    expiresAt: row.expiresAt,
    votersCount: row.votersCount,
    ended: isExpired(row, now),
  };
}
