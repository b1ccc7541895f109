// /api/v1/tags/:name, its follow and unfollow, and /api/v1/followed_tags (Mastodon's
// tags_controller.rb and followed_tags_controller.rb). The rules are src/domain/followed-tags.ts.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { followedTag, followedTagPage, followTag, tagOf, unfollowTag } from "../../domain/followed-tags.ts";
import { jsonError } from "../../http.ts";
import type { Services } from "../../services.ts";
import { bounds, readPage, setLinks } from "../pagination.ts";
import { requireScope } from "../scopes.ts";

/** Mastodon's Tag entity; no usage history is kept, so `history` is empty. */
function tagEntity(s: Services, name: string, following: boolean | null) {
  return { name, url: s.urls.tag(name), history: [], ...(following === null ? {} : { following }) };
}

/** The tag of `:name`, or the 404 a name that cannot be a hashtag gets (Mastodon's Tag validation). */
function tagParam(c: AppContext) {
  return tagOf(c.req.param("name") ?? "") ?? jsonError(c, 404, "Record not found");
}

export const tagRoutes = new Hono<AppEnv>()
  .get("/api/v1/followed_tags", requireScope("read:follows"), async (c) => {
    const s = c.var.services;
    const page = readPage(c, { default: 100, max: 200 });
    if ("error" in page) return jsonError(c, 400, page.error);
    const rows = await followedTagPage(s, { ...bounds(page), limit: page.limit });
    setLinks(c, page, rows.map((r) => r.id));
    return c.json(rows.map((r) => tagEntity(s, r.displayName, true)));
  })
  .get("/api/v1/tags/:name", async (c) => {
    const tag = tagParam(c);
    if (tag instanceof Response) return tag;
    const s = c.var.services;
    // `following` is there only for the owner, as Mastodon shows it only to a signed-in user.
    const followed = c.var.grant?.actsAsOwner ? await followedTag(s, tag.key) : null;
    return c.json(tagEntity(s, followed?.displayName ?? tag.display, c.var.grant?.actsAsOwner ? followed !== null : null));
  })
  .post("/api/v1/tags/:name/follow", requireScope("write:follows"), async (c) => {
    const tag = tagParam(c);
    if (tag instanceof Response) return tag;
    const s = c.var.services;
    const row = await followTag(s, tag);
    return c.json(tagEntity(s, row.displayName, true));
  })
  .post("/api/v1/tags/:name/unfollow", requireScope("write:follows"), async (c) => {
    const tag = tagParam(c);
    if (tag instanceof Response) return tag;
    const s = c.var.services;
    await unfollowTag(s, tag.key);
    return c.json(tagEntity(s, tag.display, false));
  });
