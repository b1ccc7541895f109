// The owner's likes, replies and boosts of remote posts whose GoToSocial interaction policy wants
// them approved (src/federation/interaction-policy.ts has the rules and shapes).
//
// Asking: the interaction is built as usual but not distributed; a LikeRequest / ReplyRequest /
// AnnounceRequest carrying it in `instrument` goes to the post's author alone, and the
// interaction waits in `interaction_requests`. A pending boost is already in our own timeline
// (GoToSocial lets the interacting side show it as pending); a pending like is not counted as
// ours until approved, and asking again does not send a second request.
//
// The answer: an Accept whose `result` names the author's authorization sends the interaction
// to its whole audience, carrying that authorization (`replyAuthorization` & co. and
// `approvedBy`), as GoToSocial's flow asks; a Reject drops it here (a rejected reply is deleted
// from our side, never having left it).
import { and, eq, inArray, or } from "drizzle-orm";
import { interactionRequests, objects, remoteObjects, statuses } from "../db/schema.ts";
import { type Approval, approvalFor, approvedFields, type Interaction, requestTypeOf } from "../federation/interaction-policy.ts";
import { hostOf, type NormalizedActivity, type NormalizedObject, normalizeObject } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { done, type HandlerResult, ignored } from "./outcome.ts";
import { signed } from "./posts/signed.ts";
import { sendTo } from "./send.ts";
import { fetchRemotePost, unindexStatus } from "./statuses.ts";

export type InteractionRequestRow = typeof interactionRequests.$inferSelect;

export interface Gate {
  approval: Approval;
  author: string;
}

/**
 * What the policy of the post `target` says of our `interaction`. Our own posts, and remote posts
 * not stored (the caller stores them first: authorOf), are not policed here.
 */
export async function interactionGate(s: Services, interaction: Interaction, target: string): Promise<Gate | null> {
  if (s.urls.isLocal(target)) return null;
  const [row] = await s.db.select({ document: remoteObjects.document, author: remoteObjects.actorId }).from(remoteObjects).where(eq(remoteObjects.id, target));
  return row ? gateOfDocument(s, interaction, row.author, row.document) : null;
}

function gateOfDocument(s: Services, interaction: Interaction, author: string, document: string): Gate | null {
  const post = normalizeObject(JSON.parse(document));
  return post.ok ? gateOf(s, interaction, author, post.value) : null;
}

function gateOf(s: Services, interaction: Interaction, author: string, post: NormalizedObject): Gate {
  // GoToSocial always lets the mentioned and the replied-to reply (its "implicit assumptions").
  const mentioned = post.tag.some((t) => t.type === "Mention" && t.href === s.urls.actor) || (post.inReplyTo !== null && s.urls.isLocal(post.inReplyTo));
  return { author, approval: approvalFor(post.interactionPolicy, interaction, { actor: s.urls.actor, author, mentioned }) };
}

/** The post an interaction is aimed at: its author, and for ours its visibility; for a remote one the gate of its policy. */
export type InteractionTarget = { local: true; author: string; visibility: string; deleted: boolean } | { local: false; author: string; gate: Gate | null };

/**
 * authorOf and interactionGate in one read of the post: our object, or the index row of a remote
 * post with its stored document. A remote post we lack is fetched and stored on the way (its
 * policy read from what was fetched). Null when it cannot be found.
 */
export async function interactionTarget(s: Services, interaction: Interaction, target: string): Promise<InteractionTarget | null> {
  if (s.urls.isLocal(target)) {
    const [own] = await s.db.select({ visibility: objects.visibility, deletedAt: objects.deletedAt }).from(objects).where(eq(objects.id, target));
    return own ? { local: true, author: s.urls.actor, visibility: own.visibility, deleted: own.deletedAt !== null } : null;
  }
  const [known] = await s.db
    .select({ author: statuses.actorId, document: remoteObjects.document })
    .from(statuses)
    .leftJoin(remoteObjects, eq(remoteObjects.id, statuses.uri))
    .where(eq(statuses.uri, target))
    .limit(1);
  if (known) return { local: false, author: known.author, gate: known.document === null ? null : gateOfDocument(s, interaction, known.author, known.document) };
  const post = await fetchRemotePost(s, target);
  if (!post.ok) {
    s.log("publish.author_unknown", { objectId: target, reason: post.reason });
    return null;
  }
  return { local: false, author: post.row.actorId, gate: post.object ? gateOf(s, interaction, post.row.actorId, post.object) : null };
}

/** Our interaction of this kind with `target` still waiting for an answer, if any. */
export async function pendingInteraction(s: Services, interaction: Interaction, target: string): Promise<InteractionRequestRow | null> {
  const [row] = await s.db
    .select()
    .from(interactionRequests)
    .where(and(eq(interactionRequests.target, target), eq(interactionRequests.interaction, interaction), eq(interactionRequests.state, "pending")))
    .limit(1);
  return row ?? null;
}

/**
 * Keeps `activity` (a Like or Announce, or the Create of a reply) back and asks the author of
 * `target` for approval. Returns the request's id.
 */
export async function askApproval(
  s: Services,
  input: { interaction: Interaction; target: string; author: string; activity: Record<string, unknown> & { id: string } },
): Promise<string> {
  const instrument = input.interaction === "Reply" ? (input.activity.object as Record<string, unknown>) : input.activity;
  const { "@context": _context, proof: _proof, ...bare } = instrument;
  const id = s.urls.activity(crypto.randomUUID());
  await s.db.insert(interactionRequests).values({
    id,
    interaction: input.interaction,
    interactionId: String(bare.id),
    target: input.target,
    targetAuthor: input.author,
    activity: JSON.stringify(input.activity),
    createdAt: s.now(),
  });
  await sendTo(s, input.author, requestTypeOf(input.interaction), input.target, id, {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://gotosocial.org/ns"],
    instrument: bare,
  });
  s.log("interaction.asked", { id, interaction: input.interaction, target: input.target });
  return id;
}

/** What approval does for each interaction: its sending, given by the caller's module (interactions.ts, compose.ts). */
export type Release = (s: Services, row: InteractionRequestRow, fields: Record<string, string>) => Promise<void>;

/** The Create of an approved reply: the Note carries the authorization, in the stored post and on the wire, re-signed. */
export const releaseReply: Release = async (s, row, fields) => {
  const { proof: _proof, ...create } = JSON.parse(row.activity) as Record<string, unknown> & { id: string; type: string };
  const note = { ...(create.object as Record<string, unknown>), ...fields };
  const [stored] = await s.db.select({ visibility: objects.visibility, deletedAt: objects.deletedAt }).from(objects).where(eq(objects.id, row.interactionId));
  if (!stored || stored.deletedAt) return;
  await s.db.update(objects).set({ document: JSON.stringify(note) }).where(eq(objects.id, row.interactionId));
  const activity = await signed(s, { ...create, object: note });
  await s.outbox.send(activity, { visibility: stored.visibility, objectId: row.interactionId, published: Date.parse(String(note.published)) || s.now() });
};

/**
 * Accept or Reject of one of our interaction requests, matched by the request's id or the
 * interaction's (an inlined request's `instrument`, or GoToSocial's older Accept naming the
 * interaction itself), and only from the author asked. Null when it answers none of ours.
 */
export async function interactionAnswered(activity: NormalizedActivity, s: Services, release: Record<Interaction, Release>): Promise<HandlerResult | null> {
  const embedded = activity.object?.embedded;
  const ids = [activity.object?.id, embedded?.kind === "activity" ? embedded.instrument?.id : undefined].filter((id): id is string => !!id);
  if (ids.length === 0) return null;
  const [row] = await s.db
    .select()
    .from(interactionRequests)
    .where(and(eq(interactionRequests.targetAuthor, activity.actor), or(inArray(interactionRequests.id, ids), inArray(interactionRequests.interactionId, ids))))
    .limit(1);
  if (!row) return null;
  if (row.state !== "pending") return ignored(`the ${requestTypeOf(row.interaction)} was already answered`);
  if (activity.type === "Reject") {
    await s.db.update(interactionRequests).set({ state: "rejected", answeredAt: s.now() }).where(eq(interactionRequests.id, row.id));
    if (row.interaction === "Reply") await s.db.update(objects).set({ deletedAt: s.now() }).where(eq(objects.id, row.interactionId));
    if (row.interaction !== "Like") await unindexStatus(s, row.interactionId);
    s.log("interaction.rejected", { id: row.id, interaction: row.interaction });
    return done;
  }
  // GoToSocial before v0.19 sent no `result`: its Accept itself was the approval.
  const authorization = activity.result?.id ?? activity.id;
  if (!authorization || hostOf(authorization) !== hostOf(activity.actor)) return ignored("an Accept whose authorization is not on the author's server");
  const claimed = await s.db
    .update(interactionRequests)
    .set({ state: "accepted", authorization, answeredAt: s.now() })
    .where(and(eq(interactionRequests.id, row.id), eq(interactionRequests.state, "pending")))
    .returning({ id: interactionRequests.id });
  if (claimed.length === 0) return ignored("already answered");
  await release[row.interaction](s, row, approvedFields(row.interaction, authorization));
  s.log("interaction.approved", { id: row.id, interaction: row.interaction, authorization });
  return done;
}

/**
 * The owner takes back a like or boost still waiting for approval: the request is forgotten (an
 * Accept arriving later matches nothing), a pending boost leaves our timeline, and the author's
 * server, which keeps the pending interaction, gets its Undo. False when nothing was pending.
 */
export async function withdrawInteraction(s: Services, interaction: "Like" | "Announce", target: string): Promise<boolean> {
  const row = await pendingInteraction(s, interaction, target);
  if (!row) return false;
  await s.db.delete(interactionRequests).where(eq(interactionRequests.id, row.id));
  if (interaction === "Announce") await unindexStatus(s, row.interactionId);
  const { "@context": _context, ...object } = JSON.parse(row.activity) as Record<string, unknown>;
  await sendTo(s, row.targetAuthor, "Undo", object, `${row.interactionId}/undo`);
  s.log("interaction.withdrawn", { id: row.id, interaction });
  return true;
}
