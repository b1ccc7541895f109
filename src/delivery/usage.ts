// The budget meter: Roost counts what it spends of the plan's daily allowances — queue operations
// (3 per message sent), Durable Object requests (every call and alarm), and the D1 rows of the
// delivery path (fan-out reads, batch progress) — in memory per invocation, and adds them to
// today's `usage` row (UTC day from the clock, no cron) in one upsert when the invocation ends.
// Bulk sending (the fan-out senders' alarms, retry rounds) asks `overBudget` first: past the
// plan's slowDownAt share of any allowance it waits for the next UTC day instead of failing.
import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { usage } from "../db/schema.ts";
import type { DailyBudget, PlanLimits } from "./limits.ts";

export type UsageCounts = DailyBudget;

const ZERO: UsageCounts = { queueOperations: 0, d1RowsRead: 0, d1RowsWritten: 0, durableObjectRequests: 0 };

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Milliseconds since epoch of the next UTC midnight. */
export function nextUtcDay(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

export interface UsageMeter {
  add(counts: Partial<UsageCounts>): void;
  /** Writes what this invocation counted (one upsert, itself counted as 1 row written); no-op when nothing. */
  flush(): Promise<void>;
}

export function usageMeter(db: Database, now: () => number): UsageMeter {
  let pending: UsageCounts = { ...ZERO };
  return {
    add(counts) {
      for (const key of Object.keys(counts) as (keyof UsageCounts)[]) pending[key] += counts[key] ?? 0;
    },
    async flush() {
      const p = pending;
      pending = { ...ZERO };
      if (p.queueOperations + p.durableObjectRequests + p.d1RowsRead + p.d1RowsWritten === 0) return;
      const values = { queueOperations: p.queueOperations, doRequests: p.durableObjectRequests, d1RowsRead: p.d1RowsRead, d1RowsWritten: p.d1RowsWritten + 1 };
      await db
        .insert(usage)
        .values({ day: utcDay(now()), ...values })
        .onConflictDoUpdate({
          target: usage.day,
          set: {
            queueOperations: sql`${usage.queueOperations} + ${values.queueOperations}`,
            doRequests: sql`${usage.doRequests} + ${values.doRequests}`,
            d1RowsRead: sql`${usage.d1RowsRead} + ${values.d1RowsRead}`,
            d1RowsWritten: sql`${usage.d1RowsWritten} + ${values.d1RowsWritten}`,
          },
        });
    },
  };
}

export async function usageOn(db: Database, day: string): Promise<UsageCounts> {
  const [row] = await db.select().from(usage).where(eq(usage.day, day)).limit(1);
  return row
    ? { queueOperations: row.queueOperations, durableObjectRequests: row.doRequests, d1RowsRead: row.d1RowsRead, d1RowsWritten: row.d1RowsWritten }
    : { ...ZERO };
}

/** The allowance (if any) today's use has passed the plan's slow-down share of. */
export async function overBudget(db: Database, limits: PlanLimits, now: number): Promise<keyof UsageCounts | null> {
  if (!limits.daily) return null;
  const used = await usageOn(db, utcDay(now));
  for (const key of Object.keys(limits.daily) as (keyof UsageCounts)[]) {
    if (used[key] >= limits.daily[key] * limits.slowDownAt) return key;
  }
  return null;
}
