// The budget meter: Roost counts what it spends of the plan's daily allowances — queue operations
// (3 per message sent), Durable Object requests (every call and alarm), and D1 rows read and
// written by every statement (src/db/metered.ts sums D1's own meta) — in memory per invocation,
// and adds them to today's `usage` row (UTC day from the clock, no cron) in one upsert.
// Queue messages, alarms and Durable Object calls write their counts when they end (`flush`).
// HTTP requests do not write their own: `defer` leaves them in this isolate's tally, which the
// next flush in the isolate writes with its own counts, or the first request past DEFER_MAX_MS
// writes alone — so a crawler's thousand reads cost a few meter writes, not a thousand.
// Bulk sending (the fan-out senders' alarms, retry rounds) asks `overBudget` first: past the
// plan's slowDownAt share of any allowance it waits for the next UTC day instead of failing.
import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { usage } from "../db/schema.ts";
import type { DailyBudget, PlanLimits } from "./limits.ts";

export type UsageCounts = DailyBudget;

const ZERO: UsageCounts = { queueOperations: 0, d1RowsRead: 0, d1RowsWritten: 0, durableObjectRequests: 0 };

/**
 * How long requests' counts may wait in an isolate's tally. What an isolate that ends before its
 * next write counted in that time is lost: the meter undercounts by at most this much of one
 * isolate's requests.
 */
export const DEFER_MAX_MS = 60_000;

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
  /**
   * Writes what this invocation counted, with whatever requests left in this isolate's tally
   * (one upsert, itself counted as 1 row read and 1 written); no-op when there is nothing.
   */
  flush(): Promise<void>;
  /** A request's end: its counts join the isolate's tally, written now only when the tally is older than DEFER_MAX_MS. */
  defer(): Promise<void>;
}

const isEmpty = (c: UsageCounts) => c.queueOperations + c.durableObjectRequests + c.d1RowsRead + c.d1RowsWritten === 0;

export function sumCounts(a: UsageCounts, b: UsageCounts): UsageCounts {
  return {
    queueOperations: a.queueOperations + b.queueOperations,
    d1RowsRead: a.d1RowsRead + b.d1RowsRead,
    d1RowsWritten: a.d1RowsWritten + b.d1RowsWritten,
    durableObjectRequests: a.durableObjectRequests + b.durableObjectRequests,
  };
}

/** Requests' counts waiting in this isolate (one node per isolate, so one tally), by UTC day. */
let waiting: { day: string; since: number; counts: UsageCounts } | null = null;

/** Tests: drop what this isolate counted and has not written (the next file starts from an empty D1). */
export function forgetWaitingUsage(): void {
  waiting = null;
}

/** What this isolate counted and has not written yet (today's, for the owner's report). */
export function waitingUsage(day: string): UsageCounts {
  return waiting?.day === day ? { ...waiting.counts } : { ...ZERO };
}

// The upsert itself, as D1 reports it: 1 row read (the day's row) and 1 written (2 and 0 for the
// day's first, which inserts the row and its key): counted as 1 and 1.
async function write(db: Database, day: string, p: UsageCounts): Promise<void> {
  const values = { queueOperations: p.queueOperations, doRequests: p.durableObjectRequests, d1RowsRead: p.d1RowsRead + 1, d1RowsWritten: p.d1RowsWritten + 1 };
  await db
    .insert(usage)
    .values({ day, ...values })
    .onConflictDoUpdate({
      target: usage.day,
      set: {
        queueOperations: sql`${usage.queueOperations} + ${values.queueOperations}`,
        doRequests: sql`${usage.doRequests} + ${values.doRequests}`,
        d1RowsRead: sql`${usage.d1RowsRead} + ${values.d1RowsRead}`,
        d1RowsWritten: sql`${usage.d1RowsWritten} + ${values.d1RowsWritten}`,
      },
    });
}

/** `db` must not be metered itself: the meter's own upsert is counted as its 1 row read and 1 written. */
export function usageMeter(db: Database, now: () => number): UsageMeter {
  let pending: UsageCounts = { ...ZERO };
  const take = () => {
    const p = pending;
    pending = { ...ZERO };
    return p;
  };
  return {
    add(counts) {
      for (const key of Object.keys(counts) as (keyof UsageCounts)[]) pending[key] += counts[key] ?? 0;
    },
    async flush() {
      const day = utcDay(now());
      let own = take();
      const left = waiting;
      waiting = null;
      if (left && left.day !== day) await write(db, left.day, left.counts);
      else if (left) own = sumCounts(own, left.counts);
      if (!isEmpty(own)) await write(db, day, own);
    },
    async defer() {
      const t = now();
      const day = utcDay(t);
      const own = take();
      if (waiting && waiting.day !== day) {
        const old = waiting;
        waiting = null;
        await write(db, old.day, old.counts);
      }
      if (isEmpty(own) && !waiting) return;
      waiting = waiting ? { ...waiting, counts: sumCounts(waiting.counts, own) } : { day, since: t, counts: own };
      if (t - waiting.since >= DEFER_MAX_MS) {
        const due = waiting;
        waiting = null;
        await write(db, due.day, due.counts);
      }
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
