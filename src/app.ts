// The HTTP application: the request's services, then the route groups. Where an ActivityPub URL
// is also a page (the actor, a post), the federation route answers ActivityStreams and passes
// browsers on to the web route registered after it.
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { c2sOutbox } from "./api/c2s-outbox.ts";
import { clientCors, mastodonApi } from "./api/mastodon.ts";
import { roostApi } from "./api/roost.ts";
import { ConfigError } from "./config.ts";
import type { AppEnv } from "./context.ts";
import { actor } from "./federation/actor-route.ts";
import { PROFILE_PATH } from "./federation/urls.ts";
import { collections } from "./federation/collections.ts";
import { featuringRoutes } from "./federation/featuring.ts";
import { quoteAuthorizationRoutes } from "./federation/quote-policy.ts";
import { interactionAuthorizationRoutes } from "./federation/interaction-authorizations.ts";
import { emojiRoutes } from "./federation/emoji.ts";
import { nodeinfo } from "./federation/nodeinfo.ts";
import { objectRoutes } from "./federation/objects.ts";
import { webfinger } from "./federation/webfinger.ts";
import { jsonError } from "./http.ts";
import { inbox } from "./inbox/route.ts";
import { log } from "./log.ts";
import { publicCache } from "./public-cache.ts";
import type { Env } from "./runtime/bindings.ts";
import { createServices } from "./runtime/services.ts";
import { passkeyRoutes } from "./oauth/passkeys.tsx";
import { oauth } from "./oauth/routes.tsx";
import { archiveDownloads } from "./oauth/archives.ts";
import { assets } from "./web/assets.ts";
import { dashboard } from "./web/dashboard/routes.tsx";
import { images } from "./web/images.ts";
import { interaction } from "./web/interaction.tsx";
import { mediaFiles } from "./web/media.ts";
import { pages } from "./web/routes.tsx";
import { htmlSecurityHeaders } from "./web/security.ts";

// strict: false — clients ask for /api/v1/instance/ and /oauth/authorize/ too.
export const app = new Hono<AppEnv & { Bindings: Env }>({ strict: false });

app.use(async (c, next) => {
  try {
    c.set("services", createServices(c.env));
    c.set("grant", null);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log("config.invalid", { error: error.message });
    return jsonError(c, 503, error.message);
  }
  await next();
  // The budget meter: what this request spent joins the isolate's tally (written by the next
  // queue message or alarm here, or at most a minute later; src/delivery/usage.ts).
  const flushed = c.var.services.usage.defer().catch((error) => log("usage.not_recorded", { error: String(error) }));
  try {
    c.executionCtx.waitUntil(flushed);
  } catch {
    await flushed;
  }
});

app.use(htmlSecurityHeaders);

// Only the configured user exists; any other /users/<name> or /@<name> is unknown.
const onlyTheOwner = createMiddleware<AppEnv>(async (c, next) => {
  const name = c.req.param("username") ?? c.req.param("handle")?.slice(1);
  if (name !== c.var.services.config.username) return jsonError(c, 404, "no such user");
  await next();
});
for (const path of ["/users/:username", "/users/:username/*", `/:handle{${PROFILE_PATH}}`, `/:handle{${PROFILE_PATH}}/*`]) {
  app.use(path, onlyTheOwner);
}

// The public documents fetched over and over go through the Cache API (src/public-cache.ts).
for (const path of [
  "/users/:username",
  "/users/:username/outbox",
  "/users/:username/followers",
  "/users/:username/following",
  "/users/:username/collections/featured",
  "/objects/:id/replies",
  `/:handle{${PROFILE_PATH}}`,
  // Post pages and Notes, the feeds, hashtag pages (src/web/routes.tsx).
  `/:handle{${PROFILE_PATH}}/:id`,
  "/objects/:id",
  "/tags/:tag",
  "/nodeinfo/2.1",
]) {
  app.use(path, publicCache);
}

app.get("/", (c) => c.redirect(c.var.services.urls.profile));
app.use("/.well-known/*", clientCors);
app.use("/oauth/token", clientCors);
app.use("/oauth/revoke", clientCors);
app.route("/", mastodonApi);
app.route("/", oauth);
app.route("/", archiveDownloads);
app.route("/", passkeyRoutes);
app.route("/", images);
app.route("/", assets);
app.route("/", mediaFiles);
app.route("/", webfinger);
app.route("/", nodeinfo);
app.route("/", actor);
app.route("/", collections);
app.route("/", featuringRoutes);
app.route("/", quoteAuthorizationRoutes);
app.route("/", interactionAuthorizationRoutes);
app.route("/", emojiRoutes);
app.route("/", inbox);
app.route("/", objectRoutes);
app.route("/", pages);
app.route("/", c2sOutbox);
app.route("/api/roost", roostApi);
app.route("/", interaction);
app.route("/", dashboard);

app.notFound((c) => jsonError(c, 404, "not found"));
app.onError((error, c) => {
  // Middleware refusals (hono/csrf's 403) are answers, not failures.
  if (error instanceof HTTPException && error.status < 500) return jsonError(c, error.status, error.message || "refused");
  log("http.error", { path: c.req.path, error: String(error) });
  return jsonError(c, 500, "internal error");
});
