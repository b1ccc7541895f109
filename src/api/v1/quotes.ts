// Quote posts in the client API, as Mastodon 4.5 has them: `quoted_status_id` and
// `quote_approval_policy` when posting (read here for src/api/v1/statuses.ts), the quotes of one
// of the owner's posts (GET /api/v1/statuses/:id/quotes) and revoking one
// (POST …/quotes/:quoting_status_id/revoke). Roost adds `authorize` and `reject` beside `revoke`
// for quotes that wait for the owner, and `?state=pending` to list them (docs/client-api.md).
import { cursorOrder, cursorRange, newestFirst } from "../../db/queries/page.ts";
import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { quotes, remoteActors, remoteObjects, statuses } from "../../db/schema.ts";
import { changeQuotePolicy, decideQuote } from "../../domain/quotes.ts";
import { isFollowed, type StatusRow } from "../../domain/statuses.ts";
import { parseQuotePolicy, QUOTE_POLICIES, type QuotePolicy } from "../../federation/quote-policy.ts";
import { jsonError } from "../../http.ts";
import type { Services } from "../../services.ts";
import { statusEntity, statusList } from "../entities/status.ts";
import { type Json, readParams, stringParam } from "../body.ts";
import { bounds, readPage, setLinks } from "../pagination.ts";
import { requireScope } from "../scopes.ts";

async function statusRow(s: Services, raw: string | undefined): Promise<StatusRow | null> {
  if (!raw || !/^\d{1,16}$/.test(raw)) return null;
  const [row] = await s.db.select().from(statuses).where(eq(statuses.id, Number(raw))).limit(1);
  return row ?? null;
}

/** Whether the owner may quote a remote post: its canQuote lets them automatically, or asks for approval. */
async function mayQuote(s: Services, row: StatusRow): Promise<boolean> {
  const [doc] = await s.db.select({ document: remoteObjects.document }).from(remoteObjects).where(eq(remoteObjects.id, row.uri));
  const [actor] = await s.db.select({ document: remoteActors.document }).from(remoteActors).where(eq(remoteActors.id, row.actorId));
  if (!doc) return false;
  const followersUrl = actor ? (JSON.parse(actor.document) as Json).followers : undefined;
  const policy = parseQuotePolicy(JSON.parse(doc.document) as Json, { id: row.actorId, followers: typeof followersUrl === "string" ? followersUrl : `${row.actorId}/followers` });
  if (policy.automatic.includes("public") || policy.manual.length > 0) return true;
  return policy.automatic.includes("followers") && (await isFollowed(s, row.actorId));
}

/** `quoted_status_id`: the post to quote, checked as Mastodon checks it; undefined when not asked. */
export async function quotedParam(s: Services, p: Json): Promise<{ uri: string; author: string; url: string } | { error: string } | undefined> {
  const id = stringParam(p, "quoted_status_id");
  if (id === undefined || id === "") return undefined;
  const row = await statusRow(s, id);
  if (!row) return { error: "Validation failed: the quoted post does not exist" };
  if (row.reblogOfUri) return { error: "Validation failed: a boost cannot be quoted" };
  if (row.local) {
    if (row.visibility === "direct") return { error: "Validation failed: a direct post cannot be quoted" };
  } else {
    if (row.visibility !== "public" && row.visibility !== "unlisted") return { error: "Validation failed: only public and unlisted posts can be quoted" };
    if (!(await mayQuote(s, row))) return { error: "Validation failed: the author does not allow this post to be quoted" };
  }
  return { uri: row.uri, author: row.actorId, url: row.uri };
}

/** `quote_approval_policy`: public, followers or nobody; undefined when not given. */
export function quotePolicyParam(p: Json): QuotePolicy | { error: string } | undefined {
  const policy = stringParam(p, "quote_approval_policy");
  if (policy === undefined || policy === "") return undefined;
  return (QUOTE_POLICIES as readonly string[]).includes(policy) ? (policy as QuotePolicy) : { error: "Validation failed: quote_approval_policy is not one of public, followers, nobody" };
}

/** One of the owner's posts by `:id`, or the 404. */
async function ownPost(c: AppContext): Promise<StatusRow | Response> {
  const row = await statusRow(c.var.services, c.req.param("id"));
  return row && row.local && !row.reblogOfUri ? row : jsonError(c, 404, "Record not found");
}

async function decided(c: AppContext, decision: "authorize" | "reject" | "revoke") {
  const s = c.var.services;
  const quoted = await ownPost(c);
  if (quoted instanceof Response) return quoted;
  const quoting = await statusRow(s, c.req.param("quoting"));
  if (!quoting) return jsonError(c, 404, "Record not found");
  const result = await decideQuote(s, quoted.uri, quoting.uri, decision);
  if (!result.ok) return jsonError(c, result.status, result.error);
  const entity = await statusEntity(s, quoting, { owner: true });
  return entity ? c.json(entity) : jsonError(c, 404, "Record not found");
}

export const quoteRoutes = new Hono<AppEnv>()
  .put("/api/v1/statuses/:id{\\d+}/interaction_policy", requireScope("write:statuses"), async (c) => {
    const s = c.var.services;
    const post = await ownPost(c);
    if (post instanceof Response) return post;
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const policy = quotePolicyParam(body.params);
    if (policy === undefined) return jsonError(c, 422, "Validation failed: quote_approval_policy is missing");
    if (typeof policy === "object") return jsonError(c, 422, policy.error);
    if (!(await changeQuotePolicy(s, post.uri, policy))) return jsonError(c, 404, "Record not found");
    const entity = await statusEntity(s, post, { owner: true });
    return entity ? c.json(entity) : jsonError(c, 404, "Record not found");
  })
  .get("/api/v1/statuses/:id{\\d+}/quotes", requireScope("read:statuses"), async (c) => {
    const s = c.var.services;
    const quoted = await ownPost(c);
    if (quoted instanceof Response) return quoted;
    const page = readPage(c, { default: 20, max: 40 });
    if ("error" in page) return jsonError(c, 400, page.error);
    const state = c.req.query("state") === "pending" ? "pending" : "accepted";
    const cursor = bounds(page);
    const rows = await s.db
      .select({ status: statuses })
      .from(quotes)
      .innerJoin(statuses, eq(statuses.uri, quotes.statusUri))
      .where(and(eq(quotes.quotedUri, quoted.uri), eq(quotes.state, state), cursorRange(statuses.id, cursor)))
      .orderBy(cursorOrder(statuses.id, cursor))
      .limit(page.limit);
    const found = newestFirst(rows.map((r) => r.status), cursor);
    setLinks(c, page, found.map((r) => r.id));
    return c.json(await statusList(s, found, { owner: true }));
  })
  .post("/api/v1/statuses/:id{\\d+}/quotes/:quoting{\\d+}/revoke", requireScope("write:statuses"), (c) => decided(c, "revoke"))
  .post("/api/v1/statuses/:id{\\d+}/quotes/:quoting{\\d+}/authorize", requireScope("write:statuses"), (c) => decided(c, "authorize"))
  .post("/api/v1/statuses/:id{\\d+}/quotes/:quoting{\\d+}/reject", requireScope("write:statuses"), (c) => decided(c, "reject"));
