// OAuth 2 for Mastodon clients: the authorization server metadata, the owner's sign-in (with the
// owner token, or a passkey: src/oauth/passkeys.tsx) and consent pages, the token and revoke
// endpoints. Rules: docs/client-api.md.
import { Hono } from "hono";
import { deleteCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import type { AppContext, AppEnv } from "../context.ts";
import {
  appToken,
  authenticateClient,
  findApp,
  issueCode,
  type OAuthApp,
  OOB,
  parseScopes,
  redeemCode,
  redirectUrisOf,
  revokeToken,
  SCOPES,
  scopesOf,
} from "../domain/oauth.ts";
import { isOwnerToken } from "../domain/owner.ts";
import { csrfToken, SESSION_COOKIE, validCsrf } from "../domain/owner-session.ts";
import { type Json, readParams } from "../api/body.ts";
import { ownerSession, page, param, PASSKEYS_PATH, signInContinues, startOwnerSession } from "./common.tsx";
import { signInForms } from "./passkeys.tsx";

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string | undefined;
}

/** Appends query parameters to a redirect URI taken as an opaque string (custom schemes are not URLs). */
function withParams(uri: string, params: Record<string, string | undefined>): string {
  const query = Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
  return `${uri}${uri.includes("?") ? "&" : "?"}${query}`;
}

/** Checks what the client asked for; an error before the redirect URI is known is shown, never redirected. */
async function authorizeRequest(c: AppContext, p: Json): Promise<{ ok: true; request: AuthorizeRequest; app: OAuthApp } | { ok: false; response: Response | Promise<Response> }> {
  const s = c.var.services;
  const clientId = param(p, "client_id");
  const app = clientId ? await findApp(s, clientId) : null;
  if (!app) return { ok: false, response: page(c, "Sign-in failed", <p>This app is not registered here (unknown client_id).</p>, 400) };
  const redirectUri = param(p, "redirect_uri") ?? (redirectUrisOf(app).length === 1 ? redirectUrisOf(app)[0] : undefined);
  if (!redirectUri || !redirectUrisOf(app).includes(redirectUri)) {
    return { ok: false, response: page(c, "Sign-in failed", <p>The redirect URI is not one this app registered.</p>, 400) };
  }
  const state = param(p, "state");
  const fail = (error: string) => ({ ok: false as const, response: redirectUri === OOB ? page(c, "Sign-in failed", <p>{error}</p>, 400) : c.redirect(withParams(redirectUri, { error, state }), 302) });
  if ((param(p, "response_type") ?? "code") !== "code") return fail("unsupported_response_type");
  const scopes = parseScopes(param(p, "scope") ?? param(p, "scopes"));
  if (!scopes || !scopes.every((scope) => scopesOf(app).includes(scope) || scopesOf(app).includes(scope.split(":")[0]!))) return fail("invalid_scope");
  const codeChallenge = param(p, "code_challenge");
  if (codeChallenge && (param(p, "code_challenge_method") ?? "plain") !== "S256") return fail("invalid_request");
  return { ok: true, request: { clientId: app.clientId, redirectUri, scopes, state, codeChallenge }, app };
}

function hidden(request: AuthorizeRequest) {
  return (
    <>
      <input type="hidden" name="client_id" value={request.clientId} />
      <input type="hidden" name="redirect_uri" value={request.redirectUri} />
      <input type="hidden" name="scope" value={request.scopes.join(" ")} />
      {request.state !== undefined && <input type="hidden" name="state" value={request.state} />}
      {request.codeChallenge !== undefined && (
        <>
          <input type="hidden" name="code_challenge" value={request.codeChallenge} />
          <input type="hidden" name="code_challenge_method" value="S256" />
        </>
      )}
    </>
  );
}

const SCOPE_TEXT: Record<string, string> = {
  read: "read everything of your account",
  write: "post, edit, delete and change your account",
  follow: "follow, block and mute accounts",
  push: "receive push notifications",
  profile: "see your profile",
};

export const oauth = new Hono<AppEnv>()
  .get("/.well-known/oauth-authorization-server", (c) => {
    const origin = c.var.services.urls.origin;
    return c.json({
      issuer: `${origin}/`,
      authorization_endpoint: `${origin}/oauth/authorize`,
      token_endpoint: `${origin}/oauth/token`,
      revocation_endpoint: `${origin}/oauth/revoke`,
      app_registration_endpoint: `${origin}/api/v1/apps`,
      scopes_supported: SCOPES,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      code_challenge_methods_supported: ["S256"],
      service_documentation: "https://docs.joinmastodon.org/",
    });
  })
  .get("/oauth/authorize", async (c) => {
    const s = c.var.services;
    const params = await readParams(c);
    if (!params.ok) return page(c, "Sign-in failed", <p>{params.error}</p>, 400);
    const checked = await authorizeRequest(c, params.params);
    if (!checked.ok) return checked.response;
    const session = await ownerSession(c);
    const forceLogin = param(params.params, "force_login") === "true";
    if (!session || forceLogin) {
      const next = new URL(c.req.url);
      next.searchParams.delete("force_login");
      return page(
        c,
        "Sign in",
        <>
          <h1>Sign in to {(await s.profile()).displayName}</h1>
          <p>{checked.app.name} wants to use your account. First, sign in as the owner.</p>
          {await signInForms(c, `${next.pathname}${next.search}`)}
          <p class="meta">
            To sign in with a passkey next time, add one on the <a href={PASSKEYS_PATH}>passkeys page</a>.
          </p>
        </>,
      );
    }
    const { request } = checked;
    return page(
      c,
      "Authorize",
      <>
        <h1>Authorize {checked.app.name}?</h1>
        <p>
          {checked.app.name} will be able to act as @{s.config.username}@{s.config.handleDomain}:
        </p>
        <ul>
          {request.scopes.map((scope) => (
            <li>{SCOPE_TEXT[scope] ?? scope}</li>
          ))}
        </ul>
        <form method="post" action="/oauth/authorize">
          {hidden(request)}
          <input type="hidden" name="csrf" value={await csrfToken(s, session)} />
          <button type="submit" name="decision" value="allow">
            Allow
          </button>{" "}
          {request.redirectUri !== OOB && (
            <button type="submit" name="decision" value="deny">
              Deny
            </button>
          )}
        </form>
        <p class="meta">
          <a href={PASSKEYS_PATH}>Passkeys</a>: sign in without the owner token next time.
        </p>
      </>,
    );
  })
  // The sign-in page the dashboard sends an unsigned browser to; it continues to `next`.
  .get("/oauth/login", async (c) => {
    const next = c.req.query("next") ?? "";
    if (!signInContinues(next)) return page(c, "Sign in", <p>There is nothing to continue to here.</p>, 400);
    if (await ownerSession(c)) return c.redirect(next, 303);
    return page(
      c,
      "Sign in",
      <>
        <h1>Sign in to {(await c.var.services.profile()).displayName}</h1>
        {await signInForms(c, next)}
      </>,
    );
  })
  // The two forms act for the owner: their Origin must be ours (hono/csrf), and consent also carries a token bound to the session.
  .post("/oauth/login", csrf(), async (c) => {
    const s = c.var.services;
    const params = await readParams(c);
    const p = params.ok ? params.params : {};
    const next = param(p, "next") ?? "";
    if (!(await isOwnerToken(s, param(p, "token") ?? ""))) return page(c, "Sign in", <p>That is not the owner token. Go back and try again.</p>, 401);
    if (!signInContinues(next)) return page(c, "Signed in", <p>Signed in. Return to your app to continue.</p>);
    return startOwnerSession(c, next);
  })
  .post("/oauth/authorize", csrf(), async (c) => {
    const s = c.var.services;
    const params = await readParams(c);
    if (!params.ok) return page(c, "Authorize", <p>{params.error}</p>, 400);
    const session = await ownerSession(c);
    if (!session) return page(c, "Authorize", <p>Your sign-in expired. Start again from your app.</p>, 401);
    if (!(await validCsrf(s, session, param(params.params, "csrf")))) return page(c, "Authorize", <p>This form is stale. Start again from your app.</p>, 403);
    const checked = await authorizeRequest(c, params.params);
    if (!checked.ok) return checked.response;
    const { request } = checked;
    if (param(params.params, "decision") !== "allow") {
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      if (request.redirectUri === OOB) return page(c, "Denied", <p>Access denied.</p>);
      return c.redirect(withParams(request.redirectUri, { error: "access_denied", state: request.state }), 302);
    }
    const code = await issueCode(s, checked.app, { redirectUri: request.redirectUri, scopes: request.scopes, codeChallenge: request.codeChallenge ?? null });
    if (request.redirectUri === OOB) {
      return page(
        c,
        "Authorization code",
        <>
          <h1>Authorization code</h1>
          <p>Copy this code and paste it into {checked.app.name}:</p>
          <p>
            <code id="code">{code}</code>
          </p>
        </>,
      );
    }
    return c.redirect(withParams(request.redirectUri, { code, state: request.state }), 302);
  })
  .post("/oauth/token", async (c) => {
    const s = c.var.services;
    const params = await readParams(c);
    if (!params.ok) return c.json({ error: "invalid_request", error_description: params.error }, 400);
    const p = params.params;
    const basic = /^Basic\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
    let [clientId, clientSecret] = [param(p, "client_id"), param(p, "client_secret")];
    if (basic) {
      const decoded = (() => {
        try {
          return atob(basic);
        } catch {
          return "";
        }
      })();
      const colon = decoded.indexOf(":");
      const [id, secret] = colon === -1 ? [decoded, ""] : [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
      if ((clientId && clientId !== id) || (clientSecret && clientSecret !== secret)) return c.json({ error: "invalid_request", error_description: "Client credentials differ between the header and the body." }, 400);
      [clientId, clientSecret] = [id, secret];
    }
    const app = clientId && clientSecret ? await authenticateClient(s, clientId, clientSecret) : null;
    if (!app) return c.json({ error: "invalid_client", error_description: "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method." }, 401);
    const grantType = param(p, "grant_type");
    let result;
    if (grantType === "authorization_code") {
      const code = param(p, "code");
      if (!code) return c.json({ error: "invalid_request", error_description: "Missing required parameter: code." }, 400);
      // `scope` is ignored here, as Mastodon does: the code carries the scopes the owner approved.
      result = await redeemCode(s, app, code, param(p, "redirect_uri"), param(p, "code_verifier"));
    } else if (grantType === "client_credentials") {
      const scopes = parseScopes(param(p, "scope"));
      if (!scopes) return c.json({ error: "invalid_scope", error_description: "The requested scope is invalid, unknown, or malformed." }, 400);
      result = await appToken(s, app, scopes);
    } else {
      return c.json({ error: "unsupported_grant_type", error_description: "The authorization grant type is not supported by the authorization server." }, 400);
    }
    if (!result.ok) return c.json({ error: result.error, error_description: result.description }, 400);
    return c.json({ access_token: result.token, token_type: "Bearer", scope: result.scopes.join(" "), created_at: Math.floor(result.createdAt / 1000) });
  })
  .post("/oauth/revoke", async (c) => {
    const s = c.var.services;
    const params = await readParams(c);
    const p = params.ok ? params.params : {};
    const app = await authenticateClient(s, param(p, "client_id") ?? "", param(p, "client_secret") ?? "");
    if (!app) return c.json({ error: "unauthorized_client", error_description: "You are not authorized to revoke this token" }, 403);
    const token = param(p, "token");
    if (token) await revokeToken(s, app, token);
    return c.json({});
  });
