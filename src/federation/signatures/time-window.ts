// Mastodon's time window for both schemes (app/lib/signed_request.rb#matches_time_window?):
// expiry defaults to 5 minutes after creation, is capped at 12 hours, and 1 hour of clock skew
// is allowed both ways. A Date-only signature is thus good from now − 65 min to now + 1 h.
const DEFAULT_EXPIRY_S = 300;
const MAX_EXPIRY_S = 12 * 3600;
const CLOCK_SKEW_S = 3600;

/** Null when `now` (ms) lies in the window; otherwise why not. Times are Unix seconds. */
export function timeWindowError(created: number | null, expires: number | null, now: number): string | null {
  if (created === null) return "the signature has no creation time (a signed Date header or created parameter)";
  const nowS = now / 1000;
  const expiry = Math.min(expires ?? created + DEFAULT_EXPIRY_S, created + MAX_EXPIRY_S);
  if (created > nowS + CLOCK_SKEW_S) return "the signature was created more than an hour in the future";
  if (nowS > expiry + CLOCK_SKEW_S) return "the signature has expired (its creation time is outside the accepted window)";
  return null;
}

/** Unix seconds from a `created`/`expires` parameter (integer, or decimal as draft-cavage allows). */
export function parameterSeconds(value: string | null): number | null {
  return value !== null && /^\d+(\.\d+)?$/.test(value) ? Math.floor(Number(value)) : null;
}

/** Unix seconds from an HTTP Date header. */
export function dateSeconds(value: string | null): number | null {
  const ms = value === null ? NaN : Date.parse(value);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}
