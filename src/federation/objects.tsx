// Our objects and activities, dereferenceable at their ids: ActivityStreams for servers, a
// permalink page for browsers, 410 with a Tombstone once deleted. Only public and unlisted
// ones are served; followers-only and direct posts reach their audience by delivery.
import { and, count, eq } from "drizzle-orm";
import { Hono } from "hono";
import { raw } from "hono/html";
import type { AppContext, AppEnv } from "../context.ts";
import { activities, objects, reactions } from "../db/schema.ts";
import { activityJson, AS_CONTEXT, jsonError, wantsActivityJson } from "../http.ts";
import { NOTE_CONTEXT, tombstone } from "../publish/compose.ts";
import { Layout } from "../web/layout.tsx";
import { PROFILE_PATH } from "./actor.ts";

const SERVED = new Set(["public", "unlisted"]);

async function countOf(c: AppContext, objectId: string, type: "Like" | "Announce") {
  const [row] = await c.var.db.select({ n: count() }).from(reactions).where(and(eq(reactions.objectId, objectId), eq(reactions.type, type)));
  return row?.n ?? 0;
}

async function objectResponse(c: AppContext, objectId: string) {
  const [row] = await c.var.db.select().from(objects).where(eq(objects.id, objectId));
  if (!row || !SERVED.has(row.visibility)) return jsonError(c, 404, "no such object");
  if (row.deletedAt) return activityJson(c, tombstone(row.id, row.type, row.deletedAt), 410);
  const note = JSON.parse(row.document) as Record<string, unknown> & { content?: string; summary?: string | null; published?: string };
  if (!wantsActivityJson(c.req.header("Accept"))) {
    c.header("Vary", "Accept");
    return c.html(
      <Layout title={`${c.var.config.displayName}: post`} alternate={row.id}>
        <article>
          {note.summary ? (
            <details>
              <summary>{note.summary}</summary>
              {raw(note.content ?? "")}
            </details>
          ) : (
            raw(note.content ?? "")
          )}
          <p class="meta">
            <a href={c.var.urls.profile}>{`@${c.var.config.username}@${c.var.config.handleDomain}`}</a> · {note.published}
          </p>
        </article>
      </Layout>,
    );
  }
  return activityJson(c, {
    "@context": NOTE_CONTEXT,
    ...note,
    likes: { id: `${row.id}/likes`, type: "Collection", totalItems: await countOf(c, row.id, "Like") },
    shares: { id: `${row.id}/shares`, type: "Collection", totalItems: await countOf(c, row.id, "Announce") },
  });
}

export const objectRoutes = new Hono<AppEnv>()
  .get("/objects/:id", (c) => objectResponse(c, c.var.urls.object(c.req.param("id"))))
  .get(`/:handle{${PROFILE_PATH}}/:id`, (c) => objectResponse(c, c.var.urls.object(c.req.param("id"))))
  .get("/objects/:id/activity", async (c) => {
    const id = `${c.var.urls.object(c.req.param("id"))}/activity`;
    const [row] = await c.var.db.select().from(activities).where(eq(activities.id, id));
    if (!row || !SERVED.has(row.visibility)) return jsonError(c, 404, "no such activity");
    return activityJson(c, JSON.parse(row.document));
  })
  .get("/activities/:id", async (c) => {
    const [row] = await c.var.db.select().from(activities).where(eq(activities.id, c.var.urls.activity(c.req.param("id"))));
    if (!row || !SERVED.has(row.visibility)) return jsonError(c, 404, "no such activity");
    return activityJson(c, { "@context": AS_CONTEXT, ...JSON.parse(row.document) });
  });
