// Passkeys for the owner's sign-in: the passkeys page (list, delete, add — only when signed in),
// the "Sign in with a passkey" form of the sign-in pages, and the POSTs their small inline script
// submits. The checks are in src/domain/passkeys.ts; rules in docs/client-api.md → Passkeys.
//
// The browser side is one inline script allowed by a per-response CSP nonce (no 'unsafe-inline').
// It reads the options from the button's data-options, calls navigator.credentials, and submits
// the answer as JSON in a hidden field of an ordinary form, so the POSTs get the same Origin check
// (hono/csrf) and, when signed in, the same session-bound CSRF token as the consent form.
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import type { Child } from "hono/jsx";
import type { AppContext, AppEnv } from "../context.ts";
import { csrfToken, validCsrf } from "../domain/owner-session.ts";
import { algorithmName, deletePasskey, listPasskeys, registerPasskey, registrationOptions, signInOptions, verifyPasskeySignIn } from "../domain/passkeys.ts";
import { bytesToBase64url } from "../federation/encoding.ts";
import { readParams } from "../api/body.ts";
import { scriptNoncePolicy } from "../web/security.ts";
import { ownerSession, OwnerTokenForm, page, param, PASSKEYS_PATH, signInContinues, startOwnerSession } from "./common.tsx";

const LOGIN_PATH = "/oauth/passkey-login";

/** The browser half: base64url ⇄ bytes, navigator.credentials.create()/get(), the answer in toJSON()'s shape. */
const SCRIPT = `(() => {
  const b64u = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
  const ids = (list) => list.map((d) => ({ ...d, id: bytes(d.id) }));
  for (const button of document.querySelectorAll("button[data-passkey]")) {
    const form = button.form;
    const say = (text) => { form.querySelector("output").textContent = text; };
    if (!window.PublicKeyCredential) { button.disabled = true; say("This browser cannot use passkeys."); continue; }
    button.addEventListener("click", async () => {
      const options = JSON.parse(button.dataset.options);
      options.challenge = bytes(options.challenge);
      try {
        let credential, response;
        if (button.dataset.passkey === "create") {
          options.user.id = bytes(options.user.id);
          options.excludeCredentials = ids(options.excludeCredentials);
          credential = await navigator.credentials.create({ publicKey: options });
          const r = credential.response;
          response = { clientDataJSON: b64u(r.clientDataJSON), attestationObject: b64u(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] };
        } else {
          options.allowCredentials = ids(options.allowCredentials);
          credential = await navigator.credentials.get({ publicKey: options });
          const r = credential.response;
          response = { clientDataJSON: b64u(r.clientDataJSON), authenticatorData: b64u(r.authenticatorData), signature: b64u(r.signature), userHandle: r.userHandle ? b64u(r.userHandle) : null };
        }
        form.elements.credential.value = JSON.stringify({ id: credential.id, rawId: b64u(credential.rawId), type: credential.type, response });
        form.submit();
      } catch (error) {
        say("The passkey was not used (" + error.name + "). Try again" + (button.dataset.passkey === "get" ? ", or sign in with the owner token." : "."));
      }
    });
  }
})();`;

/** The script, with this response's nonce put in its Content-Security-Policy. */
function passkeyScript(c: AppContext) {
  const nonce = bytesToBase64url(crypto.getRandomValues(new Uint8Array(16)));
  c.header("Content-Security-Policy", scriptNoncePolicy(nonce));
  return <script nonce={nonce} dangerouslySetInnerHTML={{ __html: SCRIPT }} />;
}

/** The sign-in forms for a page that continues to `next`: a passkey (once one is registered) and the owner token. */
export async function signInForms(c: AppContext, next: string): Promise<Child> {
  const options = await signInOptions(c.var.services);
  return (
    <>
      {options && (
        <form method="post" action={LOGIN_PATH}>
          <input type="hidden" name="next" value={next} />
          <input type="hidden" name="credential" value="" />
          <p>
            <button type="button" data-passkey="get" data-options={JSON.stringify(options)}>
              Sign in with a passkey
            </button>{" "}
            <output></output>
          </p>
          {passkeyScript(c)}
        </form>
      )}
      <OwnerTokenForm next={next} />
    </>
  );
}

const when = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC");

/** The credential JSON the script put in the form; undefined when absent or not JSON. */
function credentialField(value: string | undefined): unknown {
  try {
    return value ? JSON.parse(value) : undefined;
  } catch {
    return undefined;
  }
}

export const passkeyRoutes = new Hono<AppEnv>()
  .get(PASSKEYS_PATH, async (c) => {
    const s = c.var.services;
    const session = await ownerSession(c);
    if (!session) {
      return page(
        c,
        "Passkeys",
        <>
          <h1>Passkeys</h1>
          <p>Sign in as the owner to see and add passkeys.</p>
          {await signInForms(c, PASSKEYS_PATH)}
        </>,
        401,
      );
    }
    const [list, options, token] = await Promise.all([listPasskeys(s), registrationOptions(s, session), csrfToken(s, session)]);
    return page(
      c,
      "Passkeys",
      <>
        <h1>Passkeys</h1>
        <p>A passkey signs you in to apps here instead of the owner token. The owner token keeps working.</p>
        {list.length === 0 ? (
          <p>No passkey yet.</p>
        ) : (
          <ul>
            {list.map((p) => (
              <li>
                <form method="post" action={`${PASSKEYS_PATH}/${p.id}/delete`}>
                  <strong>{p.name}</strong> <span class="meta">({algorithmName(p.algorithm)}; added {when(p.createdAt)}; last used {when(p.lastUsedAt)})</span>{" "}
                  <input type="hidden" name="csrf" value={token} />
                  <button type="submit">Delete</button>
                </form>
              </li>
            ))}
          </ul>
        )}
        <h2>Add a passkey</h2>
        <form method="post" action={PASSKEYS_PATH}>
          <input type="hidden" name="csrf" value={token} />
          <input type="hidden" name="credential" value="" />
          <p>
            <label>
              Name <input name="name" maxlength={64} value="Passkey" />
            </label>{" "}
            <button type="button" data-passkey="create" data-options={JSON.stringify(options)}>
              Add a passkey
            </button>{" "}
            <output></output>
          </p>
          {passkeyScript(c)}
        </form>
        <noscript>
          <p>Adding a passkey needs JavaScript.</p>
        </noscript>
      </>,
    );
  })
  // The POSTs act for the owner: their Origin must be ours (hono/csrf); once signed in, the session's CSRF token too.
  .post(PASSKEYS_PATH, csrf(), async (c) => {
    const s = c.var.services;
    const session = await ownerSession(c);
    if (!session) return page(c, "Passkeys", <p>Sign in as the owner first: <a href={PASSKEYS_PATH}>passkeys</a>.</p>, 401);
    const params = await readParams(c);
    const p = params.ok ? params.params : {};
    if (!(await validCsrf(s, session, param(p, "csrf")))) return page(c, "Passkeys", <p>This form is stale. <a href={PASSKEYS_PATH}>Start again</a>.</p>, 403);
    const credential = credentialField(param(p, "credential"));
    if (credential === undefined) return page(c, "Passkeys", <p>No passkey was sent. <a href={PASSKEYS_PATH}>Start again</a>.</p>, 400);
    const added = await registerPasskey(s, session, credential, param(p, "name") ?? "");
    if (!added.ok) return page(c, "Passkeys", <p>The passkey was not added: {added.error}. <a href={PASSKEYS_PATH}>Start again</a>.</p>, 400);
    return c.redirect(PASSKEYS_PATH, 303);
  })
  .post(`${PASSKEYS_PATH}/:id{[A-Za-z0-9_-]+}/delete`, csrf(), async (c) => {
    const s = c.var.services;
    const session = await ownerSession(c);
    if (!session) return page(c, "Passkeys", <p>Sign in as the owner first: <a href={PASSKEYS_PATH}>passkeys</a>.</p>, 401);
    const params = await readParams(c);
    if (!(await validCsrf(s, session, param(params.ok ? params.params : {}, "csrf")))) return page(c, "Passkeys", <p>This form is stale. <a href={PASSKEYS_PATH}>Start again</a>.</p>, 403);
    if (!(await deletePasskey(s, c.req.param("id")))) return page(c, "Passkeys", <p>No such passkey. <a href={PASSKEYS_PATH}>Back</a>.</p>, 404);
    return c.redirect(PASSKEYS_PATH, 303);
  })
  .post(LOGIN_PATH, csrf(), async (c) => {
    const s = c.var.services;
    const params = await readParams(c);
    const p = params.ok ? params.params : {};
    const next = param(p, "next") ?? "";
    if (!signInContinues(next)) return page(c, "Sign in", <p>There is nothing to continue to. Start again from your app.</p>, 400);
    const credential = credentialField(param(p, "credential"));
    if (credential === undefined) return page(c, "Sign in", <p>No passkey was sent. Go back and try again.</p>, 400);
    const signedIn = await verifyPasskeySignIn(s, credential);
    if (!signedIn.ok) return page(c, "Sign in", <p>The passkey did not sign you in: {signedIn.error}. Go back and try again.</p>, 401);
    return startOwnerSession(c, next);
  });
