// The owner's publishing endpoints: ActivityPub C2S (POST to the outbox) and a JSON API for the
// CLI. Both end in the same compose, follow and profile functions.
import { Hono } from "hono";
import { requireOwner } from "../api/auth.ts";
import type { AppEnv } from "../context.ts";
import { actorDocument } from "../federation/actor.ts";
import { jsonError } from "../http.ts";
import { deleteNote, publishNote } from "./compose.ts";
import { follow, unfollow } from "./follow.ts";
import { isRefused, postInput } from "./input.ts";
import { created, postToOutbox } from "./outbox.ts";
import { announceProfileUpdate } from "./profile.ts";
import { publishContext, readJsonObject } from "./request.ts";

export const publishing = new Hono<AppEnv>()
  .post("/users/:username/outbox", requireOwner, postToOutbox)
  .post("/api/posts", requireOwner, async (c) => {
    const body = await readJsonObject(c);
    if (!body) return jsonError(c, 400, "the body must be a JSON object");
    const input = postInput(body);
    return isRefused(input) ? jsonError(c, 400, input.error) : created(c, await publishNote(await publishContext(c), input));
  })
  .delete("/api/posts", requireOwner, async (c) => {
    const id = c.req.query("id");
    if (!id) return jsonError(c, 400, "the id query parameter (post id or URL) is required");
    const ctx = await publishContext(c);
    return created(c, await deleteNote(ctx, /^https?:\/\//.test(id) ? id : ctx.urls.object(id)));
  })
  .post("/api/profile/announce", requireOwner, async (c) => created(c, await announceProfileUpdate(await publishContext(c), await actorDocument(c))))
  .post("/api/follows", requireOwner, async (c) => {
    const target = (await readJsonObject(c))?.target;
    if (typeof target !== "string" || !target.trim()) return jsonError(c, 400, "target (@user@host or actor URL) is required");
    return created(c, await follow(await publishContext(c), target.trim()));
  })
  .delete("/api/follows", requireOwner, async (c) => {
    const target = c.req.query("target")?.trim();
    return target ? created(c, await unfollow(await publishContext(c), target)) : jsonError(c, 400, "the target query parameter is required");
  });
