// GET /api/roost/feature_authorizations: the collections on other servers the owner agreed to be
// featured in (FEP-7aa9); DELETE /api/roost/feature_authorizations/:id revokes one, which tells the
// collection's server with a Delete of the authorization (src/domain/featuring.ts).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { listFeatureAuthorizations, revokeFeatureAuthorization } from "../domain/featuring.ts";
import { featureAuthorizationUrl } from "../federation/featuring.ts";
import { jsonError } from "../http.ts";

export const featureAuthorizationRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const s = c.var.services;
    const rows = await listFeatureAuthorizations(s);
    return c.json(
      rows.map((r) => ({ id: r.id, uri: featureAuthorizationUrl(s.urls, r.id), account: r.actorId, collection: r.collectionId, created_at: new Date(r.createdAt).toISOString() })),
    );
  })
  .delete("/:id", async (c) => {
    const revoked = await revokeFeatureAuthorization(c.var.services, c.req.param("id"));
    return revoked ? c.json({ revoked: true }) : jsonError(c, 404, "no such feature authorization");
  });
