// GoToSocial interaction policies, "fetch all replies" and FEP-7aa9 revocation, against the
// GoToSocial-style peer (test/peers/gotosocial-peer.ts) and the Mastodon-style one. Posts and
// answers are GoToSocial's own shapes from test/fixtures (gotosocial-note.json,
// gotosocial-accept-reply-request.json, gotosocial-accept-like.json), with their hosts rewritten.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import acceptLikeFixture from "./fixtures/activitypub/gotosocial-accept-like.json";
import acceptReplyFixture from "./fixtures/activitypub/gotosocial-accept-reply-request.json";
import noteFixture from "./fixtures/activitypub/gotosocial-note.json";
import { pruneStorage } from "../src/domain/maintenance.ts";
import { approvalFor } from "../src/federation/interaction-policy.ts";
import { createServices } from "../src/runtime/services.ts";
import { normalizeObject } from "../src/federation/normalize.ts";
import { ACTOR, AP, count, MASTODON, owner, ourPublicKey, peer, postStatus, waitFor, worker } from "./helpers.ts";

const GTS = "https://gts.test";
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

interface Received {
  path: string;
  activity: Record<string, any>;
  verified: boolean;
  reason: string | null;
}

const json = async <T = Record<string, any>>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;

/** GoToSocial's Note fixture as a post by `author` at `path` on the peer, with `changes` applied. */
function gtsNote(path: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const note = JSON.parse(JSON.stringify(noteFixture).replaceAll("http://localhost:8080", GTS)) as Record<string, unknown>;
  const id = `${GTS}${path}`;
  return { ...note, id, url: id, inReplyTo: null, replies: { id: `${id}/replies`, type: "Collection", first: `${id}/replies?page=true` }, ...changes };
}

async function serve(documents: Record<string, unknown>) {
  await peer(`${GTS}/__control/documents`, { documents });
}

/** Signs `activity` as `name` on the GoToSocial peer and POSTs it to our inbox. */
async function sendAsGts(name: string, activity: Record<string, unknown>): Promise<Response> {
  const url = `${ACTOR}/inbox`;
  const body = JSON.stringify(activity);
  const { headers } = await peer<{ headers: Record<string, string> }>(`${GTS}/__control/sign`, { url, body, actor: name });
  return worker(url, { method: "POST", headers, body });
}

function arrivedAtGts(check: (r: Received) => boolean): Promise<Received> {
  return waitFor(async () => (await peer<Received[]>(`${GTS}/__control/received`)).find(check) ?? null);
}

/** The status id of a remote post, stored through search as an app resolves a link. */
async function resolve(uri: string): Promise<string> {
  const found = await json<{ statuses: { id: string; uri: string }[] }>(owner(`/api/v2/search?${new URLSearchParams({ q: uri, resolve: "true", type: "statuses" })}`));
  const status = found.statuses.find((s) => s.uri === uri);
  if (!status) throw new Error(`${uri} did not resolve`);
  return status.id;
}

// GoToSocial's "limiting scope of a conversation" example (docs/federation/interaction_policy.md):
// replies by others wait for the author's approval.
const repliesApproved = (author: string) => ({
  canLike: { automaticApproval: PUBLIC },
  canReply: { automaticApproval: [author], manualApproval: PUBLIC },
  canAnnounce: { automaticApproval: PUBLIC },
});

beforeAll(async () => {
  await peer(`${GTS}/__control/trust`, await ourPublicKey());
});

describe("reading a policy", () => {
  it("takes GoToSocial's current and older names, single IRIs or lists; an empty or absent sub-policy is not enforced", () => {
    const read = (interactionPolicy: unknown) => {
      const parsed = normalizeObject({ ...noteFixture, interactionPolicy });
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.value.interactionPolicy;
    };
    // The fixture sends both spellings (GoToSocial v0.20): merged, Public spelled one way.
    expect(read(noteFixture.interactionPolicy)).toEqual({
      canLike: { automatic: [PUBLIC], manual: [] },
      canReply: { automatic: [PUBLIC], manual: [] },
      canAnnounce: { automatic: [PUBLIC], manual: [] },
    });
    expect(read({ canReply: { always: "as:Public", approvalRequired: [] }, canLike: { manualApproval: "https://gts.test/users/admin/followers" } })).toEqual({
      canReply: { automatic: [PUBLIC], manual: [] },
      canLike: { automatic: [], manual: ["https://gts.test/users/admin/followers"] },
    });
    expect(read({})).toBeNull();
    expect(read({ canLike: {}, canReply: null })).toBeNull();
    expect(read("nonsense")).toBeNull();
  });

  it("decides as GoToSocial does: author and mentioned always, our actor named beats Public, collections and manualApproval ask", () => {
    const author = "https://gts.test/users/admin";
    const who = { actor: ACTOR, author, mentioned: false };
    const policy = (automatic: string[], manual: string[] = []) => ({ canReply: { automatic, manual } });
    expect(approvalFor(null, "Reply", who)).toEqual({ kind: "automatic" });
    expect(approvalFor(policy([author]), "Like", who)).toEqual({ kind: "automatic" });
    expect(approvalFor(policy([author]), "Reply", who).kind).toBe("forbidden");
    expect(approvalFor(policy([author]), "Reply", { ...who, mentioned: true })).toEqual({ kind: "automatic" });
    expect(approvalFor(policy([PUBLIC], [ACTOR]), "Reply", who)).toEqual({ kind: "manual" });
    expect(approvalFor(policy([ACTOR], [PUBLIC]), "Reply", who)).toEqual({ kind: "automatic" });
    expect(approvalFor(policy([author, `${author}/followers`]), "Reply", who)).toEqual({ kind: "manual" });
    expect(approvalFor(policy([author], [PUBLIC]), "Reply", who)).toEqual({ kind: "manual" });
  });
});

describe("our Notes publish an interaction policy", () => {
  it("canLike, canReply, canAnnounce: Public, in the Note we serve and the Create we send, with the gts terms", async () => {
    const posted = await postStatus({ status: `policy ${crypto.randomUUID()}` });
    const note = await json(worker(new URL(posted.uri).pathname, { headers: { Accept: AP } }));
    const everyone = { automaticApproval: [PUBLIC] };
    // One policy object: GoToSocial's three beside FEP-044f's canQuote (test/quotes.test.ts).
    expect(note.interactionPolicy).toEqual({ canLike: everyone, canReply: everyone, canAnnounce: everyone, canQuote: everyone });
    expect(note["@context"].at(-1)).toMatchObject({ canReply: { "@id": "gts:canReply" }, interactionPolicy: { "@id": "gts:interactionPolicy" }, gts: "https://gotosocial.org/ns#" });
    const create = await json(worker(new URL(posted.activityId).pathname, { headers: { Accept: AP } }));
    expect(create.object.interactionPolicy).toEqual(note.interactionPolicy);
    // Followers-only posts cannot be boosted by others (only by us).
    const private_ = await postStatus({ status: "followers only", visibility: "private" });
    const [row] = (await env.DB.prepare("SELECT document FROM objects WHERE id = ?").bind(private_.uri).all<{ document: string }>()).results;
    expect(JSON.parse(row!.document).interactionPolicy.canAnnounce).toEqual({ automaticApproval: [ACTOR] });
  });
});

describe("a GoToSocial post whose policy wants replies approved", () => {
  it("our reply goes out as a ReplyRequest only; GoToSocial's Accept marks it approved and the reply is sent with its authorization", async () => {
    const author = `${GTS}/users/admin`;
    const path = `/users/admin/statuses/${crypto.randomUUID()}`;
    await serve({ [path]: gtsNote(path, { interactionPolicy: repliesApproved(author) }) });
    const target = `${GTS}${path}`;
    const reply = await postStatus({ status: "may I?", in_reply_to_id: await resolve(target) });

    const request = await arrivedAtGts((r) => r.activity.type === "ReplyRequest" && r.activity.instrument?.id === reply.uri);
    expect(request).toMatchObject({ verified: true, activity: { actor: ACTOR, object: target, to: [author], instrument: { type: "Note", inReplyTo: target } } });
    // Held back: no Create of the reply reached the author's server.
    expect((await peer<Received[]>(`${GTS}/__control/received`)).some((r) => r.activity.type === "Create" && r.activity.object?.id === reply.uri)).toBe(false);

    // GoToSocial's Accept of a polite ReplyRequest (fixture), its ids rewritten to this exchange.
    const authorization = `${author}/authorizations/${crypto.randomUUID()}`;
    const accept = {
      ...acceptReplyFixture,
      id: `${author}/activities/${crypto.randomUUID()}`,
      actor: author,
      to: ACTOR,
      object: { ...acceptReplyFixture.object, id: request.activity.id, actor: ACTOR, object: target, instrument: reply.uri },
      result: authorization,
    };
    expect((await sendAsGts("admin", accept)).status).toBe(202);
    const create = await arrivedAtGts((r) => r.activity.type === "Create" && r.activity.object?.id === reply.uri);
    expect(create).toMatchObject({ verified: true, activity: { object: { replyAuthorization: authorization, approvedBy: authorization, inReplyTo: target } } });
    expect(await count("interaction_requests", "id = ? AND state = 'accepted' AND \"authorization\" = ?", request.activity.id, authorization)).toBe(1);
    const served = await json(worker(new URL(reply.uri).pathname, { headers: { Accept: AP } }));
    expect(served.replyAuthorization).toBe(authorization);

    // A second Accept changes nothing; an Accept from someone else matches nothing of ours.
    expect((await sendAsGts("admin", { ...accept, id: `${accept.id}-again` })).status).toBe(202);
    const creates = async () => (await peer<Received[]>(`${GTS}/__control/received`)).filter((r) => r.activity.type === "Create" && r.activity.object?.id === reply.uri).length;
    await waitFor(async () => (await count("inbox_activities", "id = ? AND state != 'queued'", `${accept.id}-again`)) > 0);
    expect(await creates()).toBe(1);
  });

  it("a policy that lets nobody else reply refuses our reply with a 422 and sends nothing", async () => {
    const author = `${GTS}/users/admin`;
    const path = `/users/admin/statuses/${crypto.randomUUID()}`;
    await serve({ [path]: gtsNote(path, { interactionPolicy: { canReply: { automaticApproval: author } } }) });
    const id = await resolve(`${GTS}${path}`);
    const res = await owner("/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "no", in_reply_to_id: id }) });
    expect(res.status).toBe(422);
    expect((await res.json()) as Record<string, unknown>).toHaveProperty("error", expect.stringContaining("interaction policy"));
  });
});

describe("likes and boosts under manualApproval", () => {
  it("a like sends a LikeRequest, shows as not yet ours, and GoToSocial's Accept sends the Like with likeAuthorization; a pending boost is taken back with an Undo, or dropped on a Reject", async () => {
    const author = `${GTS}/users/admin`;
    const path = `/users/admin/statuses/${crypto.randomUUID()}`;
    const manual = { automaticApproval: author, manualApproval: PUBLIC };
    await serve({ [path]: gtsNote(path, { interactionPolicy: { canLike: manual, canReply: { automaticApproval: PUBLIC }, canAnnounce: manual } }) });
    const target = `${GTS}${path}`;
    const id = await resolve(target);

    const liked = await json(owner(`/api/v1/statuses/${id}/favourite`, { method: "POST" }));
    expect(liked.favourited).toBe(false);
    const request = await arrivedAtGts((r) => r.activity.type === "LikeRequest" && r.activity.object === target);
    expect(request).toMatchObject({ verified: true, activity: { actor: ACTOR, to: [author], instrument: { type: "Like", actor: ACTOR, object: target } } });
    // Asking again while it waits sends no second request.
    await owner(`/api/v1/statuses/${id}/favourite`, { method: "POST" });
    expect((await peer<Received[]>(`${GTS}/__control/received`)).filter((r) => r.activity.type === "LikeRequest" && r.activity.object === target)).toHaveLength(1);

    // GoToSocial's Accept of a polite LikeRequest (fixture gotosocial-accept-like.json).
    const authorization = `${author}/authorizations/${crypto.randomUUID()}`;
    const accept = {
      ...acceptLikeFixture,
      id: `${author}/accepts/${crypto.randomUUID()}`,
      actor: author,
      to: ACTOR,
      object: { ...acceptLikeFixture.object, id: request.activity.id, actor: ACTOR, object: target, instrument: request.activity.instrument.id },
      result: authorization,
    };
    expect((await sendAsGts("admin", accept)).status).toBe(202);
    const like = await arrivedAtGts((r) => r.activity.type === "Like" && r.activity.id === request.activity.instrument.id);
    expect(like).toMatchObject({ verified: true, activity: { object: target, likeAuthorization: authorization } });
    expect((await json(owner(`/api/v1/statuses/${id}`))).favourited).toBe(true);

    // A boost waits in our timeline while asked; taken back, the author's server gets its Undo.
    const boosted = await json(owner(`/api/v1/statuses/${id}/reblog`, { method: "POST" }));
    expect(boosted.reblog?.id).toBe(id);
    const first = await arrivedAtGts((r) => r.activity.type === "AnnounceRequest" && r.activity.object === target);
    expect(first.activity.instrument).toMatchObject({ type: "Announce", id: boosted.uri, to: [PUBLIC] });
    expect((await owner(`/api/v1/statuses/${id}/unreblog`, { method: "POST" })).status).toBe(200);
    await arrivedAtGts((r) => r.activity.type === "Undo" && r.activity.object?.id === boosted.uri);
    expect(await count("statuses", "uri = ?", boosted.uri)).toBe(0);
    expect(await count("interaction_requests", "id = ?", first.activity.id)).toBe(0);

    // Boosted again and rejected: it goes from our timeline, and no Announce ever leaves.
    await owner(`/api/v1/statuses/${id}/reblog`, { method: "POST" });
    const announceRequest = await arrivedAtGts((r) => r.activity.type === "AnnounceRequest" && r.activity.object === target && r.activity.id !== first.activity.id);
    const reject = { "@context": "https://www.w3.org/ns/activitystreams", id: `${author}/rejects/${crypto.randomUUID()}`, type: "Reject", actor: author, to: ACTOR, object: announceRequest.activity.instrument.id };
    expect((await sendAsGts("admin", reject)).status).toBe(202);
    await waitFor(async () => (await count("interaction_requests", "id = ? AND state = 'rejected'", announceRequest.activity.id)) === 1);
    expect(await count("statuses", "uri = ?", announceRequest.activity.instrument.id)).toBe(0);
    expect((await peer<Received[]>(`${GTS}/__control/received`)).some((r) => r.activity.type === "Announce" && r.activity.object === target)).toBe(false);
  });
});

describe("GoToSocial asks before interacting with our posts", () => {
  // GoToSocial's polite request (internal/federation/federatingdb/interactionrequest.go's example):
  // the interaction embedded in `instrument`, our post as `object`.
  const requestOf = (type: string, actor: string, target: string, instrument: Record<string, unknown>) => ({
    "@context": ["https://www.w3.org/ns/activitystreams", "https://gotosocial.org/ns"],
    type,
    id: `${actor}/interaction_requests/${crypto.randomUUID()}`,
    actor,
    object: target,
    to: ACTOR,
    instrument,
  });

  it("a LikeRequest for a public post: the like counts, the owner is notified, and the Accept's LikeAuthorization can be fetched; the approved Like that follows counts once", async () => {
    const liker = `${GTS}/users/asker`;
    const posted = await postStatus({ status: `ask first ${crypto.randomUUID()}` });
    const like = { type: "Like", id: `${liker}/likes/${crypto.randomUUID()}`, actor: liker, object: posted.uri, to: [posted.uri.replace(/\/statuses\/.*$/, ""), PUBLIC] };
    const request = requestOf("LikeRequest", liker, posted.uri, like);
    expect((await sendAsGts("asker", request)).status).toBe(202);

    const accept = await arrivedAtGts((r) => r.activity.type === "Accept" && r.activity.object?.id === request.id);
    expect(accept).toMatchObject({
      verified: true,
      activity: { actor: ACTOR, to: [liker], object: { type: "LikeRequest", id: request.id, actor: liker, object: posted.uri, instrument: like.id } },
    });
    const authorization = accept.activity.result as string;
    expect(authorization.startsWith(`${ACTOR}/authorizations/`)).toBe(true);
    const served = await worker(new URL(authorization).pathname, { headers: { Accept: AP } });
    expect(served.status).toBe(200);
    expect(await served.json()).toMatchObject({ id: authorization, type: "LikeAuthorization", attributedTo: ACTOR, interactingObject: like.id, interactionTarget: posted.uri });

    const status = async () => json(owner(`/api/v1/statuses/${posted.id}`));
    expect((await status()).favourites_count).toBe(1);
    const favourites = await json<{ type: string; account: { url: string } ; status: { id: string } }[]>(owner("/api/v1/notifications?types[]=favourite"));
    expect(favourites.filter((n) => n.status?.id === posted.id)).toHaveLength(1);

    // GoToSocial then sends the Like itself, carrying the authorization: the same like, not a second.
    const approved = { "@context": request["@context"], ...like, likeAuthorization: authorization, approvedBy: authorization };
    expect((await sendAsGts("asker", approved)).status).toBe(202);
    await waitFor(async () => (await count("inbox_activities", "id = ? AND state != 'queued'", like.id)) > 0);
    expect((await status()).favourites_count).toBe(1);
    expect(await count("notifications", "type = 'like' AND object_id = ?", posted.uri)).toBe(1);
    // Asked again for the same Like (a new request: the same id is dropped by the inbox): the same authorization, nothing recorded twice.
    const again = { ...request, id: `${liker}/interaction_requests/${crypto.randomUUID()}` };
    expect((await sendAsGts("asker", again)).status).toBe(202);
    const second = await arrivedAtGts((r) => r.activity.type === "Accept" && r.activity.object?.id === again.id);
    expect(second.activity.result).toBe(authorization);
    expect(await count("reactions", "object_id = ?", posted.uri)).toBe(1);
  });

  it("a ReplyRequest and an AnnounceRequest for a public post: the reply is stored and notified, the boost counted, each once though the approved Create and Announce follow", async () => {
    const asker = `${GTS}/users/replier`;
    const posted = await postStatus({ status: `reply if you ask ${crypto.randomUUID()}` });
    const replyId = `${asker}/statuses/${crypto.randomUUID()}`;
    const { "@context": context, replies: _replies, ...note } = gtsNote(new URL(replyId).pathname, { attributedTo: asker, inReplyTo: posted.uri, content: "<p>asking nicely</p>", to: [PUBLIC], cc: [ACTOR] });
    const request = requestOf("ReplyRequest", asker, posted.uri, note);
    expect((await sendAsGts("replier", request)).status).toBe(202);
    const accept = await arrivedAtGts((r) => r.activity.type === "Accept" && r.activity.object?.id === request.id);
    expect(accept.activity.object).toMatchObject({ type: "ReplyRequest", instrument: replyId });
    const authorization = accept.activity.result as string;
    expect(await json(worker(new URL(authorization).pathname, { headers: { Accept: AP } }))).toMatchObject({ type: "ReplyAuthorization", interactingObject: replyId, interactionTarget: posted.uri });
    const boost = { type: "Announce", id: `${asker}/boosts/${crypto.randomUUID()}`, actor: asker, object: posted.uri, to: [PUBLIC] };
    const announceRequest = requestOf("AnnounceRequest", asker, posted.uri, boost);
    expect((await sendAsGts("replier", announceRequest)).status).toBe(202);
    const boostAccept = await arrivedAtGts((r) => r.activity.type === "Accept" && r.activity.object?.id === announceRequest.id);

    // What GoToSocial sends once approved: the Create and the Announce, carrying the authorizations.
    const create = { "@context": context, id: `${replyId}/activity`, type: "Create", actor: asker, to: [PUBLIC], cc: [ACTOR], object: { ...note, replyAuthorization: authorization } };
    const approvedBoost = { "@context": request["@context"], ...boost, announceAuthorization: boostAccept.activity.result };
    for (const activity of [create, approvedBoost]) expect((await sendAsGts("replier", activity)).status).toBe(202);
    await waitFor(async () => (await count("inbox_activities", "id IN (?, ?) AND state != 'queued'", create.id, boost.id)) === 2);
    expect(await count("statuses", "uri = ?", replyId)).toBe(1);
    expect(await count("notifications", "type = 'reply' AND object_id = ?", replyId)).toBe(1);
    const status = await json(owner(`/api/v1/statuses/${posted.id}`));
    expect(status).toMatchObject({ replies_count: 1, reblogs_count: 1 });
  });

  it("a ReplyRequest or AnnounceRequest for a followers-only post from a non-follower: Reject, and nothing stored", async () => {
    const asker = `${GTS}/users/stranger`;
    const posted = await postStatus({ status: `followers only ${crypto.randomUUID()}`, visibility: "private" });
    const replyId = `${asker}/statuses/${crypto.randomUUID()}`;
    const reply = { ...gtsNote(new URL(replyId).pathname, { attributedTo: asker, inReplyTo: posted.uri, content: "<p>let me in</p>", to: [PUBLIC], cc: [ACTOR] }), replies: undefined };
    const { "@context": _context, ...note } = reply as Record<string, unknown>;
    const request = requestOf("ReplyRequest", asker, posted.uri, note);
    expect((await sendAsGts("stranger", request)).status).toBe(202);
    const rejected = await arrivedAtGts((r) => r.activity.type === "Reject" && r.activity.object?.id === request.id);
    expect(rejected).toMatchObject({ verified: true, activity: { actor: ACTOR, to: [asker], object: { type: "ReplyRequest", object: posted.uri, instrument: replyId } } });
    expect(rejected.activity.result).toBeUndefined();

    const boost = { type: "Announce", id: `${asker}/statuses/${crypto.randomUUID()}/activity`, actor: asker, object: posted.uri, to: [PUBLIC] };
    const announceRequest = requestOf("AnnounceRequest", asker, posted.uri, boost);
    expect((await sendAsGts("stranger", announceRequest)).status).toBe(202);
    await arrivedAtGts((r) => r.activity.type === "Reject" && r.activity.object?.id === announceRequest.id);

    expect(await count("statuses", "uri IN (?, ?)", replyId, boost.id)).toBe(0);
    expect(await count("remote_objects", "id = ?", replyId)).toBe(0);
    expect(await count("reactions", "object_id = ?", posted.uri)).toBe(0);
    expect(await count("interaction_requests", "id IN (?, ?)", request.id, announceRequest.id)).toBe(0);
    expect(await count("notifications", "object_id IN (?, ?)", posted.uri, replyId)).toBe(0);
  });
});

describe("the daily clean-up", () => {
  it("drops answered requests (ours after two weeks, approvals we gave once their interaction is gone) and stale quote rows; keeps pending requests, standing approvals and the owner's quote states", async () => {
    const now = Date.now();
    const days = (n: number) => now - n * 86_400_000;
    const post = await postStatus({ status: `clean-up ${crypto.randomUUID()}` });
    const id = () => `${GTS}/x/${crypto.randomUUID()}`;
    const standingLike = id();
    await env.DB.prepare("INSERT INTO reactions (activity_id, type, actor_id, object_id, created_at) VALUES (?, 'Like', ?, ?, ?)").bind(standingLike, `${GTS}/users/fan`, post.uri, days(3)).run();
    // [id, interaction, interaction_id, target, target_author, state, created, answered]
    const rows: [string, string, string, string, string, string, number, number | null][] = [
      [`${ACTOR}/r/old-accepted`, "Like", id(), `${GTS}/p/1`, `${GTS}/users/admin`, "accepted", days(30), days(20)],
      [`${ACTOR}/r/old-rejected`, "Reply", id(), `${GTS}/p/2`, `${GTS}/users/admin`, "rejected", days(30), days(15)],
      [`${ACTOR}/r/old-pending`, "Announce", id(), `${GTS}/p/3`, `${GTS}/users/admin`, "pending", days(90), null],
      [`${ACTOR}/r/recent`, "Like", id(), `${GTS}/p/4`, `${GTS}/users/admin`, "accepted", days(3), days(2)],
      [`${GTS}/r/like-undone`, "Like", id(), post.uri, ACTOR, "accepted", days(3), days(3)],
      [`${GTS}/r/like-stands`, "Like", standingLike, post.uri, ACTOR, "accepted", days(3), days(3)],
    ];
    for (const [rid, interaction, interactionId, target, author, state, created, answered] of rows) {
      await env.DB.prepare(
        `INSERT INTO interaction_requests (id, interaction, interaction_id, target, target_author, activity, state, "authorization", created_at, answered_at) VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?)`,
      )
        .bind(rid, interaction, interactionId, target, author, state, author === ACTOR ? `${ACTOR}/authorizations/${crypto.randomUUID()}` : null, created, answered)
        .run();
    }
    // Quote rows: [id, quoting, quoted, author, state, updated]
    // (Our posts stand in for quoting posts that exist: only the row's author and state matter.)
    const [second, third] = [await postStatus({ status: "quoting 2" }), await postStatus({ status: "quoting 3" })];
    const quotes: [string, string, string, string, string, number][] = [
      ["q-quoting-gone", `${GTS}/gone/${crypto.randomUUID()}`, post.uri, `${GTS}/users/q`, "accepted", days(2)],
      ["q-refused-old", post.uri, second.uri, `${GTS}/users/q`, "rejected", days(40)],
      ["q-refused-recent", second.uri, post.uri, `${GTS}/users/q`, "rejected", days(10)],
      ["q-ours-rejected", third.uri, `${GTS}/gone/${crypto.randomUUID()}`, ACTOR, "rejected", days(40)],
    ];
    for (const [qid, quoting, quoted, author, state, updated] of quotes) {
      await env.DB.prepare("INSERT INTO quotes (id, status_uri, quoted_uri, actor_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)").bind(`${qid}-${now}`, quoting, quoted, author, state, updated, updated).run();
    }

    const report = await pruneStorage({ ...createServices(env), now: () => now });
    const left = (await env.DB.prepare(`SELECT id FROM interaction_requests WHERE id IN (${rows.map(() => "?").join(",")}) ORDER BY id`).bind(...rows.map((r) => r[0])).all<{ id: string }>()).results.map((r) => r.id);
    expect(left).toEqual([`${ACTOR}/r/old-pending`, `${ACTOR}/r/recent`, `${GTS}/r/like-stands`].sort());
    expect(report.interactionRequests).toBe(3);
    const quotesLeft = (await env.DB.prepare("SELECT id FROM quotes WHERE id LIKE ?").bind(`%-${now}`).all<{ id: string }>()).results.map((r) => r.id);
    expect(quotesLeft.sort()).toEqual([`q-ours-rejected-${now}`, `q-refused-recent-${now}`]);
    expect(report.quotes).toBe(2);
  });
});

describe("missing replies of a remote thread", () => {
  it("the owner's view fetches the reply from the post's replies collection once; not for anonymous readers, not again inside the debounce", async () => {
    const path = `/users/admin/statuses/${crypto.randomUUID()}`;
    const target = `${GTS}${path}`;
    const replyPath = `/users/someone/statuses/${crypto.randomUUID()}`;
    const reply = `${GTS}${replyPath}`;
    // GoToSocial's replies collection: a Collection whose first page links on to the page with the items.
    const page = `${path}/replies?page=true&only_other_accounts=false`;
    await serve({
      [path]: gtsNote(path, {
        replies: { id: `${target}/replies`, type: "Collection", first: { id: `${target}/replies?page=true`, type: "CollectionPage", next: `${GTS}${page}`, partOf: `${target}/replies` } },
      }),
      [page]: { "@context": "https://www.w3.org/ns/activitystreams", id: `${GTS}${page}`, type: "CollectionPage", partOf: `${target}/replies`, items: [reply] },
      [replyPath]: { ...gtsNote(replyPath, { attributedTo: `${GTS}/users/someone`, inReplyTo: target, content: "<p>a reply we never got</p>" }), replies: undefined },
    });
    const id = await resolve(target);
    expect(await count("statuses", "uri = ?", reply)).toBe(0);

    // Anonymous readers spend nothing of the queue's allowance.
    expect((await worker(`/api/v1/statuses/${id}/context`)).status).toBe(200);
    expect(await count("reply_fetches", "uri = ?", target)).toBe(0);

    expect((await owner(`/api/v1/statuses/${id}/context`)).status).toBe(200);
    await waitFor(async () => (await count("statuses", "uri = ?", reply)) === 1);
    const context = await json<{ descendants: { uri: string }[] }>(owner(`/api/v1/statuses/${id}/context`));
    expect(context.descendants.map((d) => d.uri)).toContain(reply);
    const hits = async (p: string) => (await peer<{ hits: number }>(`${GTS}/__control/hits?path=${encodeURIComponent(p)}`)).hits;
    expect(await hits(page)).toBe(1);
    expect(await hits(replyPath)).toBe(1);

    // Inside the 15 minutes, looking again reads nothing.
    await owner(`/api/v1/statuses/${id}/context`);
    await new Promise((r) => setTimeout(r, 300));
    expect(await hits(page)).toBe(1);
    expect(await count("reply_fetches", "uri = ? AND fetched = 1", target)).toBe(1);
  });
});

describe("FEP-7aa9 revocation", () => {
  it("the owner revokes a feature authorization: a signed Delete of the stamp reaches the collection's server, and the stamp is gone", async () => {
    await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
    const curator = `${MASTODON}/users/revoker`;
    const request = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${curator}/feature_requests/${crypto.randomUUID()}`,
      type: "FeatureRequest",
      actor: curator,
      object: ACTOR,
      instrument: `${curator}/collections/${crypto.randomUUID()}`,
    };
    const body = JSON.stringify(request);
    const { headers } = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, { method: "POST", url: `${ACTOR}/inbox`, body, actor: "revoker", variant: "main" });
    expect((await worker(`${ACTOR}/inbox`, { method: "POST", headers, body })).status).toBe(202);
    const accept = await waitFor(async () => (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.object === request.id) ?? null);
    const stamp = accept.activity.result as string;

    const listed = await json<{ id: string; uri: string; collection: string }[]>(owner("/api/roost/feature_authorizations"));
    const mine = listed.find((a) => a.uri === stamp)!;
    expect(mine.collection).toBe(request.instrument);
    expect((await owner(`/api/roost/feature_authorizations/${mine.id}`, { method: "DELETE" })).status).toBe(200);

    const deleted = await waitFor(async () => (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.type === "Delete" && r.activity.object?.id === stamp) ?? null);
    expect(deleted).toMatchObject({
      verified: true,
      activity: { id: `${stamp}#delete`, actor: ACTOR, to: [PUBLIC], object: { type: "FeatureAuthorization", interactingObject: request.instrument, interactionTarget: ACTOR } },
    });
    expect(deleted.activity.proof).toMatchObject({ type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022" });
    expect((await worker(new URL(stamp).pathname, { headers: { Accept: AP } })).status).toBe(404);
    expect((await owner(`/api/roost/feature_authorizations/${mine.id}`, { method: "DELETE" })).status).toBe(404);

    // Asked again, the request is judged anew and gets a new stamp; blocking the curator revokes that one too.
    const again = { ...request, id: `${curator}/feature_requests/${crypto.randomUUID()}` };
    const signed = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, { method: "POST", url: `${ACTOR}/inbox`, body: JSON.stringify(again), actor: "revoker", variant: "main" });
    expect((await worker(`${ACTOR}/inbox`, { method: "POST", headers: signed.headers, body: JSON.stringify(again) })).status).toBe(202);
    const second = await waitFor(async () => (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.object === again.id) ?? null);
    expect(second.activity.result).not.toBe(stamp);
    const account = (await json<{ accounts: { id: string }[] }>(owner(`/api/v2/search?${new URLSearchParams({ q: curator, resolve: "true", type: "accounts" })}`))).accounts[0]!;
    expect((await owner(`/api/v1/accounts/${account.id}/block`, { method: "POST" })).status).toBe(200);
    await waitFor(async () => (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.type === "Delete" && r.activity.object?.id === second.activity.result) ?? null);
    expect(await count("feature_authorizations", "actor_id = ?", curator)).toBe(0);
  });
});
