// The owner's publishing endpoints for the CLI: a JSON API ending in the same use cases as the
// C2S outbox (src/api/c2s-outbox.ts).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { followAccount, unfollowAccount } from "../domain/follows.ts";
import { deleteNote, publishNote } from "../domain/posts/compose.ts";
import { isRefused, postInput } from "../domain/posts/input.ts";
import { announceProfileUpdate } from "../domain/profile.ts";
import { actorDocument } from "../federation/actor.ts";
import { httpIri } from "../federation/normalize.ts";
import { jsonError } from "../http.ts";
import { requireOwner } from "./auth.ts";
import { readJsonObject } from "./body.ts";
import { created, postToOutbox } from "./c2s-outbox.ts";

export const publishing = new Hono<AppEnv>()
  .post("/users/:username/outbox", requireOwner, postToOutbox)
  .post("/api/posts", requireOwner, async (c) => {
    const body = await readJsonObject(c);
    if (!body) return jsonError(c, 400, "the body must be a JSON object");
    const input = postInput(body);
    return isRefused(input) ? jsonError(c, 400, input.error) : created(c, await publishNote(c.var.services, input));
  })
  .delete("/api/posts", requireOwner, async (c) => {
    const id = c.req.query("id");
    if (!id) return jsonError(c, 400, "the id query parameter (post id or URL) is required");
    const s = c.var.services;
    return created(c, await deleteNote(s, httpIri(id) ?? s.urls.object(id)));
  })
  .post("/api/profile/announce", requireOwner, async (c) =>
    created(c, await announceProfileUpdate(c.var.services, await actorDocument(c.var.services))),
  )
  .post("/api/follows", requireOwner, async (c) => {
    const target = (await readJsonObject(c))?.target;
    if (typeof target !== "string" || !target.trim()) return jsonError(c, 400, "target (@user@host or actor URL) is required");
    return created(c, await followAccount(c.var.services, target.trim()));
  })
  .delete("/api/follows", requireOwner, async (c) => {
    const target = c.req.query("target")?.trim();
    return target ? created(c, await unfollowAccount(c.var.services, target)) : jsonError(c, 400, "the target query parameter is required");
  });
