// Owner authentication: `Authorization: Bearer <OWNER_TOKEN>` on every owner endpoint.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { isOwnerToken } from "../domain/owner.ts";
import { jsonError } from "../http.ts";

export const requireOwner = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1]) return jsonError(c, 401, "owner token required: Authorization: Bearer <OWNER_TOKEN>");
  if (!(await isOwnerToken(c.var.services, match[1].trim()))) return jsonError(c, 401, "wrong owner token");
  await next();
});
