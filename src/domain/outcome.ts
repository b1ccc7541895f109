// What a use case made of a received activity: `done`, or `ignored` with the reason (logged; the
// activity's idempotency row stays, so a redelivery is not handled again).
import type { NormalizedActivity } from "../federation/normalize.ts";
import type { Services } from "../services.ts";

export type HandlerResult = { outcome: "done" } | { outcome: "ignored"; reason: string };

/** A use case for one kind of received activity. */
export type Handler = (activity: NormalizedActivity, s: Services) => Promise<HandlerResult>;

export const done: HandlerResult = { outcome: "done" };
export const ignored = (reason: string): HandlerResult => ({ outcome: "ignored", reason });
