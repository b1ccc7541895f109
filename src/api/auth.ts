// Owner authentication: `Authorization: Bearer <OWNER_TOKEN>` on every owner endpoint.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { jsonError } from "../http.ts";

/** Compares in time independent of where the strings differ. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

export const requireOwner = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1]) return jsonError(c, 401, "owner token required: Authorization: Bearer <OWNER_TOKEN>");
  if (!(await sameSecret(match[1].trim(), c.var.config.ownerToken))) return jsonError(c, 401, "wrong owner token");
  await next();
});
