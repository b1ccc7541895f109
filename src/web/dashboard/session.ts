// Who may see the dashboard and send its forms: the owner's session cookie, the one the OAuth
// sign-in sets (owner token or passkey; src/oauth/common.tsx), checked with src/domain/owner-session.ts.
// Forms are protected three ways: the cookie is SameSite=Lax (a cross-site POST does not carry
// it), the browser's Origin must be ours, and each form carries the session's CSRF token.
import { getCookie } from "hono/cookie";
import type { AppContext } from "../../context.ts";
import { csrfToken, SESSION_COOKIE, validCsrf, validSession } from "../../domain/owner-session.ts";

export const DASHBOARD = "/dashboard";

/** The sign-in page, continuing to `next` (a dashboard path). */
export const signInPath = (next: string) => `/oauth/login?next=${encodeURIComponent(next)}`;

/** The live session cookie, or null. */
export async function dashboardSession(c: AppContext): Promise<string | null> {
  const session = getCookie(c, SESSION_COOKIE);
  return session && (await validSession(c.var.services, session)) ? session : null;
}

export const formToken = (c: AppContext, session: string) => csrfToken(c.var.services, session);

export type FormCheck = { ok: true; fields: Record<string, string> } | { ok: false; status: 400 | 401 | 403; message: string };

/**
 * Checks a dashboard form POST before anything changes: signed in, sent from our own page
 * (Origin), with this session's token. Only url-encoded or multipart text fields are read.
 */
export async function checkForm(c: AppContext): Promise<FormCheck> {
  const session = await dashboardSession(c);
  if (!session) return { ok: false, status: 401, message: "Your sign-in expired. Sign in again and repeat the change." };
  if (c.req.header("Origin") !== c.var.services.urls.origin) return { ok: false, status: 403, message: "This form must be sent from the dashboard on this site." };
  const type = (c.req.header("Content-Type") ?? "").toLowerCase();
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
    return { ok: false, status: 400, message: "The form was not sent as a form." };
  }
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch {
    return { ok: false, status: 400, message: "The form could not be read." };
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === "string") fields[key] = value;
  if (!(await validCsrf(c.var.services, session, fields.csrf))) return { ok: false, status: 403, message: "This form is stale. Reload the dashboard and try again." };
  return { ok: true, fields };
}
