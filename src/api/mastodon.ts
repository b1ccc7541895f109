// The Mastodon client API (/api/v1, /api/v2): one sub-app per resource, behind CORS (browser
// clients) and the bearer-token reader. Rules: docs/client-api.md.
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context.ts";
import { jsonError } from "../http.ts";
import { readGrant } from "./scopes.ts";
import { accounts } from "./v1/accounts.ts";
import { apps } from "./v1/apps.ts";
import { blockRoutes } from "./v1/blocks.ts";
import { filtersV1 } from "./v1/filters.ts";
import { followRequests } from "./v1/follow-requests.ts";
import { instance } from "./v1/instance.ts";
import { listRoutes } from "./v1/lists.ts";
import { markerRoutes } from "./v1/markers.ts";
import { media } from "./v1/media.ts";
import { notificationRoutes } from "./v1/notifications.ts";
import { pollRoutes } from "./v1/polls.ts";
import { quoteRoutes } from "./v1/quotes.ts";
import { statusMarks } from "./v1/status-marks.ts";
import { pushRoutes } from "./v1/push.ts";
import { statusRoutes } from "./v1/statuses.ts";
import { scheduledRoutes } from "./v1/scheduled-statuses.ts";
import { conversationRoutes } from "./v1/conversations.ts";
import { tagRoutes } from "./v1/tags.ts";
import { streaming, streamingHealth } from "./v1/streaming.ts";
import { stubs } from "./v1/stubs.ts";
import { emojiRoutes } from "./v1/emoji.ts";
import { timelines } from "./v1/timelines.ts";
import { filtersV2 } from "./v2/filters.ts";
import { search } from "./v2/search.ts";

export const clientCors = cors({
  origin: "*",
  allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"],
  allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  exposeHeaders: ["Link", "X-RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-Request-Id"],
  maxAge: 86400,
});

export const mastodonApi = new Hono<AppEnv>()
  // Load balancers and apps probe this with whatever header they have: OK before any token check, as Mastodon answers.
  .use("/api/v1/streaming/health", clientCors)
  .route("/", streamingHealth)
  .use("/api/v1/*", clientCors, readGrant)
  .use("/api/v2/*", clientCors, readGrant)
  .route("/", instance)
  .route("/", apps)
  .route("/", accounts)
  .route("/", statusRoutes)
  .route("/", statusMarks)
  .route("/", timelines)
  .route("/", notificationRoutes)
  .route("/", followRequests)
  .route("/", blockRoutes)
  .route("/", markerRoutes)
  .route("/", pushRoutes)
  .route("/", search)
  .route("/", listRoutes)
  .route("/", filtersV1)
  .route("/", filtersV2)
  .route("/", media)
  .route("/", scheduledRoutes)
  .route("/", conversationRoutes)
  .route("/", tagRoutes)
  .route("/", pollRoutes)
  .route("/", quoteRoutes)
  .route("/", emojiRoutes)
  .route("/", stubs)
  .route("/", streaming)
  .all("/api/v1/*", (c) => jsonError(c, 404, "Record not found"))
  .all("/api/v2/*", (c) => jsonError(c, 404, "Record not found"));
