// The Workers Cache API in front of the public documents crawlers and servers fetch over and over
// (the actor and profile page, the collections, NodeInfo). The cache key is the URL, the
// representation (ActivityStreams or HTML) and a version: `public_version`, which the triggers of
// migrations/0005_free_plan_counters.sql bump on every change these documents show (posts, edits,
// deletes, followers, follows), plus a hash of the settings and the code version (a deploy).
// So invalidation is exact and global — a change makes every old key unreachable — and a hit
// costs one D1 row (the version) instead of a page of rows. Old entries age out (1 day).
//
// Note: Cloudflare documents Cache API operations on *.workers.dev deployments as having no effect;
// on a workers.dev node every request is a miss and costs what the handler reads (bounded by
// the counters and keyset pages anyway). On a custom domain it caches per data center.
import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import type { Config } from "./config.ts";
import type { AppEnv } from "./context.ts";
import { counters } from "./db/schema.ts";
import { wantsActivityJson } from "./http.ts";
import { VERSION } from "./version.ts";

const KEEP_S = 86_400;
const SENT_CACHE_CONTROL = "X-Roost-Sent-Cache-Control";
const hashes = new WeakMap<Config, string>();

function settingsHash(config: Config): string {
  let hash = hashes.get(config);
  if (!hash) {
    const text = `${VERSION} ${JSON.stringify({ ...config, ownerToken: "" })}`;
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    hash = (h >>> 0).toString(36);
    hashes.set(config, hash);
  }
  return hash;
}

function defaultCache(): Cache | null {
  return typeof caches === "undefined" ? null : (caches as unknown as { default: Cache }).default;
}

/** Serves GETs from the cache when the stored copy is of the current version. */
export const publicCache = createMiddleware<AppEnv>(async (c, next) => {
  const cache = defaultCache();
  if (c.req.method !== "GET" || !cache) return next();
  const s = c.var.services;
  const [row] = await s.db.select({ n: counters.n }).from(counters).where(eq(counters.name, "public_version")).limit(1);
  const kind = wantsActivityJson(c.req.header("Accept")) ? "as" : "html";
  const url = new URL(c.req.url);
  url.searchParams.set("__roost", `${kind}.${row?.n ?? 0}.${settingsHash(s.config)}`);
  const key = new Request(url.href);
  const hit = await cache.match(key);
  if (hit) {
    const response = new Response(hit.body, hit);
    // The stored copy's Cache-Control is the Cache API's; browsers get what the handler sent.
    const sent = response.headers.get(SENT_CACHE_CONTROL);
    response.headers.delete(SENT_CACHE_CONTROL);
    if (sent) response.headers.set("Cache-Control", sent);
    else response.headers.delete("Cache-Control");
    response.headers.set("X-Roost-Cache", "hit");
    return response;
  }
  await next();
  if (c.res.status !== 200) return;
  const stored = new Response(c.res.clone().body, c.res);
  const sent = c.res.headers.get("Cache-Control");
  if (sent) stored.headers.set(SENT_CACHE_CONTROL, sent);
  stored.headers.set("Cache-Control", `public, max-age=${KEEP_S}`);
  const put = cache.put(key, stored).catch((error) => s.log("cache.put_failed", { url: c.req.url, error: String(error) }));
  try {
    c.executionCtx.waitUntil(put);
  } catch {
    await put;
  }
});
