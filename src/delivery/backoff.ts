// Mastodon's delivery schedule (app/workers/activitypub/delivery_worker.rb): 16 retries, the
// delay before retry n being n⁴ + 15 s plus jitter, about 2–3 days in all; and a server that
// fails on 7 distinct days is unavailable (app/lib/delivery_failure_tracker.rb).
export const MAX_RETRIES = 16;
export const UNAVAILABLE_AFTER_DAYS = 7;

/** Milliseconds to wait before retry number `retry` (0-based), with Mastodon's jitter. */
export function retryDelayMs(retry: number, random: () => number = Math.random): number {
  const base = retry ** 4 + 15;
  const jitter = random() * 0.5 * retry ** 4 + Math.floor(random() * 10) * (retry + 1);
  return Math.round((base + jitter) * 1000);
}

export type DeliveryOutcome = "delivered" | "retry" | "permanent";

/** 2xx delivered; 401/408/429/5xx and network errors retried; other 4xx (and 501) given up. */
export function classifyStatus(status: number | undefined): DeliveryOutcome {
  if (status === undefined) return "retry";
  if (status >= 200 && status < 300) return "delivered";
  if (status === 401 || status === 408 || status === 429) return "retry";
  if (status === 501) return "permanent";
  if (status >= 400 && status < 500) return "permanent";
  return "retry";
}

export function dayKey(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}
