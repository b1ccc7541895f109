// What the OAuth pages share: parameter reading, the page shell, the owner's sign-in form and the
// session cookie both sign-ins (owner token, passkey) end with.
import { getCookie, setCookie } from "hono/cookie";
import type { AppContext } from "../context.ts";
import { newSession, SESSION_COOKIE, SESSION_TTL_MS, validSession } from "../domain/owner-session.ts";
import { type Json, stringParam } from "../api/body.ts";
import { Layout } from "../web/layout.tsx";

export const PASSKEYS_PATH = "/oauth/passkeys";

/** Values Mastodon.py writes as the literal string "None" are absent. */
export const param = (p: Json, key: string) => {
  const v = stringParam(p, key);
  return v === undefined || v === "" || v === "None" ? undefined : v;
};

export function page(c: AppContext, title: string, body: unknown, status: 200 | 400 | 401 | 403 | 404 = 200) {
  c.header("Cache-Control", "no-store");
  return c.html(<Layout title={title}>{body as never}</Layout>, status);
}

/**
 * Where a sign-in may continue: the consent page of an authorization request, the passkeys page,
 * or a page of the owner's dashboard (src/web/dashboard/) — never another site.
 */
export const signInContinues = (next: string) =>
  next.startsWith("/oauth/authorize?") || next === PASSKEYS_PATH || /^\/dashboard(\/[A-Za-z0-9_-]+)*$/.test(next);

/** The owner's session cookie when it is a live one. */
export async function ownerSession(c: AppContext): Promise<string | null> {
  const session = getCookie(c, SESSION_COOKIE);
  return session && (await validSession(c.var.services, session)) ? session : null;
}

/** Signs the browser in as the owner (the cookie the consent, passkeys and dashboard pages check) and continues to `next`. */
export async function startOwnerSession(c: AppContext, next: string): Promise<Response> {
  const s = c.var.services;
  setCookie(c, SESSION_COOKIE, await newSession(s), {
    httpOnly: true,
    secure: s.urls.origin.startsWith("https:"),
    sameSite: "Lax",
    // The OAuth pages and the dashboard (/dashboard) both read it.
    path: "/",
    maxAge: SESSION_TTL_MS / 1000,
  });
  return c.redirect(next, 303);
}

export function OwnerTokenForm(props: { next: string }) {
  return (
    <form method="post" action="/oauth/login">
      <input type="hidden" name="next" value={props.next} />
      <p>
        <label>
          Owner token <input name="token" type="password" autocomplete="current-password" required />
        </label>
      </p>
      <button type="submit">Sign in</button>
    </form>
  );
}
