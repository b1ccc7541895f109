// Bearer tokens on the client API: who the request acts for, and whether its scopes allow it.
// Errors are Mastodon's: 401 without a valid token, 403 outside the token's scopes, 422 for an
// app token on an endpoint that needs the owner.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../context.ts";
import { allows, grantOf } from "../domain/oauth.ts";
import { jsonError } from "../http.ts";

/** The request's bearer token: `Authorization: Bearer`, or `access_token` in the query (megalodon's streaming). */
export function bearerToken(c: Context): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "")?.[1] ?? c.req.query("access_token");
}

/** Reads the bearer token's grant once per request. */
export const readGrant = createMiddleware<AppEnv>(async (c, next) => {
  const bearer = bearerToken(c);
  c.set("grant", bearer ? await grantOf(c.var.services, bearer) : null);
  if (bearer && !c.var.grant) return jsonError(c, 401, "The access token is invalid");
  await next();
});

/** The owner, through a token that carries `scope`. */
export function requireScope(scope: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const grant = c.var.grant;
    if (!grant) return jsonError(c, 401, "The access token is invalid");
    if (!allows(grant.scopes, scope)) return jsonError(c, 403, "This action is outside the authorized scopes");
    if (!grant.actsAsOwner) return jsonError(c, 422, "This method requires an authenticated user");
    await next();
  });
}

/** Whether the request reads as the owner (their filters then apply to the statuses it shows). */
export const actsAsOwner = (c: AppContext): boolean => c.var.grant?.actsAsOwner === true;

/** Any valid token, an app token included (apps/verify_credentials). */
export const requireToken = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.var.grant) return jsonError(c, 401, "The access token is invalid");
  await next();
});
