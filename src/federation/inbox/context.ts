import type { Config } from "../../config.ts";
import type { Database } from "../../db/client.ts";
import type { FetchContext } from "../fetch.ts";
import type { NormalizedActivity } from "../normalize.ts";
import type { LocalUrls } from "../urls.ts";
import type { Sender } from "./outgoing.ts";

export interface HandlerContext {
  config: Config;
  db: Database;
  urls: LocalUrls;
  fetch: FetchContext;
  sender: Sender;
}

/** What a handler did: `done`, or `ignored` with the reason (logged, the activity stays stored). */
export type HandlerResult = { outcome: "done" } | { outcome: "ignored"; reason: string };

export type Handler = (activity: NormalizedActivity, ctx: HandlerContext) => Promise<HandlerResult>;

export const done: HandlerResult = { outcome: "done" };
export const ignored = (reason: string): HandlerResult => ({ outcome: "ignored", reason });

/** Whether an id names one of our own objects or our actor. */
export function isLocal(ctx: HandlerContext, id: string | null | undefined): id is string {
  return !!id && (id === ctx.urls.actor || id.startsWith(`${ctx.config.origin}/`));
}
