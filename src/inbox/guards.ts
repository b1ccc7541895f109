// Cheap guards of the inbox request path that need no storage: the JSON nesting bound and the
// per-sender budget. Both run before any handler; neither writes to D1.

/** Deeper JSON than this is refused with 400 before it is parsed (real activities nest < 10). */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether the JSON text nests objects/arrays deeper than `max`. One pass over the bytes, strings
 * skipped; it does not validate (JSON.parse does that next).
 */
export function jsonTooDeep(bytes: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Per-minute budgets for one sender. Generous for real servers: a Mastodon server delivering the
 * burst after a popular post (hundreds of Likes and boosts a minute from one host) stays far
 * below the host budget, and Mastodon retries a 429 later with backoff (docs/inbox.md).
 */
export const INBOX_BUDGET = { perActorPerMinute: 300, perHostPerMinute: 3_000 };

interface Window {
  start: number;
  count: number;
}

const windows = new Map<string, Window>();
/** The table is bounded: past this many senders, windows that have ended are dropped. */
const MAX_TRACKED = 20_000;

function spend(key: string, budget: number, now: number): number | null {
  const minute = now - (now % 60_000);
  let w = windows.get(key);
  if (!w || w.start !== minute) {
    if (windows.size >= MAX_TRACKED) for (const [k, v] of windows) if (v.start !== minute) windows.delete(k);
    w = { start: minute, count: 0 };
    windows.set(key, w);
  }
  if (w.count >= budget) return Math.ceil((minute + 60_000 - now) / 1000);
  w.count++;
  return null;
}

/**
 * Counts one activity against the actor's and its host's budgets; null when within both, else
 * the seconds until the current window ends (for Retry-After). The counters live in the isolate
 * (no D1 write per request); a flood from one sender reaches one isolate at a time, so each
 * isolate bounds it independently.
 */
export function overBudget(actor: string, host: string, now = Date.now()): number | null {
  return spend(`host:${host}`, INBOX_BUDGET.perHostPerMinute, now) ?? spend(`actor:${actor}`, INBOX_BUDGET.perActorPerMinute, now);
}

/** Tests: start every window afresh. */
export function resetBudgets(): void {
  windows.clear();
}
