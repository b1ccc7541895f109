// The HTTP application: configuration and database per request, then the route groups.
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { ConfigError, loadConfig } from "./config.ts";
import type { AppEnv } from "./context.ts";
import { database } from "./db/client.ts";
import { actor, PROFILE_PATH } from "./federation/actor.ts";
import { collections } from "./federation/collections.ts";
import { inbox } from "./federation/inbox/route.ts";
import { objectRoutes } from "./federation/objects.tsx";
import { publishing } from "./publish/routes.ts";
import { deliveries } from "./api/deliveries.ts";
import { relationships } from "./api/relationships.ts";
import { interaction } from "./web/interaction.tsx";
import { nodeinfo } from "./federation/nodeinfo.ts";
import { localUrls } from "./federation/urls.ts";
import { webfinger } from "./federation/webfinger.ts";
import { jsonError } from "./http.ts";

export const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  let config;
  try {
    config = loadConfig(c.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.log(JSON.stringify({ event: "config.invalid", error: error.message }));
    return jsonError(c, 503, error.message);
  }
  c.set("config", config);
  c.set("db", database(c.env.DB));
  c.set("urls", localUrls(config));
  await next();
});

// Only the configured user exists; any other /users/<name> or /@<name> is unknown.
const onlyTheOwner = createMiddleware<AppEnv>(async (c, next) => {
  const name = c.req.param("username") ?? c.req.param("handle")?.slice(1);
  if (name !== c.var.config.username) return jsonError(c, 404, "no such user");
  await next();
});
for (const path of ["/users/:username", "/users/:username/*", `/:handle{${PROFILE_PATH}}`, `/:handle{${PROFILE_PATH}}/*`]) {
  app.use(path, onlyTheOwner);
}

app.get("/", (c) => c.redirect(c.var.urls.profile));
app.route("/", webfinger);
app.route("/", nodeinfo);
app.route("/", actor);
app.route("/", collections);
app.route("/", inbox);
app.route("/", objectRoutes);
app.route("/", publishing);
app.route("/api/deliveries", deliveries);
app.route("/api", relationships);
app.route("/", interaction);

app.notFound((c) => jsonError(c, 404, "not found"));
app.onError((error, c) => {
  console.log(JSON.stringify({ event: "http.error", path: c.req.path, error: String(error) }));
  return jsonError(c, 500, "internal error");
});
