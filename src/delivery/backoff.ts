// Mastodon's delivery rules (app/workers/activitypub/delivery_worker.rb, app/helpers/json_ld_helper.rb,
// app/lib/delivery_failure_tracker.rb): 16 retries after the first attempt, the delay before
// retry n (n = 0…15) being n⁴ + 15 s + rand(0.5·n⁴) + rand(10)·(n+1) s, about 2–3 days in all;
// a server that failed on 7 distinct days is unavailable.
export const MAX_RETRIES = 16;
export const UNAVAILABLE_AFTER_DAYS = 7;

/** Milliseconds to wait before retry number `retry` (0-based). */
export function retryDelayMs(retry: number, random: () => number = Math.random): number {
  const n4 = retry ** 4;
  const jitter = random() * 0.5 * n4 + Math.floor(random() * 10) * (retry + 1);
  return Math.round((n4 + 15 + jitter) * 1000);
}

/** After `attempts` failed POSTs, when to try again, or null when the retries are used up. */
export function nextAttemptAt(attempts: number, now: number, random: () => number = Math.random): number | null {
  if (attempts > MAX_RETRIES) return null;
  return now + retryDelayMs(attempts - 1, random);
}

export type DeliveryOutcome = "delivered" | "retry" | "permanent";

/** 2xx delivered; 401, 408, 429, 5xx and no answer retried; other 4xx and 501 given up. */
export function classifyStatus(status: number | undefined): DeliveryOutcome {
  if (status === undefined) return "retry";
  if (status >= 200 && status < 300) return "delivered";
  if (status === 401 || status === 408 || status === 429) return "retry";
  if (status === 501 || (status >= 400 && status < 500)) return "permanent";
  return "retry";
}

/** The UTC day a failure counts for (Mastodon keys its failure set by %Y%m%d). */
export function dayKey(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}
