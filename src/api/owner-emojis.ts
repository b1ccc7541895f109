// /api/roost/emojis: the owner's custom emoji (src/domain/custom-emoji.ts), for the CLI's `emoji`
// command. Uploads are multipart (`shortcode`, `image`, optional `category` and
// `visible_in_picker`), as Mastodon's admin form sends them; each answers the CustomEmoji entity.
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { customEmojiEntity, removeCustomEmoji, saveCustomEmoji } from "../domain/custom-emoji.ts";
import { ownEmojis } from "../federation/emoji.ts";
import { jsonError } from "../http.ts";
import { boolParam, fileParam, readParams, stringParam } from "./body.ts";

export const ownerEmojis = new Hono<AppEnv>()
  .get("/", async (c) => {
    const s = c.var.services;
    return c.json((await ownEmojis(s.db)).map((e) => customEmojiEntity(s, e)));
  })
  .post("/", async (c) => {
    const read = await readParams(c);
    if (!read.ok) return jsonError(c, 400, read.error);
    const shortcode = stringParam(read.params, "shortcode")?.replace(/^:(.*):$/, "$1");
    const image = fileParam(read.params, "image");
    if (!shortcode) return jsonError(c, 422, "Validation failed: shortcode is missing");
    if (!image) return jsonError(c, 422, "Validation failed: image is missing (a multipart file)");
    const s = c.var.services;
    const saved = await saveCustomEmoji(s, shortcode, image, {
      category: stringParam(read.params, "category") ?? null,
      visibleInPicker: boolParam(read.params, "visible_in_picker"),
    });
    if (!saved.ok) return jsonError(c, saved.status, saved.error);
    return c.json(customEmojiEntity(s, saved.emoji));
  })
  .delete("/:shortcode", async (c) => {
    const removed = await removeCustomEmoji(c.var.services, c.req.param("shortcode"));
    return removed ? c.json({}) : jsonError(c, 404, "Record not found");
  });
