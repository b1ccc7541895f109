// GET /media/<key>: the media bucket served by the Worker, used when MEDIA_URL (a public bucket or
// custom domain) is not set. Files are immutable (a new upload gets a new key), so they are cached
// for a year; their stored type is sent with nosniff and a sandbox policy, so no upload can run
// as a page of ours whatever its bytes. Ranges are served (Safari needs them to play video).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { servedMedia } from "../domain/media.ts";
import { MEDIA_PATH } from "../federation/urls.ts";
import { jsonError } from "../http.ts";

export const mediaFiles = new Hono<AppEnv>().on(["GET", "HEAD"], `${MEDIA_PATH}/:key{.+}`, async (c) => {
  const object = await servedMedia(c.var.services, c.req.param("key"), c.req.raw.headers);
  if (!object) return jsonError(c, 404, "not found");
  const headers = new Headers({
    "Cache-Control": "public, max-age=31536000, immutable",
    "Content-Type": object.contentType,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Access-Control-Allow-Origin": "*",
    "Accept-Ranges": "bytes",
    ETag: object.etag,
  });
  if (!object.body) return new Response(null, { status: 304, headers });
  if (object.range) {
    const { offset, length } = object.range;
    headers.set("Content-Range", `bytes ${offset}-${offset + length - 1}/${object.size}`);
    headers.set("Content-Length", String(length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(object.size));
  return new Response(object.body, { status: 200, headers });
});
