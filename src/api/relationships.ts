// Owner controls over who follows and who is blocked: notifications, follow requests, followers,
// blocks. Every change that another server should know about is sent to it (Accept, Reject, Block, Undo).
import { and, desc, eq, inArray, like, lt } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import type { Database } from "../db/client.ts";
import { blocks, followers, notifications } from "../db/schema.ts";
import { handlerContext } from "../federation/inbox/process.ts";
import { answerFollow, type Sender } from "../federation/inbox/outgoing.ts";
import { blockActor, unblockActor } from "../publish/blocks.ts";
import { jsonError } from "../http.ts";
import { requireOwner } from "./auth.ts";

const HOST_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

async function sender(c: AppContext): Promise<Sender> {
  return (await handlerContext(c.env)).sender;
}

async function body(c: AppContext): Promise<Record<string, unknown>> {
  try {
    const json = await c.req.json();
    return json && typeof json === "object" && !Array.isArray(json) ? json : {};
  } catch {
    return {};
  }
}

function actorParam(value: unknown): string | null {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

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

function onDomain(actorId: string, domain: string): boolean {
  try {
    const host = new URL(actorId).hostname.toLowerCase();
    return host === domain || host.endsWith(`.${domain}`);
  } catch {
    return false;
  }
}

// D1 binds at most 100 parameters per statement.
const DELETE_CHUNK = 90;

/**
 * Removes followers whose actor host is the domain or one of its subdomains, without telling them:
 * they are blocked. LIKE only narrows the rows; the host itself decides, so a path never matches.
 */
async function removeFollowersOnDomain(db: Database, domain: string): Promise<number> {
  const candidates = await db.select({ id: followers.actorId }).from(followers).where(like(followers.actorId, `%${domain}%`));
  const ids = candidates.map((r) => r.id).filter((id) => onDomain(id, domain));
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
    await db.delete(followers).where(inArray(followers.actorId, ids.slice(i, i + DELETE_CHUNK)));
  }
  return ids.length;
}

export const relationships = new Hono<AppEnv>()
  .use(requireOwner)
  .get("/notifications", async (c) => {
    const limit = limitParam(c);
    const before = positiveParam(c, "before", 0);
    if (limit === null || before === null) return jsonError(c, 400, "limit and before must be positive whole numbers");
    const rows = await c.var.db
      .select()
      .from(notifications)
      .where(before > 0 ? lt(notifications.id, before) : undefined)
      .orderBy(desc(notifications.id))
      .limit(limit);
    return c.json({ notifications: rows.map((n) => ({ ...n, detail: n.detail ? JSON.parse(n.detail) : null, createdAt: new Date(n.createdAt).toISOString() })) });
  })
  .get("/follow-requests", async (c) => {
    const limit = limitParam(c);
    if (limit === null) return jsonError(c, 400, "limit must be a positive whole number");
    const rows = await c.var.db.select().from(followers).where(eq(followers.state, "pending")).orderBy(desc(followers.createdAt)).limit(limit);
    return c.json({ requests: rows.map((r) => ({ actor: r.actorId, followId: r.followActivityId, requestedAt: new Date(r.createdAt).toISOString() })) });
  })
  .post("/follow-requests/:decision{approve|reject}", async (c) => {
    const actor = actorParam((await body(c)).actor);
    if (!actor) return jsonError(c, 400, "actor (the requesting actor's URL) is required");
    const [row] = await c.var.db.select().from(followers).where(and(eq(followers.actorId, actor), eq(followers.state, "pending")));
    if (!row) return jsonError(c, 404, `no pending follow request from ${actor}`);
    const approve = c.req.param("decision") === "approve";
    if (approve) await c.var.db.update(followers).set({ state: "accepted" }).where(eq(followers.actorId, actor));
    else await c.var.db.delete(followers).where(eq(followers.actorId, actor));
    await answerFollow(await sender(c), approve ? "Accept" : "Reject", actor, row.followActivityId);
    return c.json({ actor, state: approve ? "accepted" : "rejected" });
  })
  .get("/followers", async (c) => {
    const limit = limitParam(c);
    if (limit === null) return jsonError(c, 400, "limit must be a positive whole number");
    const rows = await c.var.db.select().from(followers).where(eq(followers.state, "accepted")).orderBy(desc(followers.createdAt)).limit(limit);
    return c.json({ followers: rows.map((r) => ({ actorId: r.actorId, state: r.state, movedTo: r.movedTo, since: new Date(r.createdAt).toISOString() })) });
  })
  .delete("/followers", async (c) => {
    const actor = actorParam(c.req.query("actor") ?? (await body(c)).actor);
    if (!actor) return jsonError(c, 400, "actor (the follower's URL) is required");
    const [row] = await c.var.db.delete(followers).where(eq(followers.actorId, actor)).returning();
    if (!row) return jsonError(c, 404, `${actor} does not follow you`);
    // Mastodon's "remove follower": a Reject of their Follow makes their server drop it.
    await answerFollow(await sender(c), "Reject", actor, row.followActivityId);
    return c.json({ actor, removed: true });
  })
  .get("/blocks", async (c) => {
    const rows = await c.var.db.select().from(blocks).orderBy(desc(blocks.createdAt));
    return c.json({ blocks: rows.map((b) => ({ [b.kind]: b.value, since: new Date(b.createdAt).toISOString() })) });
  })
  .post("/blocks", async (c) => {
    const input = await body(c);
    const actor = actorParam(input.actor);
    const domain = typeof input.domain === "string" ? input.domain.trim().toLowerCase() : null;
    if (actor) {
      await blockActor(c.var.db, await sender(c), actor);
      return c.json({ actor, blocked: true }, 201);
    }
    if (domain && HOST_RE.test(domain)) {
      await c.var.db.insert(blocks).values({ kind: "domain", value: domain }).onConflictDoNothing();
      const removedFollowers = await removeFollowersOnDomain(c.var.db, domain);
      return c.json({ domain, blocked: true, removedFollowers }, 201);
    }
    return jsonError(c, 400, 'give {"actor": "<actor URL>"} or {"domain": "example.com"}');
  })
  .delete("/blocks", async (c) => {
    const input = { actor: c.req.query("actor"), domain: c.req.query("domain"), ...(await body(c)) };
    const actor = actorParam(input.actor);
    const domain = typeof input.domain === "string" ? input.domain.trim().toLowerCase() : null;
    if (actor) {
      if (!(await unblockActor(c.var.db, await sender(c), actor))) return jsonError(c, 404, `${actor} is not blocked`);
      return c.json({ actor, blocked: false });
    }
    if (!domain) return jsonError(c, 400, "actor or domain is required");
    const removed = await c.var.db.delete(blocks).where(and(eq(blocks.kind, "domain"), eq(blocks.value, domain))).returning();
    if (removed.length === 0) return jsonError(c, 404, `${domain} is not blocked`);
    return c.json({ domain, blocked: false });
  });
