// Issue #15, the newer vocabulary on the serving side: a Note's `replies` collection and `context`
// (read by the Fedify peer), FEP-7aa9 FeatureRequests answered per the owner's setting (sent by
// the Mastodon-style peer), and the discovery details (FEP-2c59, FEP-3b86).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ACTOR, AP, ORIGIN, owner, peer, postStatus, waitFor, worker } from "./helpers.ts";

const FEDIFY = "https://fedify.test";
const FEDIFY_PEER = `${FEDIFY}/users/peer`;

type Signed = { id: string; url: string; method: string; headers: Record<string, string>; body: string };

async function activityJson<T = Record<string, any>>(path: string): Promise<T> {
  const res = await worker(path, { headers: { Accept: AP } });
  expect(res.status, `${path} answered ${res.status}`).toBe(200);
  expect(res.headers.get("Content-Type")).toContain(AP);
  return (await res.json()) as T;
}

describe("a Note's replies collection", () => {
  it("the Fedify peer fetches our Note's replies and sees the stored remote reply counted and listed after ours", async () => {
    const post = await postStatus({ status: `What do you think? ${crypto.randomUUID()}` });
    const ownReply = await postStatus({ status: "Adding to this myself", in_reply_to_id: post.id });

    // The Fedify peer replies: built and signed by Fedify, delivered to our inbox, stored.
    const signed = await peer<Signed>(`${FEDIFY}/__control/note`, { inbox: `${ACTOR}/inbox`, content: "<p>I agree</p>", inReplyTo: post.uri, mention: ACTOR });
    expect((await worker(signed.url, { method: signed.method, headers: signed.headers, body: signed.body })).status).toBe(202);
    const remoteReply = signed.id.replace(/\/activity$/, "");
    await waitFor(async () => (await env.DB.prepare("SELECT 1 AS ok FROM statuses WHERE uri = ?").bind(remoteReply).first()) !== null);

    const note = await activityJson(new URL(post.uri).pathname);
    expect(note.replies).toEqual({ id: `${post.uri}/replies`, type: "Collection", totalItems: 2, first: `${post.uri}/replies?page=1` });
    expect(note.context).toBe(post.uri);
    // Our reply is in the same thread.
    expect((await activityJson(new URL(ownReply.uri).pathname)).context).toBe(post.uri);

    const collection = await activityJson(`${new URL(post.uri).pathname}/replies`);
    expect(collection).toMatchObject({ id: `${post.uri}/replies`, type: "Collection", totalItems: 2, first: `${post.uri}/replies?page=1` });
    const first = await activityJson(`${new URL(post.uri).pathname}/replies?page=1`);
    expect(first).toMatchObject({ type: "CollectionPage", partOf: `${post.uri}/replies`, items: [ownReply.uri, remoteReply] });
    expect(first.next).toBeUndefined();

    // Fedify reads the same documents (the peer is offline: the test hands them over).
    await peer(`${FEDIFY}/__control/documents`, { [post.uri]: note, [`${post.uri}/replies`]: collection, [`${post.uri}/replies?page=1`]: first });
    const seen = await peer<any>(`${FEDIFY}/__control/replies`, { note: post.uri });
    expect(seen).toEqual({
      note: "Note",
      context: [post.uri],
      replies: { id: `${post.uri}/replies`, totalItems: 2, first: { id: `${post.uri}/replies?page=1`, items: [ownReply.uri, remoteReply], next: null } },
    });

    // Served from the public cache until a reply arrives or goes: the reply is deleted by its
    // author's server, and the count and the page follow at once.
    const repliesPath = `${new URL(post.uri).pathname}/replies`;
    expect((await worker(repliesPath, { headers: { Accept: AP } })).headers.get("X-Roost-Cache")).toBe("hit");
    await env.DB.prepare("DELETE FROM statuses WHERE uri = ?").bind(remoteReply).run();
    const fresh = await worker(repliesPath, { headers: { Accept: AP } });
    expect(fresh.headers.get("X-Roost-Cache")).toBeNull();
    expect(((await fresh.json()) as { totalItems: number }).totalItems).toBe(1);
    expect((await activityJson(`${new URL(post.uri).pathname}/replies?page=1`)).items).toEqual([ownReply.uri]);
  });

  it("our reply to a remote thread carries the context its top post named", async () => {
    const top = `${FEDIFY}/notes/top-${crypto.randomUUID()}`;
    const named = `${FEDIFY}/contexts/${crypto.randomUUID()}`;
    const document = { id: top, type: "Note", attributedTo: FEDIFY_PEER, content: "<p>top</p>", to: ["https://www.w3.org/ns/activitystreams#Public"], context: named };
    await env.DB.batch([
      env.DB.prepare("INSERT INTO remote_objects (id, actor_id, type, document, published) VALUES (?, ?, 'Note', ?, ?)").bind(top, FEDIFY_PEER, JSON.stringify(document), Date.now()),
      env.DB.prepare("INSERT INTO statuses (id, uri, actor_id, local, visibility, published) VALUES (777, ?, ?, 0, 'public', ?)").bind(top, FEDIFY_PEER, Date.now()),
    ]);
    const reply = await postStatus({ status: "replying", in_reply_to_id: "777" });
    const replyOfReply = await postStatus({ status: "and again", in_reply_to_id: reply.id });
    expect((await activityJson(new URL(reply.uri).pathname)).context).toBe(named);
    expect((await activityJson(new URL(replyOfReply.uri).pathname)).context).toBe(named);
  });

  it("pages by keyset: ours first, then the others in arrival order, with a next link until the end", async () => {
    const post = await postStatus({ status: `Thread ${crypto.randomUUID()}` });
    const ours = [];
    for (let i = 0; i < 2; i++) ours.push((await postStatus({ status: `mine ${i}`, in_reply_to_id: post.id })).uri);
    // Remote replies as the inbox stores them in the status index (ids are arrival snowflakes).
    const theirs = Array.from({ length: 20 }, (_, i) => `${FEDIFY}/notes/reply-${String(i).padStart(2, "0")}`);
    await env.DB.batch(
      theirs.map((uri, i) =>
        env.DB.prepare("INSERT INTO statuses (id, uri, actor_id, local, visibility, in_reply_to, published) VALUES (?, ?, ?, 0, 'public', ?, ?)").bind(1000 + i, uri, FEDIFY_PEER, post.uri, Date.now()),
      ),
    );
    // A followers-only reply is neither listed nor counted.
    await env.DB.prepare("INSERT INTO statuses (id, uri, actor_id, local, visibility, in_reply_to, published) VALUES (5000, ?, ?, 0, 'followers', ?, ?)")
      .bind(`${FEDIFY}/notes/private`, FEDIFY_PEER, post.uri, Date.now())
      .run();

    const path = `${new URL(post.uri).pathname}/replies`;
    const first = await activityJson(`${path}?page=1`);
    expect(first.totalItems).toBe(22);
    expect(first.items).toEqual([...ours, ...theirs.slice(0, 18)]);
    const second = await activityJson(new URL(first.next).pathname + new URL(first.next).search);
    expect(second.items).toEqual(theirs.slice(18));
    expect(second.next).toBeUndefined();

    for (const bad of ["?before=nonsense", "?before=7%7Cabc", "?page=2"]) {
      const res = await worker(`${path}${bad}`, { headers: { Accept: AP } });
      expect(res.status).toBe(400);
      expect(await res.json()).toHaveProperty("error");
    }
    expect((await worker("/objects/unknown/replies", { headers: { Accept: AP } })).status).toBe(404);
    const direct = await postStatus({ status: "followers only", visibility: "private" });
    expect((await worker(`${new URL(direct.uri).pathname}/replies`, { headers: { Accept: AP } })).status).toBe(404);
  });
});

const MASTODON = "https://mastodon.test";

/** The Mastodon-shaped FeatureRequest fixture, from `name` on the Mastodon-style peer, for our actor. */
interface FeatureRequest {
  "@context": unknown;
  id: string;
  type: string;
  actor: string;
  object: string;
  instrument: string;
}

async function featureRequestFrom(name: string): Promise<FeatureRequest> {
  const fixture = (await import("./fixtures/activitypub/mastodon-feature-request.json")).default;
  const text = JSON.stringify(fixture).replaceAll("https://mastodon.example/users/alice", `${MASTODON}/users/${name}`).replaceAll("https://mastodon.example", MASTODON);
  return { ...(JSON.parse(text) as FeatureRequest), id: `${MASTODON}/users/${name}/feature_requests/${crypto.randomUUID()}`, object: ACTOR };
}

/** Has the Mastodon-style peer sign `activity` as `name` (Mastodon main's header set) and POSTs it to our inbox. */
async function sendAsMastodon(name: string, activity: FeatureRequest): Promise<Response> {
  const url = `${ACTOR}/inbox`;
  const body = JSON.stringify(activity);
  const { headers } = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, { method: "POST", url, body, actor: name, variant: "main" });
  return worker(url, { method: "POST", headers, body });
}

interface MastodonReceived {
  path: string;
  activity: Record<string, any>;
  verified: boolean;
}

function answerTo(requestId: string): Promise<MastodonReceived> {
  return waitFor(async () => (await peer<MastodonReceived[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.object === requestId) ?? null);
}

async function setProfile(changes: Record<string, unknown>) {
  expect((await owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify(changes) })).status).toBe(200);
}

describe("FEP-7aa9 featured collections", () => {
  it("the actor publishes canFeature (public by default, as Mastodon 4.6 shapes it) and showFeatured/showMedia", async () => {
    const actor = await activityJson("/users/me");
    expect(actor.interactionPolicy).toEqual({ canFeature: { automaticApproval: ["https://www.w3.org/ns/activitystreams#Public"] } });
    expect(actor).toMatchObject({ showFeatured: true, showMedia: true, webfinger: "me@roost.test" });
    const terms = actor["@context"].at(-1);
    expect(terms).toMatchObject({ canFeature: { "@id": "https://w3id.org/fep/7aa9#canFeature", "@type": "@id" }, interactionPolicy: { "@id": "gts:interactionPolicy" } });
  });

  it("a Mastodon FeatureRequest gets an Accept whose result dereferences to our FeatureAuthorization; not discoverable, a Reject", async () => {
    await peer(`${MASTODON}/__control/reset`, {});
    await peer(`${MASTODON}/__control/trust`, await (async () => {
      const actor = await activityJson("/users/me");
      return { keyId: actor.publicKey.id, publicKeyPem: actor.publicKey.publicKeyPem };
    })());

    const request = await featureRequestFrom("curator");
    expect((await sendAsMastodon("curator", request)).status).toBe(202);
    const accept = await answerTo(request.id);
    expect(accept).toMatchObject({ path: "/users/curator/inbox", verified: true, activity: { type: "Accept", actor: ACTOR, to: [`${MASTODON}/users/curator`] } });
    expect(accept.activity.id).toMatch(new RegExp(`^${ACTOR}#accepts/feature_requests/`));
    const result = accept.activity.result as string;
    expect(result).toMatch(new RegExp(`^${ACTOR}/feature_authorizations/`));
    const authorization = await activityJson(new URL(result).pathname);
    expect(authorization).toMatchObject({ id: result, type: "FeatureAuthorization", interactingObject: request.instrument, interactionTarget: ACTOR });
    expect(authorization["@context"][1]).toMatchObject({ FeatureAuthorization: "https://w3id.org/fep/7aa9#FeatureAuthorization", interactingObject: { "@id": "gts:interactingObject" } });

    // The same collection asked again (a lost Accept) gets the same authorization.
    const again = { ...request, id: `${request.id}-again` };
    expect((await sendAsMastodon("curator", again)).status).toBe(202);
    expect((await answerTo(again.id)).activity.result).toBe(result);

    // The owner turns discoverability off: nobody else may feature them, and the request is refused.
    await setProfile({ discoverable: false });
    try {
      expect((await activityJson("/users/me")).interactionPolicy.canFeature.automaticApproval).toEqual([ACTOR]);
      const refused = await featureRequestFrom("curator2");
      expect((await sendAsMastodon("curator2", refused)).status).toBe(202);
      const reject = await answerTo(refused.id);
      expect(reject).toMatchObject({ path: "/users/curator2/inbox", verified: true, activity: { type: "Reject", actor: ACTOR, to: [`${MASTODON}/users/curator2`] } });
      expect(reject.activity.result).toBeUndefined();

      // Locked and discoverable: followers only; curator2 does not follow us.
      await setProfile({ discoverable: true, locked: true });
      expect((await activityJson("/users/me")).interactionPolicy.canFeature.automaticApproval).toEqual([`${ACTOR}/followers`]);
      const notFollower = await featureRequestFrom("curator2");
      expect((await sendAsMastodon("curator2", notFollower)).status).toBe(202);
      expect((await answerTo(notFollower.id)).activity.type).toBe("Reject");
    } finally {
      await setProfile({ discoverable: true, locked: false });
    }
    expect((await worker(`/users/me/feature_authorizations/nope`, { headers: { Accept: AP } })).status).toBe(404);

    // A collection on another server, or a request to feature someone else: stored as ignored, no answer.
    const foreign = { ...(await featureRequestFrom("curator")), instrument: "https://elsewhere.test/collections/1" };
    const other = { ...(await featureRequestFrom("curator")), object: `${MASTODON}/users/someone` };
    for (const odd of [foreign, other]) {
      expect((await sendAsMastodon("curator", odd)).status).toBe(202);
      const row = await waitFor(() => env.DB.prepare("SELECT state, error FROM inbox_activities WHERE id = ? AND state <> 'queued'").bind(odd.id).first<{ state: string; error: string }>());
      expect(row.state).toBe("ignored");
    }
    const answers = await peer<MastodonReceived[]>(`${MASTODON}/__control/received`);
    expect(answers.filter((r) => r.activity.object === foreign.id || r.activity.object === other.id)).toEqual([]);
  });
});

describe("discovery details", () => {
  it("WebFinger names the FEP-3b86 Follow intent at our subscribe page, which takes the filled-in actor; the actor names its WebFinger address (FEP-2c59)", async () => {
    const jrd = (await (await worker("/.well-known/webfinger?resource=acct%3Ame%40roost.test")).json()) as { links: { rel: string; template?: string }[] };
    const follow = jrd.links.find((l) => l.rel === "https://w3id.org/fep/3b86/Follow");
    expect(follow).toEqual({ rel: "https://w3id.org/fep/3b86/Follow", template: `${ORIGIN}/authorize_interaction?uri={object}` });
    const page = await worker(follow!.template!.replace("{object}", encodeURIComponent(`${FEDIFY}/users/peer`)));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`${FEDIFY}/users/peer`);
    // FEP-2c59: the actor's webfinger resolves back to the same actor.
    const actor = await activityJson("/users/me");
    const back = (await (await worker(`/.well-known/webfinger?resource=acct%3A${encodeURIComponent(actor.webfinger)}`)).json()) as { links: { rel: string; href?: string }[] };
    expect(back.links.find((l) => l.rel === "self")?.href).toBe(actor.id);
  });
});
