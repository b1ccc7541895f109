// GET /api/roost/push: the owner's view of Web Push — every subscription, its app, what it asked
// for and the last push's result (`npm run roost -- push`).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { alertsOf, listSubscriptions } from "../domain/push.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const roostPush = new Hono<AppEnv>().get("/", async (c) =>
  c.json({
    subscriptions: (await listSubscriptions(c.var.services)).map((row) => ({
      id: String(row.id),
      app: row.app,
      endpoint: row.endpoint,
      encoding: row.standard ? "aes128gcm" : "aesgcm",
      alerts: Object.entries(alertsOf(row))
        .filter(([, on]) => on)
        .map(([type]) => type),
      policy: row.policy,
      createdAt: iso(row.createdAt),
      lastPush: row.lastPushAt === null ? null : { at: iso(row.lastPushAt), status: row.lastPushStatus, error: row.lastPushError },
    })),
  }),
);
