// The pages people see at the URLs that are also ActivityPub ids: the profile at the actor URL and
// /@username, a post's permalink at its id. The federation routes before these answer servers.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { reactionCounts, servedObject } from "../db/queries/objects.ts";
import { PROFILE_PATH } from "../federation/urls.ts";
import { tombstone } from "../federation/notes.ts";
import { activityJson, jsonError } from "../http.ts";
import { renderProfile } from "./pages.tsx";
import { PostPage } from "./post.tsx";

interface StoredNote {
  url?: string;
  content?: string;
  summary?: string | null;
  inReplyTo?: string | null;
  published: string;
  updated?: string;
}

async function postPage(c: AppContext) {
  const { db, config, urls } = c.var.services;
  const row = await servedObject(db, urls.object(c.req.param("id") ?? ""));
  if (!row) return jsonError(c, 404, "no such object");
  if (row.deletedAt) return activityJson(c, tombstone(row.id, row.type, row.deletedAt), 410);
  const note = JSON.parse(row.document) as StoredNote;
  const { likes, shares } = await reactionCounts(db, row.id);
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
  return c.html(<PostPage config={config} profile={await c.var.services.profile()} urls={urls} post={post} />);
}

export const pages = new Hono<AppEnv>()
  .on("GET", ["/users/:username", `/:handle{${PROFILE_PATH}}`], async (c) => c.html(await renderProfile(c)))
  .on("GET", ["/objects/:id", `/:handle{${PROFILE_PATH}}/:id`], postPage);
