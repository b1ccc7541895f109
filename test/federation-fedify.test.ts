// Interop with a real Fedify server (test/peers/fedify-peer.ts): Fedify's own WebFinger client,
// JSON-LD parser, HTTP-signature signer and verifier judge what Roost publishes and sends.
import { beforeAll, describe, expect, it } from "vitest";
import { ACTOR, AP, count, ORIGIN, peer, waitFor, worker } from "./helpers.ts";

const FEDIFY = "https://fedify.test";
const PEER_ACTOR = `${FEDIFY}/users/peer`;
const WEBFINGER = "/.well-known/webfinger?resource=acct%3Ame%40roost.test";

interface Received {
  path: string;
  type: string;
  id: string | null;
  objectId: string | null;
  activity: Record<string, any>;
  httpSignature: { verified: true; keyId: string; owner: string | null } | { verified: false; reason: string };
  proof: "verified" | "invalid" | "absent";
  inboxStatus: number;
  listenerRan: boolean;
}

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

describe("a Fedify server follows us", () => {
  it.each(["draft-cavage-http-signatures-12", "rfc9421"] as const)("Follow signed by Fedify (%s): 202, follower stored, Accept verified by Fedify", async (spec) => {
    const follow = await peer<{ id: string; url: string; method: string; headers: Record<string, string>; body: string }>(`${FEDIFY}/__control/follow`, {
      object: ACTOR,
      inbox: `${ACTOR}/inbox`,
      spec,
    });
    const res = await worker(follow.url, { method: follow.method, headers: follow.headers, body: follow.body });
    expect(res.status).toBe(202);

    const accept = await waitFor(async () => {
      const received = await peer<Received[]>(`${FEDIFY}/__control/received`);
      return received.find((r) => r.type === "Accept" && r.objectId === follow.id) ?? null;
    });
    expect(accept.path).toBe("/users/peer/inbox");
    expect(accept.httpSignature).toEqual({ verified: true, keyId: `${ACTOR}#main-key`, owner: ACTOR });
    expect(accept).toMatchObject({ inboxStatus: 202, inboxAnswer: "" });
    expect(accept.listenerRan).toBe(true);
    expect(accept.activity.actor).toBe(ACTOR);

    expect(await count("followers", "actor_id = ? AND state = 'accepted'", PEER_ACTOR)).toBe(1);
    const followers = (await (await worker("/users/me/followers?page=1", { headers: { Accept: AP } })).json()) as { orderedItems: string[] };
    expect(followers.orderedItems).toContain(PEER_ACTOR);
  });
});
