// The owner's marks on one status besides likes, boosts and bookmarks: pins (the profile's
// featured posts, federated as Add/Remove) and conversation mutes. Each answers the status.
import { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { muteConversation, unmuteConversation } from "../../domain/conversations.ts";
import { pinStatus, unpinStatus } from "../../domain/pins.ts";
import { jsonError } from "../../http.ts";
import { requireScope } from "../scopes.ts";
import { entityResponse, statusById, target } from "./statuses.ts";

export const statusMarks = new Hono<AppEnv>()
  // Mastodon's scope for pins is write:accounts (they change the profile).
  .post("/api/v1/statuses/:id{\\d+}/pin", requireScope("write:accounts"), async (c) => {
    // The row itself, not a boost's original: pinning a boost is refused, as Mastodon does.
    const row = await statusById(c.var.services, c.req.param("id"));
    if (!row) return jsonError(c, 404, "Record not found");
    const pinned = await pinStatus(c.var.services, row);
    if (!pinned.ok) return jsonError(c, 422, `Validation failed: ${pinned.error}`);
    return entityResponse(c, row);
  })
  .post("/api/v1/statuses/:id{\\d+}/unpin", requireScope("write:accounts"), async (c) => {
    const row = await statusById(c.var.services, c.req.param("id"));
    if (!row) return jsonError(c, 404, "Record not found");
    await unpinStatus(c.var.services, row);
    return entityResponse(c, row);
  })
  .post("/api/v1/statuses/:id{\\d+}/mute", requireScope("write:mutes"), async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    await muteConversation(c.var.services, row);
    return entityResponse(c, row);
  })
  .post("/api/v1/statuses/:id{\\d+}/unmute", requireScope("write:mutes"), async (c) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    await unmuteConversation(c.var.services, row);
    return entityResponse(c, row);
  });
