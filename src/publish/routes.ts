// The owner's publishing endpoints: ActivityPub C2S (POST to the outbox) and a JSON API for the
// CLI. Both end in the same compose functions.
import { Hono } from "hono";
import { requireOwner } from "../api/auth.ts";
import type { AppContext, AppEnv } from "../context.ts";
import type { Visibility } from "../delivery/outbox.ts";
import { handlerContext } from "../federation/inbox/process.ts";
import { isPublic } from "../federation/normalize.ts";
import { jsonError } from "../http.ts";
import { deleteNote, editNote, type PostInput, type PublishContext, type Published, publishNote, VISIBILITIES } from "./compose.ts";
import { type FollowResult, follow, unfollow } from "./follow.ts";
import { announceProfile, react, undoReaction } from "./interactions.ts";
import { blockActor, unblockActor } from "./blocks.ts";
import { actorDocument } from "../federation/actor.ts";

const MAX_TEXT = 20_000;

async function publishContext(c: AppContext): Promise<PublishContext> {
  return { ...(await handlerContext(c.env)), env: c.env };
}

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : null);
const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).filter((x): x is string => typeof x === "string");

function postInput(body: Json): PostInput | string {
  const text = str(body.text);
  if (!text?.trim()) return "text is required";
  if (text.length > MAX_TEXT) return `text is longer than ${MAX_TEXT} characters`;
  const visibility = (str(body.visibility) ?? "public") as Visibility;
  if (!VISIBILITIES.includes(visibility)) return `visibility must be one of ${VISIBILITIES.join(", ")}`;
  const inReplyTo = str(body.inReplyTo);
  if (inReplyTo !== null && !/^https?:\/\//.test(inReplyTo)) return "inReplyTo must be an http(s) URL";
  const language = str(body.language);
  if (language !== null && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(language)) return "language must be a language tag like en or pt-BR";
  return { text, visibility, summary: str(body.spoiler)?.trim() || null, inReplyTo, language };
}

/** A C2S Note → the same input the JSON API takes; visibility read back from its addressing. */
function noteInput(note: Json, followersUrl: string): PostInput | string {
  const source = note.source as Json | undefined;
  const to = list(note.to);
  const cc = list(note.cc);
  const visibility: Visibility = to.some(isPublic) ? "public" : cc.some(isPublic) ? "unlisted" : to.includes(followersUrl) ? "followers" : "direct";
  const contentMap = note.contentMap as Json | undefined;
  return postInput({
    text: str(source?.content) ?? str(note.content),
    visibility,
    spoiler: note.summary,
    inReplyTo: note.inReplyTo ?? null,
    language: contentMap ? Object.keys(contentMap)[0] : null,
  });
}

function answer(c: AppContext, result: Published | FollowResult) {
  if (!result.ok) return jsonError(c, result.status, result.error);
  c.header("Location", result.activityId);
  return c.json(result, 201);
}

async function readJson(c: AppContext): Promise<Json | null> {
  try {
    const body = await c.req.json();
    return body && typeof body === "object" && !Array.isArray(body) ? (body as Json) : null;
  } catch {
    return null;
  }
}

async function c2s(c: AppContext) {
  const body = await readJson(c);
  if (!body) return jsonError(c, 400, "the body must be a JSON object");
  const ctx = await publishContext(c);
  const type = str(body.type);
  const object = (typeof body.object === "object" && body.object !== null ? body.object : {}) as Json;
  const objectId = str(body.object) ?? str(object.id);
  switch (type) {
    case "Note":
    case "Create": {
      const note = type === "Note" ? body : object;
      if (note.type !== "Note") return jsonError(c, 400, "only Notes can be created");
      const input = noteInput(note, ctx.urls.followers);
      return typeof input === "string" ? jsonError(c, 400, input) : answer(c, await publishNote(ctx, input));
    }
    case "Update": {
      if (!objectId || object.type !== "Note") return jsonError(c, 400, "Update needs the edited Note with its id");
      const input = noteInput(object, ctx.urls.followers);
      return typeof input === "string" ? jsonError(c, 400, input) : answer(c, await editNote(ctx, objectId, input));
    }
    case "Delete":
      return objectId ? answer(c, await deleteNote(ctx, objectId)) : jsonError(c, 400, "Delete needs an object id");
    case "Follow":
      return objectId ? answer(c, await follow(ctx, objectId)) : jsonError(c, 400, "Follow needs the actor to follow");
    case "Like":
    case "Announce":
      return objectId ? answer(c, await react(ctx, type, objectId)) : jsonError(c, 400, `${type} needs the post's id as object`);
    case "Block": {
      if (!objectId) return jsonError(c, 400, "Block needs the actor to block");
      const activityId = await blockActor(ctx.db, ctx.sender, objectId);
      return answer(c, { ok: true, objectId, activityId });
    }
    case "Undo":
      if (object.type === "Follow" && str(object.object)) return answer(c, await unfollow(ctx, str(object.object)!));
      if (object.type === "Block" && str(object.object)) {
        const activityId = await unblockActor(ctx.db, ctx.sender, str(object.object)!);
        return activityId ? answer(c, { ok: true, objectId: str(object.object)!, activityId }) : jsonError(c, 404, "that actor is not blocked");
      }
      return objectId ? answer(c, await undoReaction(ctx, objectId)) : jsonError(c, 400, "Undo needs the id of our Follow, Like or Announce");
    default:
      return jsonError(c, 400, `${type ?? "an activity without a type"} cannot be posted to the outbox`);
  }
}

export const publishing = new Hono<AppEnv>()
  .post("/users/:username/outbox", requireOwner, c2s)
  .post("/api/posts", requireOwner, async (c) => {
    const body = await readJson(c);
    if (!body) return jsonError(c, 400, "the body must be a JSON object");
    const input = postInput(body);
    return typeof input === "string" ? jsonError(c, 400, input) : answer(c, await publishNote(await publishContext(c), input));
  })
  .delete("/api/posts", requireOwner, async (c) => {
    const id = c.req.query("id");
    if (!id) return jsonError(c, 400, "the id query parameter is required");
    const ctx = await publishContext(c);
    return answer(c, await deleteNote(ctx, /^https?:\/\//.test(id) ? id : ctx.urls.object(id)));
  })
  .post("/api/profile/announce", requireOwner, async (c) => answer(c, await announceProfile(await publishContext(c), await actorDocument(c))))
  .post("/api/follows", requireOwner, async (c) => {
    const target = str((await readJson(c))?.target);
    return target ? answer(c, await follow(await publishContext(c), target)) : jsonError(c, 400, "target (@user@host or actor URL) is required");
  })
  .delete("/api/follows", requireOwner, async (c) => {
    const target = c.req.query("target");
    return target ? answer(c, await unfollow(await publishContext(c), target)) : jsonError(c, 400, "the target query parameter is required");
  });
