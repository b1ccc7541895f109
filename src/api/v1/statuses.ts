// /api/v1/statuses: post, read, edit, delete, thread context, favourite, boost, bookmark — each
// through the use cases the C2S outbox calls, so it federates exactly the same way.
import { and, desc, eq, lt } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { activities, bookmarks, idempotencyKeys, objects, reactions, statuses } from "../../db/schema.ts";
import { snowflake } from "../../db/snowflake.ts";
import { react, undoReaction } from "../../domain/interactions.ts";
import { deleteNote, editNote, publishNote } from "../../domain/posts/compose.ts";
import { pollViewed } from "../../domain/polls.ts";
import { checked, isRefused, type PostInput } from "../../domain/posts/input.ts";
import type { StatusRow } from "../../domain/statuses.ts";
import { requestParentFetch } from "../../domain/threads.ts";
import { withdrawInteraction } from "../../domain/interaction-requests.ts";
import { requestRepliesFetch } from "../../domain/reply-fetch.ts";
import { statusByUri, threadAncestors, threadDescendants } from "../../domain/thread-context.ts";
import type { Visibility } from "../../federation/addressing.ts";
import { jsonError } from "../../http.ts";
import type { Services } from "../../services.ts";
import { accountsFor } from "../entities/account.ts";
import { statusEntity, statusList } from "../entities/status.ts";
import { statusHistory } from "../entities/status-edit.ts";
import { boolParam, type Json, listParam, readParams, stringParam } from "../body.ts";
import { postMedia } from "./media.ts";
import { scheduledReplay, scheduleStatus } from "./scheduled-statuses.ts";
import { actsAsOwner, requireScope } from "../scopes.ts";
import { contentFormat } from "./content-type.ts";
import { pollParam } from "./poll-param.ts";
import { quotedParam, quotePolicyParam } from "./quotes.ts";

const VISIBILITY: Record<string, Visibility> = { public: "public", unlisted: "unlisted", private: "followers", direct: "direct" };
const IDEMPOTENCY_MS = 3600_000;

export async function statusById(s: Services, raw: string | undefined): Promise<StatusRow | null> {
  if (!raw || !/^\d{1,16}$/.test(raw)) return null;
  const [row] = await s.db.select().from(statuses).where(eq(statuses.id, Number(raw))).limit(1);
  return row ?? null;
}

/** The status of `:id` (a boost means its original for actions), or the 404 to answer. */
export async function target(c: AppContext): Promise<StatusRow | Response> {
  const s = c.var.services;
  const row = await statusById(s, c.req.param("id"));
  if (!row) return jsonError(c, 404, "Record not found");
  if (!row.reblogOfUri) return row;
  return (await statusByUri(s, row.reblogOfUri)) ?? jsonError(c, 404, "Record not found");
}

export async function entityResponse(c: AppContext, row: StatusRow | null, extra: Json = {}) {
  const entity = row ? await statusEntity(c.var.services, row, { owner: actsAsOwner(c) }) : null;
  return entity ? c.json({ ...entity, ...extra }) : jsonError(c, 404, "Record not found");
}

/** The post the client asked for, as PostInput, or the 422 reason. */
async function postInput(c: AppContext, p: Json, base?: Pick<StatusRow, "uri" | "visibility" | "inReplyTo">): Promise<PostInput | { error: string }> {
  const poll = await pollParam(c, p, base?.uri);
  if (poll && "error" in poll) return poll;
  const text = stringParam(p, "status") ?? "";
  const media = postMedia(p);
  if (!text.trim() && media.ids.length === 0) return { error: "Validation failed: Text can't be blank" };
  const visibility = base?.visibility ?? VISIBILITY[stringParam(p, "visibility") ?? "public"];
  if (!visibility) return { error: "Validation failed: Visibility is not one of public, unlisted, private, direct" };
  let inReplyTo = base?.inReplyTo ?? null;
  const replyId = base ? undefined : stringParam(p, "in_reply_to_id");
  if (replyId) {
    const parent = await statusById(c.var.services, replyId);
    if (!parent) return { error: "Validation failed: the post replied to does not exist" };
    inReplyTo = parent.reblogOfUri ?? parent.uri;
  }
  // FEP-044f: the post quoted (only when posting: an edit keeps its quote) and who may quote this one.
  const quote = base ? undefined : await quotedParam(c.var.services, p);
  if (quote && "error" in quote) return quote;
  const quotePolicy = quotePolicyParam(p);
  if (typeof quotePolicy === "object") return quotePolicy;
  // Apps send plain text, as to Mastodon: `*` and `_` stay as typed, unless content_type says Markdown.
  const format = await contentFormat(c.var.services, p, base?.uri);
  if (typeof format !== "string") return format;
  const input = checked({
    text,
    format,
    visibility,
    summary: stringParam(p, "spoiler_text")?.trim() || null,
    inReplyTo,
    language: stringParam(p, "language")?.trim() || null,
    addressees: [],
    media,
    sensitive: boolParam(p, "sensitive") ?? false,
    ...(poll && !base ? { poll } : {}),
    ...(quote ? { quote } : {}),
    ...(quotePolicy ? { quotePolicy } : {}),
  });
  return isRefused(input) ? { error: `Validation failed: ${input.error}` } : input;
}

/** What an Idempotency-Key made (a status, or what holds a scheduled post's media), for an hour. */
async function rememberKey(s: Services, scopedKey: string | null, uri: string): Promise<void> {
  if (!scopedKey) return;
  await s.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, s.now() - IDEMPOTENCY_MS));
  await s.db
    .insert(idempotencyKeys)
    .values({ key: scopedKey, statusUri: uri, createdAt: s.now() })
    .onConflictDoUpdate({ target: idempotencyKeys.key, set: { statusUri: uri, createdAt: s.now() } });
}

/** The owner's Like or Announce of `uri`, if any. */
async function ownReaction(s: Services, type: "Like" | "Announce", uri: string) {
  const [row] = await s.db.select({ id: activities.id }).from(activities).where(and(eq(activities.type, type), eq(activities.objectId, uri))).limit(1);
  return row?.id ?? null;
}

/** What a caller without the owner's rights may see: public and unlisted posts. */
const readable = (c: AppContext, row: StatusRow) => !!c.var.grant?.actsAsOwner || row.visibility === "public" || row.visibility === "unlisted";

export const statusRoutes = new Hono<AppEnv>()
  .post("/api/v1/statuses", requireScope("write:statuses"), async (c) => {
    const s = c.var.services;
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    // Idempotency-Key: the same key within an hour answers with the status it made (the official iOS app always sends one).
    const key = c.req.header("Idempotency-Key")?.slice(0, 200);
    const scopedKey = key ? `${c.var.grant?.tokenId ?? "owner"}:${key}` : null;
    if (scopedKey) {
      const [seen] = await s.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, scopedKey)).limit(1);
      if (seen && seen.createdAt > s.now() - IDEMPOTENCY_MS) {
        // A scheduled post's key names what holds its media: the answer is that ScheduledStatus again.
        const scheduled = await scheduledReplay(c, seen.statusUri);
        return scheduled ?? entityResponse(c, await statusByUri(s, seen.statusUri));
      }
    }
    const input = await postInput(c, body.params);
    if ("error" in input) return jsonError(c, 422, input.error);
    const scheduledAt = stringParam(body.params, "scheduled_at");
    if (scheduledAt) return scheduleStatus(c, input, body.params, scheduledAt, (uri) => rememberKey(s, scopedKey, uri));
    const published = await publishNote(s, input);
    if (!published.ok) return jsonError(c, 422, published.error);
    await rememberKey(s, scopedKey, published.objectId);
    return entityResponse(c, await statusByUri(s, published.objectId));
  })
  .get("/api/v1/statuses/:id{\\d+}", async (c) => {
    const row = await statusById(c.var.services, c.req.param("id"));
    // Without an owner token only what is public can be read.
    if (row && !readable(c, row)) return jsonError(c, 404, "Record not found");
    const s = c.var.services;
    const entity = row ? await statusEntity(s, row, { owner: actsAsOwner(c) }) : null;
    if (!entity) return jsonError(c, 404, "Record not found");
    // A remote poll the owner looks at may be read again, by a queued job (src/domain/polls.ts).
    // The entity says whether the post has one, so a view of any other post reads nothing more.
    const shown = ((entity as Json).reblog ?? entity) as Json;
    if (actsAsOwner(c) && shown.poll && !s.urls.isLocal(String(shown.uri))) await pollViewed(s, String(shown.uri));
    return c.json(entity);
  })
  .put("/api/v1/statuses/:id{\\d+}", requireScope("write:statuses"), async (c) => {
    const s = c.var.services;
    const row = await statusById(s, c.req.param("id"));
    if (!row || !row.local || row.reblogOfUri) return jsonError(c, 404, "Record not found");
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const input = await postInput(c, body.params, row);
    if ("error" in input) return jsonError(c, 422, input.error);
    const edited = await editNote(s, row.uri, input);
    if (!edited.ok) return jsonError(c, edited.status === 404 ? 404 : 422, edited.error);
    return entityResponse(c, row);
  })
  .get("/api/v1/statuses/:id{\\d+}/source", requireScope("read:statuses"), async (c) => {
    const s = c.var.services;
    const row = await statusById(s, c.req.param("id"));
    if (!row || !row.local || row.reblogOfUri) return jsonError(c, 404, "Record not found");
    const [object] = await s.db.select({ document: objects.document }).from(objects).where(eq(objects.id, row.uri));
    const note = object ? (JSON.parse(object.document) as { source?: { content?: string; mediaType?: string }; summary?: string | null }) : null;
    return c.json({ id: String(row.id), text: note?.source?.content ?? "", spoiler_text: note?.summary ?? "", content_type: note?.source?.mediaType ?? "text/plain" });
  })
  .get("/api/v1/statuses/:id{\\d+}/history", async (c) => {
    const s = c.var.services;
    const row = await statusById(s, c.req.param("id"));
    const history = row && readable(c, row) ? await statusHistory(s, row) : null;
    return history ? c.json(history) : jsonError(c, 404, "Record not found");
  })
  .delete("/api/v1/statuses/:id{\\d+}", requireScope("write:statuses"), async (c) => {
    const s = c.var.services;
    const row = await statusById(s, c.req.param("id"));
    if (!row || !row.local || row.reblogOfUri) return jsonError(c, 404, "Record not found");
    const entity = await statusEntity(s, row);
    const [object] = await s.db.select({ document: objects.document }).from(objects).where(eq(objects.id, row.uri));
    const text = object ? ((JSON.parse(object.document) as { source?: { content?: string } }).source?.content ?? "") : "";
    const deleted = await deleteNote(s, row.uri);
    if (!deleted.ok) return jsonError(c, 404, deleted.error);
    // Delete-and-redraft starts from `text`.
    return c.json({ ...entity, text });
  })
  .get("/api/v1/statuses/:id{\\d+}/context", async (c) => {
    const s = c.var.services;
    const row = await statusById(s, c.req.param("id"));
    if (!row || !readable(c, row)) return jsonError(c, 404, "Record not found");
    const [up, down] = await Promise.all([threadAncestors(s, row), threadDescendants(s, row)]);
    // A parent we lack is fetched by one queued job, never here; the next request shows it.
    // Only for the owner: anonymous readers do not get to spend the queue's allowance.
    const asked = up.missing && c.var.grant?.actsAsOwner ? requestParentFetch(s, up.missing, { from: "context" }) : null;
    // Likewise the replies of a remote post that never reached us (Mastodon 4.5's "fetch all replies"), queued, debounced.
    const repliesAsked = c.var.grant?.actsAsOwner ? requestRepliesFetch(s, row) : null;
    const visible = (rows: StatusRow[]) => rows.filter((r) => readable(c, r));
    const above = visible(up.chain);
    // One page of entities for both sides: the owner's filters load once, and `hide` ones of the thread context apply.
    const [shown] = await Promise.all([statusList(s, [...above, ...visible(down)], { owner: actsAsOwner(c), context: "thread" }), asked, repliesAsked]);
    const ancestorIds = new Set(above.map((r) => String(r.id)));
    return c.json({ ancestors: shown.filter((e) => ancestorIds.has(e.id)), descendants: shown.filter((e) => !ancestorIds.has(e.id)) });
  })
  .post("/api/v1/statuses/:id{\\d+}/favourite", requireScope("write:favourites"), async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    const s = c.var.services;
    if (!(await ownReaction(s, "Like", row.uri))) {
      const result = await react(s, "Like", row.uri);
      if (!result.ok) return jsonError(c, 422, result.error);
    }
    return entityResponse(c, row);
  })
  .post("/api/v1/statuses/:id{\\d+}/unfavourite", requireScope("write:favourites"), async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    const s = c.var.services;
    const like = await ownReaction(s, "Like", row.uri);
    // A like still waiting for the author's approval (an interaction policy) is taken back instead.
    if (like) await undoReaction(s, like);
    else await withdrawInteraction(s, "Like", row.uri);
    return entityResponse(c, row);
  })
  .post("/api/v1/statuses/:id{\\d+}/reblog", requireScope("write:statuses"), async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    const s = c.var.services;
    if (row.visibility !== "public" && row.visibility !== "unlisted") return jsonError(c, 422, "Validation failed: only public and unlisted posts can be boosted");
    let boost = await ownReaction(s, "Announce", row.uri);
    if (!boost) {
      const result = await react(s, "Announce", row.uri);
      if (!result.ok) return jsonError(c, 422, result.error);
      boost = result.activityId;
    }
    // The answer is the boost itself: a wrapper with its own id around the original.
    return entityResponse(c, await statusByUri(s, boost));
  })
  .post("/api/v1/statuses/:id{\\d+}/unreblog", requireScope("write:statuses"), async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    const s = c.var.services;
    const boost = await ownReaction(s, "Announce", row.uri);
    if (boost) await undoReaction(s, boost);
    else await withdrawInteraction(s, "Announce", row.uri);
    return entityResponse(c, row);
  })
  .post("/api/v1/statuses/:id{\\d+}/bookmark", requireScope("write:bookmarks"), async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    const s = c.var.services;
    await s.db.insert(bookmarks).values({ id: snowflake(s.now()), statusUri: row.uri }).onConflictDoNothing();
    return entityResponse(c, row);
  })
  .post("/api/v1/statuses/:id{\\d+}/unbookmark", requireScope("write:bookmarks"), async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    await c.var.services.db.delete(bookmarks).where(eq(bookmarks.statusUri, row.uri));
    return entityResponse(c, row);
  })
  .get("/api/v1/statuses/:id{\\d+}/favourited_by", async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    const s = c.var.services;
    const rows = await s.db.select({ actorId: reactions.actorId }).from(reactions).where(and(eq(reactions.objectId, row.uri), eq(reactions.type, "Like"))).orderBy(desc(reactions.createdAt)).limit(80);
    const actors = [...rows.map((r) => r.actorId), ...((await ownReaction(s, "Like", row.uri)) ? [s.urls.actor] : [])];
    const accounts = await accountsFor(s, actors);
    return c.json(actors.map((a) => accounts.get(a)!));
  })
  .get("/api/v1/statuses/:id{\\d+}/reblogged_by", async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    const s = c.var.services;
    const rows = await s.db.select({ actorId: reactions.actorId }).from(reactions).where(and(eq(reactions.objectId, row.uri), eq(reactions.type, "Announce"))).orderBy(desc(reactions.createdAt)).limit(80);
    const boosters = await s.db.select({ actorId: statuses.actorId }).from(statuses).where(eq(statuses.reblogOfUri, row.uri)).limit(80);
    const actors = [...new Set([...rows.map((r) => r.actorId), ...boosters.map((b) => b.actorId)])];
    const accounts = await accountsFor(s, actors);
    return c.json(actors.map((a) => accounts.get(a)!));
  });

