// The owner's view of today's use against the plan's daily allowances, as Roost counts it
// (src/delivery/usage.ts): queue operations, Durable Object requests, D1 rows read and written,
// including what this isolate's requests counted and has not written yet.
import { limitsFor } from "../delivery/limits.ts";
import { overBudget, sumCounts, type UsageCounts, usageOn, utcDay, waitingUsage } from "../delivery/usage.ts";
import type { Services } from "../services.ts";

export interface UsageReport {
  day: string;
  plan: string;
  used: UsageCounts;
  /** The plan's daily allowances; null on Paid (billed, no daily cap). */
  limits: UsageCounts | null;
  /** Share of an allowance at which bulk delivery waits for the next UTC day. */
  slowDownAt: number;
  /** The allowance delivery is waiting on, if any. */
  waitingOn: keyof UsageCounts | null;
}

export async function usageToday(s: Services): Promise<UsageReport> {
  const limits = limitsFor(s.config.plan);
  const now = s.now();
  return {
    day: utcDay(now),
    plan: limits.plan,
    used: sumCounts(await usageOn(s.db, utcDay(now)), waitingUsage(utcDay(now))),
    limits: limits.daily,
    slowDownAt: limits.slowDownAt,
    waitingOn: await overBudget(s.db, limits, now),
  };
}
