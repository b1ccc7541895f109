// Follow requests (when the owner approves followers): deciding one ends in the use case the inbox uses to accept.
import { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { actorForAccountId } from "../../domain/accounts.ts";
import { decideFollowRequest, listFollowRequests } from "../../domain/follows.ts";
import { jsonError } from "../../http.ts";
import { accountsFor } from "../entities/account.ts";
import { relationshipsFor } from "../entities/relationship.ts";
import { requireScope } from "../scopes.ts";

export const followRequests = new Hono<AppEnv>()
  .get("/api/v1/follow_requests", requireScope("read:follows"), async (c) => {
    const s = c.var.services;
    const rows = await listFollowRequests(s, 80);
    const accounts = await accountsFor(s, rows.map((r) => r.actorId));
    return c.json(rows.map((r) => accounts.get(r.actorId)!));
  })
  .post("/api/v1/follow_requests/:id{\\d+}/:decision{authorize|reject}", requireScope("write:follows"), async (c) => {
    const s = c.var.services;
    const actor = await actorForAccountId(s, Number(c.req.param("id")));
    if (!actor) return jsonError(c, 404, "Record not found");
    const decided = await decideFollowRequest(s, actor, c.req.param("decision") === "authorize");
    if (!decided.ok) return jsonError(c, 404, "Record not found");
    const [relationship] = await relationshipsFor(s, [{ id: Number(c.req.param("id")), actorId: actor }]);
    return c.json(relationship);
  });
