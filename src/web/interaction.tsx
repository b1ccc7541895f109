// The OStatus subscribe template from our WebFinger (`/authorize_interaction?uri=`): a remote
// profile's "Follow" button sends the owner here; the owner confirms with the owner token.
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { followAccount } from "../domain/follows.ts";
import { isOwnerToken } from "../domain/owner.ts";
import { Layout } from "./layout.tsx";
import { sameOriginForm } from "./security.ts";

export const interaction = new Hono<AppEnv>()
  .get("/authorize_interaction", (c) => {
    const uri = c.req.query("uri") ?? "";
    return c.html(
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
    );
  })
  .post("/authorize_interaction", async (c) => {
    // Cross-site request forgery: only our own page may submit this form.
    if (!sameOriginForm(c, c.var.services.urls.origin)) return c.html(<Layout title="Follow"><p>This form must be sent from this site.</p></Layout>, 403);
    const form = await c.req.parseBody();
    const uri = typeof form.uri === "string" ? form.uri.replace(/^acct:/, "").trim() : "";
    const token = typeof form.token === "string" ? form.token : "";
    if (!(await isOwnerToken(c.var.services, token))) return c.html(<Layout title="Follow"><p>Wrong owner token.</p></Layout>, 401);
    if (!uri) return c.html(<Layout title="Follow"><p>Which account? The form needs one.</p></Layout>, 400);
    const result = await followAccount(c.var.services, uri);
    return c.html(
      <Layout title="Follow">
        <p>{result.ok ? `Follow request sent to ${result.actorId}.` : `Could not follow: ${result.error}`}</p>
      </Layout>,
      result.ok ? 200 : result.status,
    );
  });
