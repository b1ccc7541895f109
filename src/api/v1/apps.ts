// POST /api/v1/apps and GET /api/v1/apps/verify_credentials (Mastodon's Api::V1::AppsController).
import { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { appById, type OAuthApp, parseScopes, redirectUrisOf, registerApp, scopesOf } from "../../domain/oauth.ts";
import { vapidPublicKey } from "../../domain/push.ts";
import { jsonError } from "../../http.ts";
import { listParam, readParams, stringParam } from "../body.ts";
import { requireToken } from "../scopes.ts";

const MAX_NAME = 60;
const MAX_WEBSITE = 2048;
const MAX_REDIRECTS = 20;
// Doorkeeper's forbid_redirect_uri: everything else, custom schemes and OOB included, is an opaque string.
const FORBIDDEN_SCHEMES = /^\s*(javascript|data|vbscript):/i;

/** `vapid_key` is the VAPID public key (Elk reads it here when v2 instance has none). */
export function appEntity(app: OAuthApp, vapidKey: string, clientSecret?: string) {
  const redirectUris = redirectUrisOf(app);
  return {
    id: String(app.id),
    name: app.name,
    website: app.website,
    scopes: scopesOf(app),
    redirect_uri: redirectUris.join("\n"),
    redirect_uris: redirectUris,
    vapid_key: vapidKey,
    ...(clientSecret ? { client_id: app.clientId, client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
  };
}

export const apps = new Hono<AppEnv>()
  .post("/api/v1/apps", async (c) => {
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const p = body.params;
    const name = stringParam(p, "client_name")?.trim();
    if (!name) return jsonError(c, 422, "Validation failed: Application name can't be blank");
    if (name.length > MAX_NAME) return jsonError(c, 422, `Validation failed: Application name is too long (maximum is ${MAX_NAME} characters)`);
    const rawUris = Array.isArray(p.redirect_uris) ? listParam(p, "redirect_uris") : (stringParam(p, "redirect_uris") ?? stringParam(p, "redirect_uri") ?? "").split(/[\s\n]+/);
    const redirectUris = rawUris.map((u) => u.trim()).filter(Boolean);
    if (redirectUris.length === 0) return jsonError(c, 422, "Validation failed: Redirect URI can't be blank");
    if (redirectUris.length > MAX_REDIRECTS || redirectUris.some((u) => FORBIDDEN_SCHEMES.test(u) || u.length > 2000)) {
      return jsonError(c, 422, "Validation failed: Redirect URI must be an absolute URI.");
    }
    const scopes = parseScopes(stringParam(p, "scopes") ?? (Array.isArray(p.scopes) ? listParam(p, "scopes").join(" ") : undefined));
    if (!scopes) return jsonError(c, 422, "Validation failed: Scopes must be a subset of the scopes this server knows");
    const website = stringParam(p, "website")?.trim() || null;
    if (website && website.length > MAX_WEBSITE) return jsonError(c, 422, "Validation failed: Website is too long");
    const { app, clientSecret } = await registerApp(c.var.services, { name, website, redirectUris, scopes });
    return c.json(appEntity(app, await vapidPublicKey(c.var.services), clientSecret));
  })
  .get("/api/v1/apps/verify_credentials", requireToken, async (c) => {
    const grant = c.var.grant!;
    const vapidKey = await vapidPublicKey(c.var.services);
    if (grant.appId === null) return c.json({ name: "Owner token", website: null, scopes: grant.scopes, redirect_uris: [], vapid_key: vapidKey });
    const app = await appById(c.var.services, grant.appId);
    if (!app) return jsonError(c, 401, "The access token is invalid");
    return c.json(appEntity(app, vapidKey));
  });
