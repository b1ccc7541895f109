// Our objects and activities, dereferenceable at their ids: ActivityStreams for servers, a
// permalink page for browsers, 410 with a Tombstone once deleted. Only public and unlisted
// ones are served: Mastodon serves followers-only and direct posts only to signed fetches from
// their audience; ours reach their audience by delivery alone, and answer 404 here.
import { and, count, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { activities, objects, reactions } from "../db/schema.ts";
import { activityJson, AS_CONTEXT, jsonError, wantsActivityJson } from "../http.ts";
import { NOTE_CONTEXT, tombstone } from "../publish/compose.ts";
import { PostPage } from "../web/post.tsx";
import { PROFILE_PATH } from "./actor.ts";

const SERVED = new Set(["public", "unlisted"]);

async function countOf(c: AppContext, objectId: string, type: "Like" | "Announce") {
  const [row] = await c.var.db.select({ n: count() }).from(reactions).where(and(eq(reactions.objectId, objectId), eq(reactions.type, type)));
  return row?.n ?? 0;
}

interface StoredNote {
  url?: string;
  content?: string;
  summary?: string | null;
  inReplyTo?: string | null;
  published: string;
  updated?: string;
}

async function objectResponse(c: AppContext, objectId: string) {
  const [row] = await c.var.db.select().from(objects).where(eq(objects.id, objectId));
  if (!row || !SERVED.has(row.visibility)) return jsonError(c, 404, "no such object");
  if (row.deletedAt) return activityJson(c, tombstone(row.id, row.type, row.deletedAt), 410);
  const note = JSON.parse(row.document) as StoredNote & Record<string, unknown>;
  const [likes, shares] = await Promise.all([countOf(c, row.id, "Like"), countOf(c, row.id, "Announce")]);
  if (!wantsActivityJson(c.req.header("Accept"))) {
    c.header("Vary", "Accept");
    const post = {
      id: row.id,
      permalink: note.url ?? row.id,
      contentHtml: note.content ?? "",
      summary: note.summary ?? null,
      inReplyTo: note.inReplyTo ?? null,
      published: note.published,
      updated: note.updated ?? null,
      likes,
      shares,
    };
    return c.html(<PostPage config={c.var.config} urls={c.var.urls} post={post} />);
  }
  return activityJson(c, {
    "@context": NOTE_CONTEXT,
    ...note,
    likes: { id: `${row.id}/likes`, type: "Collection", totalItems: likes },
    shares: { id: `${row.id}/shares`, type: "Collection", totalItems: shares },
  });
}

async function activityResponse(c: AppContext, activityId: string) {
  const [row] = await c.var.db.select().from(activities).where(eq(activities.id, activityId));
  if (!row || !SERVED.has(row.visibility)) return jsonError(c, 404, "no such activity");
  // The Create of a deleted post goes with it.
  const [object] = row.objectId ? await c.var.db.select({ deletedAt: objects.deletedAt }).from(objects).where(eq(objects.id, row.objectId)) : [];
  if (object?.deletedAt && row.type === "Create") return activityJson(c, tombstone(row.id, row.type, object.deletedAt), 410);
  return activityJson(c, { "@context": AS_CONTEXT, ...JSON.parse(row.document) });
}

export const objectRoutes = new Hono<AppEnv>()
  .get("/objects/:id", (c) => objectResponse(c, c.var.urls.object(c.req.param("id"))))
  .get(`/:handle{${PROFILE_PATH}}/:id`, (c) => objectResponse(c, c.var.urls.object(c.req.param("id"))))
  .get("/objects/:id/activity", (c) => activityResponse(c, `${c.var.urls.object(c.req.param("id"))}/activity`))
  .get("/activities/:id", (c) => activityResponse(c, c.var.urls.activity(c.req.param("id"))));
