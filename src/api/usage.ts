// GET /api/roost/usage: today's use against the plan's daily allowances (`npm run roost -- usage`).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { usageToday } from "../domain/usage.ts";

export const usageRoutes = new Hono<AppEnv>().get("/", async (c) => c.json(await usageToday(c.var.services)));
