// Signing in as Mastodon apps do, against the Worker: register an app, sign in as the owner,
// consent, exchange the code. Shared by the client API tests.
import { ORIGIN, OWNER_TOKEN, worker } from "./helpers.ts";

export const OOB = "urn:ietf:wg:oauth:2.0:oob";

export interface RegisteredApp {
  client_id: string;
  client_secret: string;
  id: string;
}

export async function registerApp(scopes = "read write follow push", redirectUri = OOB): Promise<RegisteredApp> {
  const res = await worker("/api/v1/apps", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_name: "Test app", redirect_uris: redirectUri, scopes, website: "https://app.example" }),
  });
  if (res.status !== 200) throw new Error(`apps answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as RegisteredApp;
}

/** A browser form POST from one of our pages. */
export const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN },
  body: new URLSearchParams(fields),
});

type AuthorizeOptions = { scope?: string; redirectUri?: string; challenge?: string; state?: string };

/** The /oauth/authorize path an app sends the browser to. */
export function authorizePath(app: RegisteredApp, options: AuthorizeOptions = {}): string {
  const query = new URLSearchParams({ response_type: "code", client_id: app.client_id, redirect_uri: options.redirectUri ?? OOB, scope: options.scope ?? "read write follow" });
  if (options.challenge) query.set("code_challenge", options.challenge), query.set("code_challenge_method", "S256");
  if (options.state) query.set("state", options.state);
  return `/oauth/authorize?${query}`;
}

/** The owner signs in with the owner token, continuing to `next`; returns the session cookie. */
export async function ownerCookie(next: string): Promise<string> {
  const signedIn = await worker("/oauth/login", { ...form({ token: OWNER_TOKEN, next }), redirect: "manual" });
  if (signedIn.status !== 303) throw new Error(`login answered ${signedIn.status}: ${await signedIn.text()}`);
  return signedIn.headers.get("Set-Cookie")!.split(";")[0]!;
}

/** The owner signs in and allows; returns the code (from the OOB page or the redirect). */
export async function authorize(app: RegisteredApp, options: AuthorizeOptions = {}): Promise<string> {
  const path = authorizePath(app, options);
  const login = await worker(path);
  if (login.status !== 200) throw new Error(`authorize answered ${login.status}: ${await login.text()}`);
  return allow(app, await ownerCookie(path), options);
}

/** The signed-in owner (session `cookie`) allows on the consent page; returns the code. */
export async function allow(app: RegisteredApp, cookie: string, options: AuthorizeOptions = {}): Promise<string> {
  const consent = await (await worker(authorizePath(app, options), { headers: { Cookie: cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(consent)?.[1];
  if (!csrf) throw new Error(`no consent form: ${consent}`);
  const fields: Record<string, string> = { client_id: app.client_id, redirect_uri: options.redirectUri ?? OOB, scope: options.scope ?? "read write follow", csrf, decision: "allow" };
  if (options.challenge) Object.assign(fields, { code_challenge: options.challenge, code_challenge_method: "S256" });
  if (options.state) fields.state = options.state;
  const allowed = await worker("/oauth/authorize", { ...form(fields), headers: { ...form(fields).headers, Cookie: cookie }, redirect: "manual" });
  if (allowed.status === 302) return new URL(allowed.headers.get("Location")!.replace(/^[a-z.+-]+:\/?\/?/i, "https://x/")).searchParams.get("code")!;
  const page = await allowed.text();
  const code = /<code id="code">([^<]+)<\/code>/.exec(page)?.[1];
  if (!code) throw new Error(`no code: ${allowed.status} ${page}`);
  return code;
}

export async function exchange(app: RegisteredApp, code: string, extra: Record<string, string> = {}): Promise<Response> {
  return worker("/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ grant_type: "authorization_code", client_id: app.client_id, client_secret: app.client_secret, redirect_uri: OOB, code, ...extra }),
  });
}

/** A token with `scope`, through the whole flow. */
export async function signIn(scope = "read write follow"): Promise<string> {
  const app = await registerApp();
  const res = await exchange(app, await authorize(app, { scope }));
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

export function api(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  if (typeof init.body === "string" && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  return worker(path, { ...init, headers });
}

/** The JSON body of a response; a body that is not JSON fails with the status and text. */
export async function json<T = any>(res: Response | Promise<Response>): Promise<T> {
  const r = await res;
  const text = await r.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${r.status}: ${text}`);
  }
}
