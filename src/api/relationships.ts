// Owner controls over who follows and who is blocked: notifications, follow requests, followers,
// blocks. Handlers parse and answer; the use cases (src/domain/) send what other servers must know.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { blockActor, blockDomain, listBlocks, unblockActor, unblockDomain } from "../domain/blocks.ts";
import { decideFollowRequest, listFollowers, listFollowRequests, removeFollower } from "../domain/follows.ts";
import { listNotifications } from "../domain/notifications.ts";
import { httpIri } from "../federation/normalize.ts";
import { jsonError } from "../http.ts";
import { requireOwner } from "./auth.ts";
import { readJsonObject } from "./body.ts";

const HOST_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

const body = async (c: AppContext) => (await readJsonObject(c)) ?? {};
/** An actor URL from the request, in the URL parser's spelling (as ids are stored). */
const actorParam = (value: unknown): string | null => (typeof value === "string" && httpIri(value) ? new URL(value).href : null);

const MAX_LIMIT = 200;

/** A positive whole number from the query string: its default when absent, null when malformed. */
function positiveParam(c: AppContext, name: string, fallback: number): number | null {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

function limitParam(c: AppContext): number | null {
  const n = positiveParam(c, "limit", 40);
  return n === null ? null : Math.min(n, MAX_LIMIT);
}

// Mounted at /api beside the client API (/api/v1, /api/v2), so each route names its guard.
export const relationships = new Hono<AppEnv>()
  .get("/notifications", requireOwner, async (c) => {
    const limit = limitParam(c);
    const before = positiveParam(c, "before", 0);
    if (limit === null || before === null) return jsonError(c, 400, "limit and before must be positive whole numbers");
    const rows = await listNotifications(c.var.services, { limit, before });
    return c.json({ notifications: rows.map((n) => ({ ...n, detail: n.detail ? JSON.parse(n.detail) : null, createdAt: new Date(n.createdAt).toISOString() })) });
  })
  .get("/follow-requests", requireOwner, async (c) => {
    const limit = limitParam(c);
    if (limit === null) return jsonError(c, 400, "limit must be a positive whole number");
    const rows = await listFollowRequests(c.var.services, limit);
    return c.json({ requests: rows.map((r) => ({ actor: r.actorId, followId: r.followActivityId, requestedAt: new Date(r.createdAt).toISOString() })) });
  })
  .post("/follow-requests/:decision{approve|reject}", requireOwner, async (c) => {
    const actor = actorParam((await body(c)).actor);
    if (!actor) return jsonError(c, 400, "actor (the requesting actor's URL) is required");
    const decided = await decideFollowRequest(c.var.services, actor, c.req.param("decision") === "approve");
    if (!decided.ok) return jsonError(c, decided.status, decided.error);
    return c.json({ actor, state: decided.state });
  })
  .get("/followers", requireOwner, async (c) => {
    const limit = limitParam(c);
    if (limit === null) return jsonError(c, 400, "limit must be a positive whole number");
    const rows = await listFollowers(c.var.services, limit);
    return c.json({ followers: rows.map((r) => ({ actorId: r.actorId, state: r.state, movedTo: r.movedTo, since: new Date(r.createdAt).toISOString() })) });
  })
  .delete("/followers", requireOwner, async (c) => {
    const actor = actorParam(c.req.query("actor") ?? (await body(c)).actor);
    if (!actor) return jsonError(c, 400, "actor (the follower's URL) is required");
    if (!(await removeFollower(c.var.services, actor))) return jsonError(c, 404, `${actor} does not follow you`);
    return c.json({ actor, removed: true });
  })
  .get("/blocks", requireOwner, async (c) => {
    const rows = await listBlocks(c.var.services);
    return c.json({ blocks: rows.map((b) => ({ [b.kind]: b.value, since: new Date(b.createdAt).toISOString() })) });
  })
  .post("/blocks", requireOwner, async (c) => {
    const input = await body(c);
    const actor = actorParam(input.actor);
    const domain = typeof input.domain === "string" ? input.domain.trim().toLowerCase() : null;
    if (actor) {
      await blockActor(c.var.services, actor);
      return c.json({ actor, blocked: true }, 201);
    }
    if (domain && HOST_RE.test(domain)) {
      const removedFollowers = await blockDomain(c.var.services, domain);
      return c.json({ domain, blocked: true, removedFollowers }, 201);
    }
    return jsonError(c, 400, 'give {"actor": "<actor URL>"} or {"domain": "example.com"}');
  })
  .delete("/blocks", requireOwner, async (c) => {
    const input = { actor: c.req.query("actor"), domain: c.req.query("domain"), ...(await body(c)) };
    const actor = actorParam(input.actor);
    const domain = typeof input.domain === "string" ? input.domain.trim().toLowerCase() : null;
    if (actor) {
      if (!(await unblockActor(c.var.services, actor))) return jsonError(c, 404, `${actor} is not blocked`);
      return c.json({ actor, blocked: false });
    }
    if (!domain) return jsonError(c, 400, "actor or domain is required");
    if (!(await unblockDomain(c.var.services, domain))) return jsonError(c, 404, `${domain} is not blocked`);
    return c.json({ domain, blocked: false });
  });
