// ActivityPub client-to-server: the owner POSTs a bare Note or an activity to the outbox; we
// assign ids, fill in actor/attributedTo/published, and answer 201 with the activity id in
// Location. Refused input is a 400 with the reason, and nothing is stored or sent.
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { activities } from "../db/schema.ts";
import { blockActor, unblockActor } from "../domain/blocks.ts";
import { type FollowResult, followAccount, unfollowAccount } from "../domain/follows.ts";
import { react, undoReaction } from "../domain/interactions.ts";
import { deleteNote, editNote, type Published, publishNote } from "../domain/posts/compose.ts";
import { isRefused, noteInput } from "../domain/posts/input.ts";
import { httpIri } from "../federation/normalize.ts";
import { jsonError } from "../http.ts";
import type { Services } from "../services.ts";
import { requireOwner } from "./auth.ts";
import { type Json, readJsonObject } from "./body.ts";

type Outcome = Published | FollowResult;

function created(c: AppContext, result: Outcome): Response {
  if (!result.ok) return jsonError(c, result.status, result.error);
  c.header("Location", result.activityId);
  return c.json(result, 201);
}

const str = (v: unknown) => (typeof v === "string" ? v : null);
const asObject = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const refused = (error: string): Outcome => ({ ok: false, status: 400, error });

async function block(ctx: Services, actor: string | null): Promise<Outcome> {
  if (!actor || !httpIri(actor)) return refused("Block needs the actor URL to block as object");
  return { ok: true, actorId: actor, activityId: await blockActor(ctx, actor) };
}

async function unblock(ctx: Services, actor: string | null): Promise<Outcome> {
  if (!actor) return refused("Undo of a Block needs the blocked actor");
  const activityId = await unblockActor(ctx, actor);
  return activityId ? { ok: true, actorId: actor, activityId } : { ok: false, status: 404, error: `${actor} is not blocked` };
}

/** Undo names what it undoes inline ({type, object}) or by the id of one of our activities. */
async function undo(ctx: Services, target: unknown): Promise<Outcome> {
  let undone = asObject(target);
  const id = str(target) ?? str(undone.id);
  if (typeof target === "string") {
    const [row] = await ctx.db.select().from(activities).where(eq(activities.id, target));
    if (!row) return { ok: false, status: 404, error: `no activity ${target} of ours to undo` };
    undone = JSON.parse(row.document) as Json;
  }
  switch (undone.type) {
    case "Follow":
      return str(undone.object) ? unfollowAccount(ctx, str(undone.object)!) : refused("Undo of a Follow needs the followed actor");
    case "Block":
      return unblock(ctx, str(undone.object));
    case "Like":
    case "Announce":
      return id ? undoReaction(ctx, id) : refused(`Undo of a ${undone.type} needs its id`);
    default:
      return refused("Undo needs one of our Follow, Block, Like or Announce activities");
  }
}

async function outcome(ctx: Services, body: Json): Promise<Outcome> {
  const object = asObject(body.object);
  const objectId = str(body.object) ?? str(object.id);
  switch (body.type) {
    case "Note":
    case "Create": {
      const note = body.type === "Note" ? body : object;
      if (note.type !== "Note") return refused("only Notes can be created");
      const input = noteInput(note, body, ctx.urls.followers);
      return isRefused(input) ? refused(input.error) : publishNote(ctx, input);
    }
    case "Update": {
      if (!objectId || object.type !== "Note") return refused("Update needs the edited Note with its id");
      const input = noteInput(object, body, ctx.urls.followers);
      return isRefused(input) ? refused(input.error) : editNote(ctx, objectId, input);
    }
    case "Delete":
      return objectId ? deleteNote(ctx, objectId) : refused("Delete needs the id of the post as object");
    case "Follow":
      return objectId ? followAccount(ctx, objectId) : refused("Follow needs the actor (URL or @user@host) as object");
    case "Like":
    case "Announce":
      return objectId && httpIri(objectId) ? react(ctx, body.type, objectId) : refused(`${body.type} needs the post's URL as object`);
    case "Block":
      return block(ctx, objectId);
    case "Undo":
      return undo(ctx, body.object);
    default:
      return refused(`${str(body.type) ?? "an activity without a type"} cannot be posted to the outbox`);
  }
}

export const c2sOutbox = new Hono<AppEnv>().post("/users/:username/outbox", requireOwner, async (c) => {
  const body = await readJsonObject(c);
  if (!body) return jsonError(c, 400, "the body must be a JSON object");
  return created(c, await outcome(c.var.services, body));
});
