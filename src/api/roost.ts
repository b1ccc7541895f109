// The owner endpoints that only Roost has, under one prefix (/api/roost), for the CLI: what became
// of deliveries, today's use of the plan, the apps signed in, the passkeys, the push subscriptions. Everything else the owner does goes
// through the Mastodon client API with the owner token as bearer (docs/client-api.md).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { requireOwner } from "./auth.ts";
import { deliveries } from "./deliveries.ts";
import { featureAuthorizationRoutes } from "./feature-authorizations.ts";
import { ownerApps } from "./owner-apps.ts";
import { ownerEmojis } from "./owner-emojis.ts";
import { ownerPasskeys } from "./passkeys.ts";
import { archiveRoutes } from "./archives.ts";
import { portability } from "./portability.ts";
import { roostPush } from "./roost-push.ts";
import { usageRoutes } from "./usage.ts";

export const roostApi = new Hono<AppEnv>().use(requireOwner).route("/deliveries", deliveries).route("/usage", usageRoutes).route("/apps", ownerApps).route("/passkeys", ownerPasskeys).route("/push", roostPush).route("/feature_authorizations", featureAuthorizationRoutes).route("/emojis", ownerEmojis).route("/archives", archiveRoutes).route("/", portability);
