// Both directions of remote interaction. In: the OStatus subscribe template from our WebFinger
// (`/authorize_interaction?uri=`): a remote profile's "Follow" button sends the owner here; the
// owner confirms with the owner token. Out: POST /interact, the Follow/Reply/Boost/Like forms of
// our pages (interact-form.tsx): the visitor's server's template, or our handle to paste.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { followAccount } from "../domain/follows.ts";
import { isOwnerToken } from "../domain/owner.ts";
import { type Intent, INTENTS, remoteInteraction } from "../domain/remote-interaction.ts";
import { htmlPage, Layout } from "./layout.tsx";
import { sameOriginForm } from "./security.ts";
import { siteInfo, siteMeta } from "./site.ts";

/** The page shown when the visitor's server offers no template: what to paste into their app. */
async function pasteInstead(c: AppContext, reason: string, object: string, status: 400 | 403 | 502) {
  const site = await siteInfo(c.var.services);
  const isProfile = object === c.var.services.urls.actor;
  const what = isProfile ? site.handle : object;
  return htmlPage(
    c,
    <Layout title="Interact from your server" {...siteMeta(site)}>
      <main>
        <h1>Continue in your app</h1>
        <p>{reason}</p>
        <p>Search for this in your app or on your server's web page, then {isProfile ? "follow" : "reply, boost or like"} from there:</p>
        <p class="handle">
          <input id="paste" readonly value={what} aria-label={isProfile ? "Handle" : "Post address"} size={Math.min(60, what.length + 2)} />
          <button type="button" class="plain" data-copy="paste" hidden>
            Copy
          </button>
        </p>
        <p>
          <a href={isProfile ? site.profile : object}>← Back</a>
        </p>
      </main>
    </Layout>,
    { status },
  );
}

/** The form's text fields; null when the body cannot be read (a multipart body cut short). */
async function formFields(c: AppContext): Promise<Record<string, unknown> | null> {
  try {
    return await c.req.parseBody();
  } catch {
    return null;
  }
}

export const interaction = new Hono<AppEnv>()
  .post("/interact", async (c) => {
    const s = c.var.services;
    const form = await formFields(c);
    if (!form) return pasteInstead(c, "The form could not be read.", s.urls.actor, 400);
    const object = typeof form.object === "string" ? form.object : "";
    const intent = (typeof form.intent === "string" ? form.intent : "follow") as Intent;
    const handle = typeof form.handle === "string" ? form.handle.trim() : "";
    // Only our own actor and posts: the form must not turn us into a redirector for anything else.
    if (!INTENTS.includes(intent) || !s.urls.isLocal(object) || (intent === "follow") !== (object === s.urls.actor)) {
      return pasteInstead(c, "This form names nothing of ours to interact with.", s.urls.actor, 400);
    }
    if (!sameOriginForm(c, s.urls.origin)) return pasteInstead(c, "This form must be sent from this site.", object, 403);
    if (!/^@?[^@\s]+@[^@\s]+$/.test(handle)) return pasteInstead(c, `"${handle}" is not a handle like @you@your.server.`, object, 400);
    const target = await remoteInteraction(s, handle, intent, object);
    if (!target.ok) {
      s.log("web.interact_failed", { intent, reason: target.reason });
      return pasteInstead(c, `Your server could not be asked (${target.reason}).`, object, 502);
    }
    return c.redirect(target.url, 303);
  })
  .get("/authorize_interaction", (c) => {
    const uri = c.req.query("uri") ?? "";
    return htmlPage(
      c,
      <Layout title="Follow">
        <h1>Follow {uri || "an account"}</h1>
        <form method="post" action="/authorize_interaction">
          <p>
            <label>
              Account (@user@host or URL) <input name="uri" value={uri} required size={50} />
            </label>
          </p>
          <p>
            <label>
              Owner token <input name="token" type="password" required />
            </label>
          </p>
          <button type="submit">Follow</button>
        </form>
      </Layout>,
      { maxAge: 0 },
    );
  })
  .post("/authorize_interaction", async (c) => {
    // Cross-site request forgery: only our own page may submit this form.
    if (!sameOriginForm(c, c.var.services.urls.origin)) return htmlPage(c, <Layout title="Follow"><p>This form must be sent from this site.</p></Layout>, { status: 403 });
    const form = await formFields(c);
    if (!form) return htmlPage(c, <Layout title="Follow"><p>The form could not be read.</p></Layout>, { status: 400 });
    const uri = typeof form.uri === "string" ? form.uri.replace(/^acct:/, "").trim() : "";
    const token = typeof form.token === "string" ? form.token : "";
    if (!(await isOwnerToken(c.var.services, token))) return htmlPage(c, <Layout title="Follow"><p>Wrong owner token.</p></Layout>, { status: 401 });
    if (!uri) return htmlPage(c, <Layout title="Follow"><p>Which account? The form needs one.</p></Layout>, { status: 400 });
    const result = await followAccount(c.var.services, uri);
    return htmlPage(
      c,
      <Layout title="Follow">
        <p>{result.ok ? `Follow request sent to ${result.actorId}.` : `Could not follow: ${result.error}`}</p>
      </Layout>,
      { status: result.ok ? 200 : result.status, maxAge: 0 },
    );
  });
