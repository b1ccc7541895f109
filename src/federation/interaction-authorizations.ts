// The answers we give GoToSocial's polite interaction requests (LikeRequest, ReplyRequest,
// AnnounceRequest, GoToSocial 0.20+), in its shapes (internal/typeutils: InteractionReqToASAccept,
// InteractionReqToASReject, InteractionReqToASAuthorization):
// - the Accept or Reject names a bare copy of the request in `object` (its id, the requester, our
//   post as `object`, the interaction's id as `instrument`), addressed to the requester alone;
// - an Accept's `result` is a LikeAuthorization / ReplyAuthorization / AnnounceAuthorization we
//   serve while the approval stands, so the requester's server and third servers can check the
//   `likeAuthorization` (&c.) the interaction then carries.
import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { interactionRequests } from "../db/schema.ts";
import { activityJson, jsonError } from "../http.ts";
import { GTS_CONTEXT, type Interaction, requestTypeOf } from "./interaction-policy.ts";
import type { LocalUrls } from "./urls.ts";

const AUTHORIZATION_TYPE = { Like: "LikeAuthorization", Reply: "ReplyAuthorization", Announce: "AnnounceAuthorization" } as const;

export function interactionAuthorizationUrl(urls: LocalUrls, id: string): string {
  return `${urls.actor}/authorizations/${id}`;
}

export interface AnsweredRequest {
  /** The request's id (theirs). */
  id: string;
  interaction: Interaction;
  /** The requester. */
  actor: string;
  /** Our post. */
  target: string;
  /** The Like / reply / Announce asked for. */
  interactionId: string;
}

/** The `object` of our Accept or Reject: the request, bare, as GoToSocial embeds it. */
export function answeredRequestObject(request: AnsweredRequest): Record<string, unknown> {
  return { id: request.id, type: requestTypeOf(request.interaction), actor: request.actor, object: request.target, instrument: request.interactionId };
}

export function interactionAuthorizationDocument(
  urls: LocalUrls,
  row: { interaction: Interaction; interactionId: string; target: string; authorization: string },
): Record<string, unknown> {
  return {
    "@context": GTS_CONTEXT,
    id: row.authorization,
    type: AUTHORIZATION_TYPE[row.interaction],
    attributedTo: urls.actor,
    interactingObject: row.interactionId,
    interactionTarget: row.target,
  };
}

// Served only while the approval stands: the clean-up drops it with the interaction (then 404).
export const interactionAuthorizationRoutes = new Hono<AppEnv>().get("/users/:username/authorizations/:id", async (c) => {
  const s = c.var.services;
  const url = interactionAuthorizationUrl(s.urls, c.req.param("id"));
  const [row] = await s.db
    .select()
    .from(interactionRequests)
    .where(and(eq(interactionRequests.authorization, url), eq(interactionRequests.targetAuthor, s.urls.actor), eq(interactionRequests.state, "accepted")))
    .limit(1);
  if (!row || !row.authorization) return jsonError(c, 404, "no such authorization");
  return activityJson(c, interactionAuthorizationDocument(s.urls, { ...row, authorization: row.authorization }));
});
