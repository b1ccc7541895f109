// The pages people see: the profile at the actor URL and /@username, a post's permalink at its id
// (and /@username/:id), hashtag pages, the feeds. Where the URL is also an ActivityPub id, the
// federation route before these answers servers and passes browsers on.
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { PROFILE_PATH } from "../federation/urls.ts";
import { feed, postPage, profilePage, tagPage } from "./pages.tsx";

export const pages = new Hono<AppEnv>()
  .on("GET", ["/users/:username", `/:handle{${PROFILE_PATH}}`], profilePage)
  .get(`/:handle{${PROFILE_PATH}}/feed.atom`, (c) => feed(c, "atom"))
  .get(`/:handle{${PROFILE_PATH}}/feed.rss`, (c) => feed(c, "rss"))
  .on("GET", ["/objects/:id", `/:handle{${PROFILE_PATH}}/:id`], postPage)
  .get("/tags/:tag", tagPage);
