// The personal inbox and the shared inbox: one handler, a JSON answer for every outcome.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { jsonError } from "../http.ts";
import { receiveActivity } from "./receive.ts";

async function inboxPost(c: AppContext) {
  const s = c.var.services;
  const outcome = await receiveActivity(c.req.raw, s);
  s.log("inbox.received", { status: outcome.status, ...("error" in outcome ? { error: outcome.error } : { result: outcome.result, id: outcome.id }) });
  if ("error" in outcome) {
    if (outcome.retryAfter !== undefined) c.header("Retry-After", String(outcome.retryAfter));
    return jsonError(c, outcome.status, outcome.error);
  }
  return c.json({ result: outcome.result }, 202);
}

export const inbox = new Hono<AppEnv>().post("/users/:username/inbox", inboxPost).post("/inbox", inboxPost);
