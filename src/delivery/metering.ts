// The budget meter where work runs: writing what an invocation spent, and pausing bulk delivery
// (retries, fan-out batches) until the next UTC day when a daily allowance is nearly used.
import type { Services } from "../services.ts";
import { limitsFor } from "./limits.ts";
import { nextUtcDay, overBudget } from "./usage.ts";

/** The budget meter's write; a failure to count never fails the work. */
export async function flushUsage(s: Services): Promise<void> {
  await s.usage.flush().catch((error) => s.log("usage.not_recorded", { error: String(error) }));
}

/** Runs one call with its services, then adds what it spent to today's usage. */
export async function metered<T>(services: Services, work: (s: Services) => Promise<T>): Promise<T> {
  try {
    return await work(services);
  } finally {
    await flushUsage(services);
  }
}

/**
 * Near the end of a daily allowance, re-arms the alarm for the next UTC day (plus up to ten
 * minutes of jitter, so servers do not all resume at once), logs `event`, and returns true: the
 * caller stops, and nothing is given up. `fields` may be a function, for log fields that cost a
 * read: it is called only when the caller is paused.
 */
export async function pausedForBudget(
  s: Services,
  storage: DurableObjectStorage,
  now: number,
  random: () => number,
  event: string,
  fields: Record<string, unknown> | (() => Record<string, unknown>),
): Promise<boolean> {
  const over = await overBudget(s.db, limitsFor(s.config.plan), now);
  if (!over) return false;
  const resumeAt = nextUtcDay(now) + Math.floor(random() * 600_000);
  s.log(event, { budget: over, ...(typeof fields === "function" ? fields() : fields), resumeAt });
  await storage.setAlarm(resumeAt);
  return true;
}
