// GET of our actor URL (and /@username) for servers; browsers are passed on to the profile page.
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { activityJson, wantsActivityJson } from "../http.ts";
import { actorDocument } from "./actor.ts";
import { PROFILE_PATH } from "./urls.ts";

// One URL, two representations: ActivityStreams for servers here; people get the profile page,
// registered after this route (src/web/routes.tsx).
export const actor = new Hono<AppEnv>().on("GET", ["/users/:username", `/:handle{${PROFILE_PATH}}`], async (c, next) => {
  c.header("Vary", "Accept");
  if (!wantsActivityJson(c.req.header("Accept"))) return next();
  return activityJson(c, await actorDocument(c.var.services));
});
