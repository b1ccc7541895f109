// What a use case made of a received activity: `done`, `ignored` with the reason (logged; the
// activity's idempotency row stays, so a redelivery is not handled again), or `failed` for a
// reason that will not change on a retry (the row is marked failed; the queue does not retry).
import type { FetchResult } from "../federation/fetch.ts";
import type { NormalizedActivity } from "../federation/normalize.ts";
import type { Services } from "../services.ts";

export type HandlerResult = { outcome: "done" } | { outcome: "ignored"; reason: string } | { outcome: "failed"; reason: string };

/** A use case for one kind of received activity. */
export type Handler = (activity: NormalizedActivity, s: Services) => Promise<HandlerResult>;

export const done: HandlerResult = { outcome: "done" };
export const ignored = (reason: string): HandlerResult => ({ outcome: "ignored", reason });
export const failed = (reason: string): HandlerResult => ({ outcome: "failed", reason });

/**
 * Whether a failed fetch will fail the same way next time: the document is gone, missing,
 * refused (4xx other than 408/429), not ActivityStreams, not usable, or not allowed by the
 * address policy. Timeouts, connection errors and 5xx are worth a retry.
 */
export function isPermanent(result: Extract<FetchResult<unknown>, { ok: false }>): boolean {
  if (result.gone) return true;
  if (result.status !== undefined) return result.status >= 400 && result.status < 500 && result.status !== 408 && result.status !== 429;
  return !/no answer|connection failed|could not be read|did not arrive|could not sign/.test(result.reason);
}
