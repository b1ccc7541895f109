// Security headers for every HTML response, and the cross-site check for forms that act for the
// owner (docs/inbox.md, rule 9).
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";

/**
 * The policy of the other HTML pages (the OAuth sign-in, consent and passkey pages): no script
 * (but for the passkey pages' one, below), the served stylesheet of the layout, images from https,
 * forms only to ourselves, never framed.
 */
const policy = (scripts: string) =>
  `default-src 'none'; script-src ${scripts}; style-src 'self'; img-src https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
const CONTENT_SECURITY_POLICY = policy("'none'");

/**
 * The policy of a page that runs its own inline script: only a <script nonce="…"> with this
 * request's nonce runs (no 'unsafe-inline', no other source). The page sets it as its
 * Content-Security-Policy header and the middleware below leaves it.
 */
export function scriptNoncePolicy(nonce: string): string {
  return policy(`'nonce-${nonce}'`);
}

/**
 * The policy of the public pages (src/web/): their one inline script by its hash, the served
 * stylesheet, images and media from us or https, and forms to us — whose answer may redirect the
 * visitor to their own server's follow or interaction page (the remote-follow flow), so form
 * targets may be https (http too in local development, where peers are on loopback).
 */
export function publicPagePolicy(scriptSource: string, localDev: boolean): string {
  const remote = localDev ? "https: http:" : "https:";
  return `default-src 'none'; script-src ${scriptSource}; style-src 'self'; img-src 'self' ${remote} data:; media-src 'self' ${remote}; form-action 'self' ${remote}; base-uri 'none'; object-src 'none'; frame-ancestors 'none'`;
}

/** The owner's pages (the dashboard): as the public pages, but forms go only to us and images come only from us or https. */
export function ownerPagePolicy(scriptSource: string): string {
  return `default-src 'none'; script-src ${scriptSource}; style-src 'self'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'`;
}

export const htmlSecurityHeaders = createMiddleware(async (c, next) => {
  await next();
  if (!(c.res.headers.get("Content-Type") ?? "").toLowerCase().startsWith("text/html")) return;
  if (!c.res.headers.has("Content-Security-Policy")) c.res.headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  c.res.headers.set("X-Content-Type-Options", "nosniff");
  c.res.headers.set("Referrer-Policy", "same-origin");
  c.res.headers.set("X-Frame-Options", "DENY");
});

/**
 * Whether a form POST may act for the owner: a browser says where the form was, and it must be
 * our own page (Origin, or Sec-Fetch-Site). The form also carries the owner token, which a
 * cross-site page cannot know; clients that are not browsers send neither header.
 */
export function sameOriginForm(c: Context, origin: string): boolean {
  const sentOrigin = c.req.header("Origin");
  if (sentOrigin !== undefined && sentOrigin !== origin) return false;
  const site = c.req.header("Sec-Fetch-Site");
  return site === undefined || site === "same-origin" || site === "none";
}
