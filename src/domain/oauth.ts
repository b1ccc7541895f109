// OAuth 2 as Mastodon serves it (Doorkeeper's rules): apps registered with exact redirect URIs,
// single-use authorization codes (PKCE S256 when a challenge was sent), tokens that do not expire.
// Secrets, codes and tokens are stored only as SHA-256, so a database dump logs no one in.
import { and, desc, eq, lt } from "drizzle-orm";
import { snowflake } from "../db/snowflake.ts";
import { oauthApps, oauthCodes, oauthTokens } from "../db/schema.ts";
import { bytesToBase64 } from "../federation/encoding.ts";
import type { Services } from "../services.ts";
import { isOwnerToken } from "./owner.ts";

export const OOB = "urn:ietf:wg:oauth:2.0:oob";
const CODE_TTL_MS = 10 * 60_000;

/** The scopes Mastodon knows (4.4), umbrella and granular. */
const TOP = ["read", "write", "follow", "push", "profile", "admin:read", "admin:write"];
const GRANULAR = [
  "read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows", "read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
  "write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites", "write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications", "write:reports", "write:statuses",
];
export const SCOPES = [...TOP, ...GRANULAR];
const FOLLOW_COVERS = new Set(["read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"]);

/** Whether `granted` allows `required` by Mastodon's hierarchy: `read` covers `read:*`, `follow` the follow/block/mute scopes. */
export function allows(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  const top = required.split(":")[0]!;
  if (top !== required && granted.includes(top)) return true;
  return granted.includes("follow") && FOLLOW_COVERS.has(required);
}

/** Space- or plus-separated scopes; null when one is unknown. */
export function parseScopes(raw: string | undefined, fallback = "read"): string[] | null {
  const list = (raw ?? "").split(/[\s+]+/).filter(Boolean);
  const scopes = list.length > 0 ? [...new Set(list)] : [fallback];
  return scopes.every((s) => SCOPES.includes(s)) ? scopes : null;
}

/** Who a request acts for. The owner token and owner-approved tokens act as the owner; app tokens only as the app. */
export interface Grant {
  tokenId: number | null;
  appId: number | null;
  scopes: string[];
  actsAsOwner: boolean;
}

const OWNER_GRANT: Grant = { tokenId: null, appId: null, scopes: SCOPES, actsAsOwner: true };

function randomToken(bytes = 32): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** base64url(SHA-256(verifier)), PKCE's S256. */
async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return bytesToBase64(digest).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export type OAuthApp = typeof oauthApps.$inferSelect;

export interface NewApp {
  name: string;
  website: string | null;
  redirectUris: string[];
  scopes: string[];
}

/** Registers an app; the secret is returned this once. */
export async function registerApp(s: Services, app: NewApp): Promise<{ app: OAuthApp; clientSecret: string }> {
  const clientSecret = randomToken();
  const row = {
    id: snowflake(s.now()),
    clientId: randomToken(),
    clientSecretHash: await sha256Hex(clientSecret),
    name: app.name,
    website: app.website,
    redirectUris: app.redirectUris.join("\n"),
    scopes: app.scopes.join(" "),
    createdAt: s.now(),
  };
  await s.db.insert(oauthApps).values(row);
  return { app: row, clientSecret };
}

export async function findApp(s: Services, clientId: string): Promise<OAuthApp | null> {
  const [app] = await s.db.select().from(oauthApps).where(eq(oauthApps.clientId, clientId)).limit(1);
  return app ?? null;
}

export async function appById(s: Services, id: number): Promise<OAuthApp | null> {
  const [app] = await s.db.select().from(oauthApps).where(eq(oauthApps.id, id)).limit(1);
  return app ?? null;
}

/** The app when `clientSecret` is its secret. */
export async function authenticateClient(s: Services, clientId: string, clientSecret: string): Promise<OAuthApp | null> {
  const app = await findApp(s, clientId);
  if (!app) return null;
  const presented = await sha256Hex(clientSecret);
  const a = new TextEncoder().encode(presented);
  const b = new TextEncoder().encode(app.clientSecretHash);
  return a.length === b.length && crypto.subtle.timingSafeEqual(a, b) ? app : null;
}

export const redirectUrisOf = (app: OAuthApp) => app.redirectUris.split("\n");
export const scopesOf = (app: OAuthApp) => app.scopes.split(" ");

/** After the owner said yes: a code for `redirectUri`, valid ten minutes, once. */
export async function issueCode(s: Services, app: OAuthApp, grant: { redirectUri: string; scopes: string[]; codeChallenge: string | null }): Promise<string> {
  const code = randomToken();
  await s.db.delete(oauthCodes).where(lt(oauthCodes.expiresAt, s.now()));
  await s.db.insert(oauthCodes).values({
    codeHash: await sha256Hex(code),
    appId: app.id,
    redirectUri: grant.redirectUri,
    scopes: grant.scopes.join(" "),
    codeChallenge: grant.codeChallenge,
    expiresAt: s.now() + CODE_TTL_MS,
  });
  return code;
}

export type TokenResult = { ok: true; token: string; scopes: string[]; createdAt: number } | { ok: false; error: string; description: string };

async function issueToken(s: Services, appId: number, scopes: string[], actsAsOwner: boolean): Promise<TokenResult> {
  const token = randomToken();
  const createdAt = s.now();
  await s.db.insert(oauthTokens).values({ id: snowflake(createdAt), tokenHash: await sha256Hex(token), appId, scopes: scopes.join(" "), actsAsOwner, createdAt });
  return { ok: true, token, scopes, createdAt };
}

/** authorization_code: the code is spent whether or not the rest checks out. */
export async function redeemCode(s: Services, app: OAuthApp, code: string, redirectUri: string | undefined, verifier: string | undefined): Promise<TokenResult> {
  const invalid = (description: string): TokenResult => ({ ok: false, error: "invalid_grant", description });
  const [row] = await s.db.delete(oauthCodes).where(eq(oauthCodes.codeHash, await sha256Hex(code))).returning();
  if (!row || row.appId !== app.id) return invalid("The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.");
  if (row.expiresAt < s.now()) return invalid("The authorization code has expired.");
  if (redirectUri !== undefined && redirectUri !== row.redirectUri) return invalid("The redirect_uri does not match the one of the authorization request.");
  if (row.codeChallenge !== null) {
    if (!verifier || (await s256(verifier)) !== row.codeChallenge) return invalid("The PKCE code_verifier does not match the code_challenge.");
  }
  return issueToken(s, app.id, row.scopes.split(" "), true);
}

/** client_credentials: a token that acts only as the app (public reads, apps/verify_credentials). */
export async function appToken(s: Services, app: OAuthApp, requested: string[]): Promise<TokenResult> {
  const allowed = scopesOf(app);
  if (!requested.every((scope) => allowed.includes(scope))) return { ok: false, error: "invalid_scope", description: "The requested scope is invalid, unknown, or malformed." };
  return issueToken(s, app.id, requested, false);
}

/** The grant of a bearer token: the owner token, or one we issued; null when it is neither. */
export async function grantOf(s: Services, bearer: string): Promise<Grant | null> {
  if (await isOwnerToken(s, bearer)) return OWNER_GRANT;
  const [row] = await s.db.select().from(oauthTokens).where(eq(oauthTokens.tokenHash, await sha256Hex(bearer))).limit(1);
  return row ? { tokenId: row.id, appId: row.appId, scopes: row.scopes.split(" "), actsAsOwner: row.actsAsOwner } : null;
}

/** Revokes a token, but only for the app it was issued to (RFC 7009); unknown tokens are not an error. */
export async function revokeToken(s: Services, app: OAuthApp, token: string): Promise<void> {
  const revoked = await s.db.delete(oauthTokens).where(and(eq(oauthTokens.tokenHash, await sha256Hex(token)), eq(oauthTokens.appId, app.id))).returning({ id: oauthTokens.id });
  // Its streaming sockets close with it (Mastodon's `kill` event).
  await s.stream.closeTokens(revoked.map((t) => t.id));
}

/** The owner's view: every app with its live tokens. */
export async function listAuthorizedApps(s: Services) {
  const apps = await s.db.select().from(oauthApps).orderBy(desc(oauthApps.createdAt));
  const tokens = await s.db.select({ appId: oauthTokens.appId, id: oauthTokens.id, scopes: oauthTokens.scopes, createdAt: oauthTokens.createdAt }).from(oauthTokens);
  return apps.map((app) => ({ app, tokens: tokens.filter((t) => t.appId === app.id) }));
}

/** Removes an app, its tokens and its pending codes. False when there is no such app. */
export async function revokeApp(s: Services, appId: number): Promise<boolean> {
  const [app] = await s.db.delete(oauthApps).where(eq(oauthApps.id, appId)).returning();
  if (!app) return false;
  const [tokens] = await s.db.batch([s.db.delete(oauthTokens).where(eq(oauthTokens.appId, appId)).returning({ id: oauthTokens.id }), s.db.delete(oauthCodes).where(eq(oauthCodes.appId, appId))]);
  await s.stream.closeTokens(tokens.map((t) => t.id));
  return true;
}
