// The owner's view of the apps signed in to the account: each with its live tokens, and revoking
// one (its tokens and pending codes go with it).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { listAuthorizedApps, revokeApp, scopesOf } from "../domain/oauth.ts";
import { jsonError } from "../http.ts";

const iso = (ms: number) => new Date(ms).toISOString();

export const ownerApps = new Hono<AppEnv>()
  .get("/", async (c) =>
    c.json({
      apps: (await listAuthorizedApps(c.var.services)).map(({ app, tokens }) => ({
        id: String(app.id),
        name: app.name,
        website: app.website,
        scopes: scopesOf(app),
        registeredAt: iso(app.createdAt),
        tokens: tokens.map((t) => ({ id: String(t.id), scopes: t.scopes.split(" "), createdAt: iso(t.createdAt) })),
      })),
    }),
  )
  .delete("/:id{\\d+}", async (c) => {
    if (!(await revokeApp(c.var.services, Number(c.req.param("id"))))) return jsonError(c, 404, "no such app");
    return c.json({ id: c.req.param("id"), revoked: true });
  });
