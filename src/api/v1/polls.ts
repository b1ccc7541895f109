// /api/v1/polls: a poll by id (the status's id) and the owner's vote in a remote one. Rules:
// src/domain/polls.ts; the poll of POST /api/v1/statuses is read in poll-param.ts.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { pollViewed, voteInPoll } from "../../domain/polls.ts";
import type { StatusRow } from "../../domain/statuses.ts";
import { jsonError } from "../../http.ts";
import { listParam, readParams } from "../body.ts";
import { statusEntity } from "../entities/status.ts";
import { actsAsOwner, requireScope } from "../scopes.ts";
import { statusById } from "./statuses.ts";

/** The status whose poll `:id` is, when the caller may see it. */
async function pollStatus(c: AppContext): Promise<StatusRow | null> {
  const row = await statusById(c.var.services, c.req.param("id"));
  if (!row || row.reblogOfUri) return null;
  return actsAsOwner(c) || row.visibility === "public" || row.visibility === "unlisted" ? row : null;
}

async function pollResponse(c: AppContext, row: StatusRow) {
  const entity = await statusEntity(c.var.services, row, { owner: actsAsOwner(c) });
  return entity?.poll ? c.json(entity.poll) : jsonError(c, 404, "Record not found");
}

export const pollRoutes = new Hono<AppEnv>()
  .get("/api/v1/polls/:id{\\d+}", async (c) => {
    const row = await pollStatus(c);
    if (!row) return jsonError(c, 404, "Record not found");
    // As Mastodon's PollsController: a signed-in view of a stale remote poll reads it again — here
    // by a queued job, so this answer has the stored counts and the next one the fresh ones.
    const [response] = await Promise.all([pollResponse(c, row), actsAsOwner(c) ? pollViewed(c.var.services, row.uri) : null]);
    return response;
  })
  .post("/api/v1/polls/:id{\\d+}/votes", requireScope("write:statuses"), async (c) => {
    const row = await pollStatus(c);
    if (!row) return jsonError(c, 404, "Record not found");
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const choices = listParam(body.params, "choices").map((v) => (/^\d{1,3}$/.test(v.trim()) ? Number(v) : -1));
    const voted = await voteInPoll(c.var.services, row.uri, row.actorId, choices);
    if (!voted.ok) return jsonError(c, voted.status, voted.error);
    return pollResponse(c, row);
  });
