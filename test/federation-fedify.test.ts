// Interop with a real Fedify server (test/peers/fedify-peer.ts): Fedify's own WebFinger client,
// JSON-LD parser, HTTP-signature signer and verifier judge what Roost publishes and sends.
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { DeliveryHost } from "../src/runtime/delivery-host.ts";
import { ACTOR, AP, count, ORIGIN, OWNER_TOKEN, owner, peer, waitFor, worker } from "./helpers.ts";
import { JPEG_SIZE, jpegAsStored, jpegWithGps, png, uploadForm } from "./media-fixtures.ts";
import type { FedifyReceived as Received } from "./peers/reports.ts";

const FEDIFY = "https://fedify.test";
const PEER_ACTOR = `${FEDIFY}/users/peer`;
const WEBFINGER = "/.well-known/webfinger?resource=acct%3Ame%40roost.test";
const AS = "https://www.w3.org/ns/activitystreams";
/** Fedify verified our HTTP signature and its inbox ran the listener. */
const TAKEN_BY_FEDIFY = { httpSignature: { verified: true, keyId: `${ACTOR}#main-key`, owner: ACTOR }, listenerRan: true };


/** Gives the offline Fedify peer our current WebFinger and actor documents, as the Worker serves them. */
async function pushOurDocuments() {
  const jrd = await (await worker(WEBFINGER)).json();
  const actor = await (await worker("/users/me", { headers: { Accept: AP } })).json();
  await peer(`${FEDIFY}/__control/documents`, { [`${ORIGIN}${WEBFINGER}`]: jrd, [ACTOR]: actor });
}

beforeAll(pushOurDocuments);

describe("Fedify reads our identity", () => {
  it("resolves acct:me@roost.test with Fedify's WebFinger and lookupObject, and parses a Person with usable keys", async () => {
    const { jrd, actor } = await peer<{ jrd: any; actor: any }>(`${FEDIFY}/__control/resolve`, { handle: "me@roost.test" });
    expect(jrd.subject).toBe("acct:me@roost.test");
    expect(jrd.links).toContainEqual(expect.objectContaining({ rel: "self", type: AP, href: ACTOR }));
    expect(actor).toMatchObject({
      type: "Person",
      id: ACTOR,
      preferredUsername: "me",
      name: "Test Owner",
      inbox: `${ACTOR}/inbox`,
      sharedInbox: `${ORIGIN}/inbox`,
      followers: `${ACTOR}/followers`,
      publicKey: { id: `${ACTOR}#main-key`, owner: ACTOR, algorithm: "RSASSA-PKCS1-v1_5" },
      manuallyApprovesFollowers: false,
      discoverable: true,
      indexable: true,
      featured: `${ACTOR}/collections/featured`,
      alsoKnownAs: ["https://mastodon.test/users/old"],
      url: `${ORIGIN}/@me`,
      summary: expect.stringContaining("Hello from the tests."),
      attachments: [{ type: "PropertyValue", name: "Site", value: expect.stringContaining('href="https://example.com"') }],
    });
    expect(Date.parse(actor.published)).not.toBeNaN();
    expect(actor.assertionMethods).toEqual([{ id: expect.stringMatching(new RegExp(`^${ACTOR}#`)), controller: ACTOR, algorithm: "Ed25519" }]);
  });
});

type Spec = Received["spec"];

/** Has the Fedify peer build and sign a Follow of us with `spec`, and sends it to our inbox. */
async function followFromFedify(spec: Spec) {
  // Each test wants its Accept: forget the last one, which a repeated Follow within the hour would not get again.
  await env.DB.prepare("DELETE FROM follow_accepts").run();
  const follow = await peer<{ id: string; url: string; method: string; headers: Record<string, string>; body: string }>(`${FEDIFY}/__control/follow`, {
    object: ACTOR,
    inbox: `${ACTOR}/inbox`,
    spec,
  });
  const res = await worker(follow.url, { method: follow.method, headers: follow.headers, body: follow.body });
  return { id: follow.id, status: res.status };
}

/** The delivery of our activity `id` that Fedify's inbox took. */
function arrival(type: string, id: string): Promise<Received> {
  return waitFor(async () => {
    const received = await peer<Received[]>(`${FEDIFY}/__control/received`);
    return received.find((r) => r.type === type && r.id === id && r.inboxStatus === 202) ?? null;
  });
}

/** The account id of @user@host, looked up through our WebFinger client as an app would. */
async function accountId(handle: string): Promise<string> {
  const res = await owner(`/api/v1/accounts/lookup?acct=${encodeURIComponent(handle)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

/** Follows through the Mastodon API; the id of the Follow we sent. */
async function followThroughApi(handle: string, actor: string): Promise<string> {
  expect((await owner(`/api/v1/accounts/${await accountId(handle)}/follow`, { method: "POST" })).status).toBe(200);
  const row = await env.DB.prepare("SELECT follow_activity_id AS id FROM following WHERE actor_id = ?").bind(actor).first<{ id: string }>();
  return row!.id;
}

/** Deliveries of our Accept of `followId` the peer has seen, once Fedify's inbox took one. */
async function acceptsOf(followId: string) {
  return waitFor(async () => {
    const accepts = (await peer<Received[]>(`${FEDIFY}/__control/received`)).filter((r) => r.type === "Accept" && r.objectId === followId);
    return accepts.some((r) => r.inboxStatus === 202) ? accepts : null;
  });
}

describe("a Fedify server follows us", () => {
  it.each(["draft-cavage-http-signatures-12", "rfc9421"] as const)("Follow signed by Fedify (%s): 202, follower stored, Accept verified by Fedify", async (spec) => {
    const follow = await followFromFedify(spec);
    expect(follow.status).toBe(202);

    const [accept] = await acceptsOf(follow.id);
    if (!accept) throw new Error("no Accept");
    expect(accept.path).toBe("/users/peer/inbox");
    expect(accept.httpSignature).toEqual({ verified: true, keyId: `${ACTOR}#main-key`, owner: ACTOR });
    expect(accept).toMatchObject({ inboxStatus: 202, inboxAnswer: "" });
    expect(accept.listenerRan).toBe(true);
    expect(accept.activity.actor).toBe(ACTOR);
    expect(["absent", "verified"]).toContain(accept.proof);

    expect(await count("followers", "actor_id = ? AND state = 'accepted'", PEER_ACTOR)).toBe(1);
    const followers = (await (await worker("/users/me/followers?page=1", { headers: { Accept: AP } })).json()) as { orderedItems: string[] };
    expect(followers.orderedItems).toContain(PEER_ACTOR);
  });

  it("an inbox that refuses draft-cavage gets our RFC 9421 second knock, which Fedify verifies", async () => {
    await peer(`${FEDIFY}/__control/rfc9421-only`, { enabled: true });
    try {
      const follow = await followFromFedify("rfc9421");
      expect(follow.status).toBe(202);
      const accepts = await acceptsOf(follow.id);
      expect(accepts.map((r) => [r.spec, r.inboxStatus])).toEqual([
        ["draft-cavage-http-signatures-12", 401],
        ["rfc9421", 202],
      ]);
      expect(accepts[1]).toMatchObject({ httpSignature: { verified: true, keyId: `${ACTOR}#main-key`, owner: ACTOR }, listenerRan: true });
    } finally {
      await peer(`${FEDIFY}/__control/rfc9421-only`, { enabled: false });
    }
  });
});

describe("a Fedify follower receives what we publish", () => {
  it("a Note posted to our C2S outbox reaches Fedify's inbox as a Create, HTTP signature and FEP-8b32 proof verified by Fedify", async () => {
    const follow = await followFromFedify("draft-cavage-http-signatures-12");
    await acceptsOf(follow.id);
    const text = `Hello Fedify ${crypto.randomUUID()}`;
    const res = await owner("/users/me/outbox", {
      method: "POST",
      body: JSON.stringify({ type: "Note", content: text, to: ["https://www.w3.org/ns/activitystreams#Public"] }),
    });
    expect(res.status).toBe(201);
    const { activityId } = (await res.json()) as { activityId: string };

    const create = await arrival("Create", activityId);
    expect(create.httpSignature).toEqual({ verified: true, keyId: `${ACTOR}#main-key`, owner: ACTOR });
    expect(create.proof).toBe("verified");
    expect(create.listenerRan).toBe(true);
    expect(create.activity.object).toMatchObject({ type: "Note", attributedTo: ACTOR, content: expect.stringContaining(text) });

    // Its edit and its deletion, each verified by Fedify the same way.
    const objectId = create.activity.object.id as string;
    const edit = await owner("/users/me/outbox", {
      method: "POST",
      body: JSON.stringify({ type: "Update", object: { id: objectId, type: "Note", content: `${text} (edited)`, to: ["https://www.w3.org/ns/activitystreams#Public"] } }),
    });
    expect(edit.status).toBe(201);
    const update = await arrival("Update", ((await edit.json()) as { activityId: string }).activityId);
    expect(update.httpSignature).toMatchObject({ verified: true, owner: ACTOR });
    expect(update.proof).toBe("verified");
    expect(update.activity.object).toMatchObject({ id: objectId, content: expect.stringContaining("(edited)") });
    const del = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Delete", object: objectId }) });
    expect(del.status).toBe(201);
    const deleted = await arrival("Delete", ((await del.json()) as { activityId: string }).activityId);
    expect(deleted.httpSignature).toMatchObject({ verified: true, owner: ACTOR });
    expect(deleted.proof).toBe("verified");
    expect(deleted.activity.object).toMatchObject({ id: objectId, type: "Tombstone" });
  });
});

describe("a Fedify follower receives what an app publishes through the Mastodon API", () => {
  it("POST, PUT and DELETE /api/v1/statuses arrive as Create, Update and Delete, each verified by Fedify", async () => {
    const follow = await followFromFedify("draft-cavage-http-signatures-12");
    await acceptsOf(follow.id);
    const app = (path: string, init: RequestInit) =>
      worker(path, { ...init, headers: { Authorization: `Bearer ${OWNER_TOKEN}`, "Content-Type": "application/json" } });
    const text = `Hello from an app ${crypto.randomUUID()}`;
    const posted = (await (await app("/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: text, spoiler_text: "cw" }) })).json()) as { id: string; uri: string };
    const create = await arrival("Create", `${posted.uri}/activity`);
    expect(create).toMatchObject({ httpSignature: { verified: true, owner: ACTOR }, proof: "verified", listenerRan: true });
    expect(create.activity.object).toMatchObject({ id: posted.uri, type: "Note", summary: "cw", content: expect.stringContaining(text) });

    expect((await app(`/api/v1/statuses/${posted.id}`, { method: "PUT", body: JSON.stringify({ status: `${text} (edited)` }) })).status).toBe(200);
    const [update] = await waitFor(async () => {
      const received = await peer<Received[]>(`${FEDIFY}/__control/received`);
      const found = received.filter((r) => r.type === "Update" && r.activity.object?.id === posted.uri);
      return found.length > 0 ? found : null;
    });
    expect(update!).toMatchObject({ httpSignature: { verified: true, owner: ACTOR }, proof: "verified" });
    expect(update!.activity.object.content).toContain("(edited)");

    expect((await app(`/api/v1/statuses/${posted.id}`, { method: "DELETE", body: "{}" })).status).toBe(200);
    const deleted = await arrival("Delete", `${posted.uri}#delete`);
    expect(deleted).toMatchObject({ httpSignature: { verified: true, owner: ACTOR }, proof: "verified" });
    expect(deleted.activity.object).toMatchObject({ id: posted.uri, type: "Tombstone" });
  });
});

describe("a Fedify follower receives a post with media", () => {
  it("the Create carries Documents Fedify reads with their url, type, alt text and size, and the url serves the stripped file", async () => {
    const follow = await followFromFedify("draft-cavage-http-signatures-12");
    await acceptsOf(follow.id);
    const auth = { Authorization: `Bearer ${OWNER_TOKEN}` };
    const ids: string[] = [];
    for (const form of [uploadForm(jpegWithGps(), "a.jpg", "image/jpeg", { description: "A red square", focus: "0.5,-0.5" }), uploadForm(await png(40, 30, null), "b.png", "image/png", { description: "Noise" })]) {
      const res = await worker("/api/v1/media", { method: "POST", headers: auth, body: form });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const posted = await worker("/api/v1/statuses", { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify({ status: "Pictures", media_ids: ids }) });
    const { uri } = (await posted.json()) as { uri: string };
    const create = await arrival("Create", `${uri}/activity`);
    expect(create).toMatchObject({ httpSignature: { verified: true, owner: ACTOR }, proof: "verified", listenerRan: true });
    expect(create.attachments).toEqual([
      { url: expect.stringMatching(`^${ORIGIN}/media/`), mediaType: "image/jpeg", name: "A red square", width: JPEG_SIZE.height, height: JPEG_SIZE.width },
      { url: expect.stringMatching(`^${ORIGIN}/media/`), mediaType: "image/png", name: "Noise", width: 40, height: 30 },
    ]);
    // Mastodon's extension terms, as Mastodon sends them.
    expect(create.activity.object.attachment[0]).toMatchObject({ type: "Document", focalPoint: [0.5, -0.5], blurhash: expect.any(String) });
    const file = await worker(new URL(create.attachments[0]!.url!).pathname);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(jpegAsStored());
  });
});

describe("a Fedify follower that was down", () => {
  it("gets the post on the retry, its HTTP signature and FEP-8b32 proof verified by Fedify", async () => {
    const follow = await followFromFedify("draft-cavage-http-signatures-12");
    await acceptsOf(follow.id);
    await peer(`${FEDIFY}/__control/down`, { enabled: true });
    let activityId: string;
    try {
      const res = await owner("/users/me/outbox", {
        method: "POST",
        body: JSON.stringify({ type: "Note", content: "while Fedify was down", to: ["https://www.w3.org/ns/activitystreams#Public"] }),
      });
      expect(res.status).toBe(201);
      activityId = ((await res.json()) as { activityId: string }).activityId;
      await waitFor(async () => {
        const deliveries = (await (await owner(`/api/roost/deliveries/${encodeURIComponent(activityId)}`)).json()) as { counts?: { pending: number } };
        return deliveries.counts?.pending === 1;
      });
    } finally {
      await peer(`${FEDIFY}/__control/down`, { enabled: false });
    }

    // The retry is due in 15 s at the earliest; run it as if that time had passed.
    const host = env.DELIVERY_HOST.get(env.DELIVERY_HOST.idFromName("fedify.test")) as DurableObjectStub<DeliveryHost>;
    await runInDurableObject(host, (instance) => (instance as DeliveryHost).retryDue(Date.now() + 3600_000));

    const arrivals = (await peer<Received[]>(`${FEDIFY}/__control/received`)).filter((r) => r.type === "Create" && r.id === activityId);
    expect(arrivals.map((r) => r.inboxStatus)).toEqual([503, 202]);
    expect(arrivals[1]).toMatchObject({ httpSignature: { verified: true, keyId: `${ACTOR}#main-key`, owner: ACTOR }, proof: "verified", listenerRan: true });
    const after = (await (await owner(`/api/roost/deliveries/${encodeURIComponent(activityId)}`)).json()) as { counts: Record<string, number> };
    expect(after.counts).toMatchObject({ pending: 0, givenUp: 0 });
  });
});

describe("we follow a Fedify account", () => {
  it("our lookup reads Fedify's own WebFinger and actor, Fedify verifies our Follow, its Accept makes the follow active, and it verifies our Undo", async () => {
    const activityId = await followThroughApi("peer@fedify.test", PEER_ACTOR);
    const sent = await arrival("Follow", activityId);
    expect(sent).toMatchObject({ path: "/users/peer/inbox", objectId: PEER_ACTOR, ...TAKEN_BY_FEDIFY });
    expect(await count("following", "actor_id = ? AND state = 'pending'", PEER_ACTOR)).toBe(1);

    const accept = await peer<{ url: string; method: string; headers: Record<string, string>; body: string }>(`${FEDIFY}/__control/accept`, {
      follow: sent.activity,
      inbox: `${ACTOR}/inbox`,
      spec: "draft-cavage-http-signatures-12",
    });
    expect((await worker(accept.url, { method: accept.method, headers: accept.headers, body: accept.body })).status).toBe(202);
    await waitFor(() => count("following", "actor_id = ? AND state = 'accepted'", PEER_ACTOR));

    const unfollow = await owner(`/api/v1/accounts/${await accountId("peer@fedify.test")}/unfollow`, { method: "POST" });
    expect(await unfollow.json()).toMatchObject({ following: false, requested: false });
    const undo = await waitFor(async () =>
      (await peer<Received[]>(`${FEDIFY}/__control/received`)).find((r) => r.type === "Undo" && r.objectId === activityId && r.inboxStatus === 202),
    );
    expect(undo).toMatchObject({ objectType: `${AS}#Follow`, ...TAKEN_BY_FEDIFY });
  });
});

describe("Fedify reads our other activities", () => {
  it("a profile update arrives as an Update whose object Fedify parses as our Person", async () => {
    const follow = await followFromFedify("draft-cavage-http-signatures-12");
    await acceptsOf(follow.id);
    // update_credentials with nothing changed is the CLI's announce.
    expect((await owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: "{}" })).status).toBe(200);
    const update = await waitFor(async () =>
      (await peer<Received[]>(`${FEDIFY}/__control/received`)).find((r) => r.type === "Update" && r.objectId === ACTOR && r.inboxStatus === 202),
    );
    expect(update).toMatchObject({ objectType: `${AS}#Person`, ...TAKEN_BY_FEDIFY });
  });

  it("removing the Fedify follower sends a Reject of its Follow, verified by Fedify", async () => {
    const follow = await followFromFedify("draft-cavage-http-signatures-12");
    await acceptsOf(follow.id);
    const listed = (await (await owner("/api/v1/accounts/1/followers")).json()) as { id: string; uri: string }[];
    const res = await owner(`/api/v1/accounts/${listed.find((a) => a.uri === PEER_ACTOR)!.id}/remove_from_followers`, { method: "POST" });
    expect(await res.json()).toMatchObject({ followed_by: false });
    const reject = await waitFor(async () =>
      (await peer<Received[]>(`${FEDIFY}/__control/received`)).find((r) => r.type === "Reject" && r.objectId === follow.id && r.inboxStatus === 202),
    );
    expect(reject).toMatchObject({ objectType: `${AS}#Follow`, ...TAKEN_BY_FEDIFY });
    expect(await count("followers", "actor_id = ?", PEER_ACTOR)).toBe(0);
  });
});

describe("a Fedify server with authorized fetch", () => {
  it("serves its actor only to signed GETs, verifies ours, and takes our Follow", async () => {
    const LOCKED = `${FEDIFY}/users/locked`;
    await peer(`${FEDIFY}/__control/authorized-fetch`, { enabled: true });
    try {
      expect((await fetch(LOCKED, { headers: { Accept: AP } })).status).toBe(401);
      const activityId = await followThroughApi("locked@fedify.test", LOCKED);
      const fetches = await peer<{ identifier: string; keyId: string | null; owner: string | null }[]>(`${FEDIFY}/__control/signed-fetches`);
      expect(fetches.filter((f) => f.identifier === "locked" && f.keyId !== null)).toContainEqual({ identifier: "locked", keyId: `${ACTOR}#main-key`, owner: ACTOR });
      expect(await arrival("Follow", activityId)).toMatchObject({ path: "/users/locked/inbox", objectId: LOCKED, ...TAKEN_BY_FEDIFY });
    } finally {
      await peer(`${FEDIFY}/__control/authorized-fetch`, { enabled: false });
    }
  });
});
