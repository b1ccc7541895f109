// Owner controls over who follows and who is blocked: notifications, follow requests, followers,
// blocks. Every change that another server should know about is sent to it (Accept, Reject, Block, Undo).
import { and, desc, eq, like, lt, or } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
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

function limitParam(c: AppContext): number {
  const n = Number(c.req.query("limit") ?? "40");
  return Number.isInteger(n) && n > 0 ? Math.min(n, 200) : 40;
}

/** Removes followers on a blocked domain (or its subdomains) without telling them: they are blocked. */
function followersOnDomain(domain: string) {
  return or(like(followers.actorId, `https://${domain}/%`), like(followers.actorId, `%.${domain}/%`), like(followers.actorId, `http://${domain}/%`));
}

export const relationships = new Hono<AppEnv>()
  .use(requireOwner)
  .get("/notifications", async (c) => {
    const before = Number(c.req.query("before") ?? "0");
    const rows = await c.var.db
      .select()
      .from(notifications)
      .where(before > 0 ? lt(notifications.id, before) : undefined)
      .orderBy(desc(notifications.id))
      .limit(limitParam(c));
    return c.json({ notifications: rows.map((n) => ({ ...n, detail: n.detail ? JSON.parse(n.detail) : null, createdAt: new Date(n.createdAt).toISOString() })) });
  })
  .get("/follow-requests", async (c) => {
    const rows = await c.var.db.select().from(followers).where(eq(followers.state, "pending")).orderBy(desc(followers.createdAt)).limit(limitParam(c));
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
    const rows = await c.var.db.select().from(followers).where(eq(followers.state, "accepted")).orderBy(desc(followers.createdAt)).limit(limitParam(c));
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
      await c.var.db.delete(followers).where(followersOnDomain(domain));
      return c.json({ domain, blocked: true }, 201);
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
