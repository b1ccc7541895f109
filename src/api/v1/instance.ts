// Instance information (v1 and v2), preferences (custom emoji: ./emoji.ts).
import { and, count, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { statuses } from "../../db/schema.ts";
import { vapidPublicKey } from "../../domain/push.ts";
import { ownerAccount } from "../entities/account.ts";
import { instanceV1, instanceV2 } from "../entities/instance.ts";
import { requireScope } from "../scopes.ts";

export const instance = new Hono<AppEnv>()
  .get("/api/v1/instance", async (c) => {
    const s = c.var.services;
    const [posts] = await s.db.select({ n: count() }).from(statuses).where(and(eq(statuses.local, true), eq(statuses.actorId, s.urls.actor)));
    return c.json(instanceV1(s, await s.profile(), await ownerAccount(s), { statuses: posts?.n ?? 0 }));
  })
  .get("/api/v2/instance", async (c) => {
    const s = c.var.services;
    const [profile, contact, vapidKey] = await Promise.all([s.profile(), ownerAccount(s), vapidPublicKey(s)]);
    return c.json(instanceV2(s, profile, contact, vapidKey));
  })
  .get("/api/v1/instance/peers", (c) => c.json([]))
  .get("/api/v1/instance/activity", (c) => c.json([]))
  .get("/api/v1/instance/rules", (c) => c.json([]))
  .get("/api/v1/instance/extended_description", (c) => c.json({ updated_at: null, content: "" }))
  .get("/api/v1/preferences", requireScope("read:accounts"), async (c) => {
    const profile = await c.var.services.profile();
    return c.json({
      "posting:default:visibility": profile.defaultVisibility,
      "posting:default:sensitive": profile.defaultSensitive,
      "posting:default:language": profile.defaultLanguage,
      "reading:expand:media": "default",
      "reading:expand:spoilers": false,
    });
  });
