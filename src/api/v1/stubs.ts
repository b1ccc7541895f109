// Endpoints clients call on every start that Roost has nothing for yet. They must answer 200 with
// an empty list or object — a 404 breaks the official iOS app (Hollo #421) and Phanpy, which asks
// for followed tags on every home load.
import { Hono } from "hono";
import type { AppEnv } from "../../context.ts";

const EMPTY_LISTS = [
  "/api/v1/trends",
  "/api/v1/trends/tags",
  "/api/v1/trends/statuses",
  "/api/v1/trends/links",
  "/api/v1/suggestions",
  "/api/v2/suggestions",
  "/api/v1/announcements",
  "/api/v1/featured_tags",
  "/api/v1/featured_tags/suggestions",
  "/api/v1/endorsements",
  "/api/v1/directory",
];

export const stubs = new Hono<AppEnv>().on("GET", EMPTY_LISTS, (c) => c.json([]));
