// The owner's browser session for the OAuth sign-in and consent pages: a cookie holding an expiry
// and its HMAC, keyed by the owner token (so replacing the token signs every browser out), and a
// CSRF token bound to that cookie for the consent form.
import { bytesToBase64url } from "../federation/encoding.ts";
import type { Services } from "../services.ts";

export const SESSION_COOKIE = "roost_owner";
export const SESSION_TTL_MS = 12 * 3600_000;

/** HMAC-SHA-256 of `message` keyed by the owner token, base64url: what the session, CSRF and passkey challenges are signed with. */
export async function ownerMac(s: Pick<Services, "config">, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(s.config.ownerToken), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
  return bytesToBase64url(mac);
}

/** String equality in time that does not depend on where the strings differ. */
export function sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.length === y.length && crypto.subtle.timingSafeEqual(x, y);
}

/** A new session cookie value. */
export async function newSession(s: Pick<Services, "config" | "now">): Promise<string> {
  const expires = s.now() + SESSION_TTL_MS;
  return `${expires}.${await ownerMac(s, `session:${expires}`)}`;
}

/** Whether the cookie value is a live session of ours. */
export async function validSession(s: Pick<Services, "config" | "now">, value: string | undefined): Promise<boolean> {
  const [expires, mac] = (value ?? "").split(".");
  if (!expires || !mac || !/^\d+$/.test(expires) || Number(expires) < s.now()) return false;
  return sameText(mac, await ownerMac(s, `session:${expires}`));
}

export function csrfToken(s: Pick<Services, "config">, session: string): Promise<string> {
  return ownerMac(s, `csrf:${session}`);
}

export async function validCsrf(s: Pick<Services, "config">, session: string, token: string | undefined): Promise<boolean> {
  return !!token && sameText(token, await csrfToken(s, session));
}
