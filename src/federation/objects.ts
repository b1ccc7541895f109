// Our objects and activities, dereferenceable at their ids as ActivityStreams, 410 with a Tombstone
// once deleted, 404 unless public or unlisted. Browsers asking for a post are passed on to its
// permalink page (src/web/routes.tsx), registered after these routes.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { reactionCounts, servedActivity, servedObject } from "../db/queries/objects.ts";
import { pollOf, tallyOf } from "../db/queries/polls.ts";
import { replyCount } from "../db/queries/replies.ts";
import { threadContext } from "../db/queries/threads.ts";
import { activityJson, jsonError, wantsActivityJson } from "../http.ts";
import { repliesId } from "./collections.ts";
import { PROFILE_PATH } from "./urls.ts";
import { notePolicy } from "./interaction-policy.ts";
import { NOTE_CONTEXT, tombstone } from "./notes.ts";
import { withTally } from "./questions.ts";
import { AS_CONTEXT } from "./vocabulary.ts";

async function objectResponse(c: AppContext, next: () => Promise<void>) {
  c.header("Vary", "Accept");
  if (!wantsActivityJson(c.req.header("Accept"))) return next();
  const db = c.var.services.db;
  const row = await servedObject(db, c.var.services.urls.object(c.req.param("id") ?? ""));
  if (!row) return jsonError(c, 404, "no such object");
  if (row.deletedAt) return activityJson(c, tombstone(row.id, row.type, row.deletedAt), 410);
  const [{ likes, shares }, poll, replies, context] = await Promise.all([
    reactionCounts(db, row.id),
    row.type === "Question" ? pollOf(db, row.id) : null,
    replyCount(db, row.id),
    threadContext(db, row.id),
  ]);
  const tally = poll ? tallyOf(poll, c.var.services.now()) : null;
  // A poll is served with its counts as they are now (the stored document has those it was published with).
  const document = JSON.parse(row.document) as Record<string, unknown>;
  return activityJson(c, {
    "@context": NOTE_CONTEXT,
    ...(tally ? withTally(document, tally) : document),
    likes: { id: `${row.id}/likes`, type: "Collection", totalItems: likes },
    shares: { id: `${row.id}/shares`, type: "Collection", totalItems: shares },
    // The replies that reached us (src/federation/collections.ts) and the thread they belong to.
    replies: { id: repliesId(row.id), type: "Collection", totalItems: replies, first: replies > 0 ? `${repliesId(row.id)}?page=1` : undefined },
    context,
    // Posts published before the policy was added to the Note get it here too.
    interactionPolicy: { ...(document.interactionPolicy as Record<string, unknown> | undefined), ...notePolicy(c.var.services.urls, row.visibility) },
  });
}

async function activityResponse(c: AppContext, activityId: string) {
  const served = await servedActivity(c.var.services.db, activityId);
  if (!served) return jsonError(c, 404, "no such activity");
  // The Create of a deleted post goes with it.
  if (served.objectDeletedAt && served.row.type === "Create") return activityJson(c, tombstone(served.row.id, served.row.type, served.objectDeletedAt), 410);
  return activityJson(c, { "@context": AS_CONTEXT, ...JSON.parse(served.row.document) });
}

export const objectRoutes = new Hono<AppEnv>()
  .on("GET", ["/objects/:id", `/:handle{${PROFILE_PATH}}/:id`], objectResponse)
  .get("/objects/:id/activity", (c) => activityResponse(c, `${c.var.services.urls.object(c.req.param("id"))}/activity`))
  .get("/activities/:id", (c) => activityResponse(c, c.var.services.urls.activity(c.req.param("id"))));
