// Response helpers every route uses, so errors and ActivityPub documents look the same everywhere.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

import { ACTIVITY_JSON } from "./federation/vocabulary.ts";

export function jsonError(c: Context, status: ContentfulStatusCode, error: string): Response {
  return c.json({ error }, status);
}

/** An ActivityStreams document with the content type Mastodon requires. */
export function activityJson(c: Context, body: unknown, status: ContentfulStatusCode = 200): Response {
  c.header("Vary", "Accept");
  return c.body(JSON.stringify(body), status, { "Content-Type": `${ACTIVITY_JSON}; charset=utf-8` });
}

/**
 * Whether the client asked for ActivityStreams rather than HTML: `application/activity+json`,
 * or `application/ld+json` (Mastodon sends both; profile parameters vary), ranked above text/html.
 */
export function wantsActivityJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let best = { ap: 0, html: 0 };
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().split(";").map((s) => s.trim());
    const q = Number(params.find((p) => p.startsWith("q="))?.slice(2) ?? "1");
    const weight = Number.isFinite(q) ? q : 0;
    const mime = type.toLowerCase();
    if (mime === ACTIVITY_JSON || mime === "application/ld+json") best = { ...best, ap: Math.max(best.ap, weight) };
    if (mime === "text/html" || mime === "application/xhtml+xml") best = { ...best, html: Math.max(best.html, weight) };
  }
  return best.ap > 0 && best.ap >= best.html;
}

/** A stored file sent as a download (whole or the Range asked for): the archive download of the API and of the signed-in owner's page. */
export function downloadResponse(object: { body: ReadableStream<Uint8Array> | null; contentType: string; size: number; etag: string; range: { offset: number; length: number } | null }, filename: string): Response {
  const headers = new Headers({
    "Content-Type": object.contentType,
    "Content-Disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`,
    "Cache-Control": "private, no-store",
    "Accept-Ranges": "bytes",
    ETag: object.etag,
  });
  if (!object.body) return new Response(null, { status: 304, headers });
  if (object.range) {
    headers.set("Content-Range", `bytes ${object.range.offset}-${object.range.offset + object.range.length - 1}/${object.size}`);
    headers.set("Content-Length", String(object.range.length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("Content-Length", String(object.size));
  return new Response(object.body, { status: 200, headers });
}
