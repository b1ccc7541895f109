// Interop with a Mastodon-style server (test/peers/mastodon-peer.ts): it signs with the exact header
// sets of Mastodon 4.5/4.6 and main (and main's RFC 9421 retry), judges what we send with Mastodon's
// signature rules, and keeps its follow requests as Mastodon does, so an Accept only counts when it
// names the request and comes from the account that was asked.
import { beforeAll, describe, expect, it } from "vitest";
import { ACTOR, AP, count, MASTODON, owner, ourPublicKey, peer, postStatus, type Received, waitFor, worker } from "./helpers.ts";
import type { MastodonFetch as Fetch, MastodonFollowRequest as FollowRequest } from "./peers/reports.ts";

type Variant = "4.5" | "main" | "main-rfc9421";



const account = (name: string) => `${MASTODON}/users/${name}`;

/** Has the peer sign `activity` as `name` would send it with `variant`, and POSTs it to our inbox. */
async function sendAsMastodon(name: string, activity: Record<string, unknown>, variant: Variant): Promise<Response> {
  const url = `${ACTOR}/inbox`;
  const body = JSON.stringify(activity);
  const { headers } = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, { method: "POST", url, body, actor: name, variant });
  return worker(url, { method: "POST", headers, body });
}

function mastodonFollow(name: string): Record<string, unknown> {
  return { "@context": "https://www.w3.org/ns/activitystreams", id: `${MASTODON}/${crypto.randomUUID()}`, type: "Follow", actor: account(name), object: ACTOR };
}

async function followRequest(id: string): Promise<FollowRequest | undefined> {
  return (await peer<FollowRequest[]>(`${MASTODON}/__control/follows`)).find((f) => f.id === id);
}

async function arrival(check: (r: Received) => boolean): Promise<Received> {
  return waitFor(async () => (await peer<Received[]>(`${MASTODON}/__control/received`)).find(check) ?? null);
}

beforeAll(async () => {
  await peer(`${MASTODON}/__control/reset`, {});
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
});

describe("a Mastodon account follows us", () => {
  it.each([
    ["4.5", "follower_45"],
    ["main", "follower_main"],
    ["main-rfc9421", "follower_rfc"],
  ] as const)("Mastodon %s: 202, and our Accept settles Mastodon's follow request", async (variant, name) => {
    const follow = mastodonFollow(name);
    expect((await sendAsMastodon(name, follow, variant)).status).toBe(202);

    await waitFor(async () => (await followRequest(follow.id as string))?.state === "accepted");
    const accept = await arrival((r) => r.activity.type === "Accept" && r.path === `/users/${name}/inbox`);
    expect(accept).toMatchObject({ verified: true, reason: null, activity: { actor: ACTOR, object: { id: follow.id, type: "Follow" } } });
    expect(await count("followers", "actor_id = ? AND state = 'accepted'", account(name))).toBe(1);
    const followers = (await (await worker("/users/me/followers?page=1", { headers: { Accept: AP } })).json()) as { orderedItems: string[] };
    expect(followers.orderedItems).toContain(account(name));
  });
});

describe("Mastodon followers receive what we publish through the Mastodon API", () => {
  it("POST, PUT and DELETE /api/v1/statuses arrive as Create, Update and Delete, signed as Mastodon's rules want", async () => {
    // The followers of the tests above are on this server: one delivery to its shared inbox each.
    const posted = await postStatus({ status: `Hello Mastodon ${crypto.randomUUID()}`, spoiler_text: "cw" });
    const create = await arrival((r) => r.activity.type === "Create" && r.activity.id === posted.activityId);
    expect(create).toMatchObject({ verified: true, path: "/inbox", activity: { object: { id: posted.uri, summary: "cw", content: expect.stringContaining("Hello Mastodon") } } });

    expect((await owner(`/api/v1/statuses/${posted.id}`, { method: "PUT", body: JSON.stringify({ status: "edited" }) })).status).toBe(200);
    const update = await arrival((r) => r.activity.type === "Update" && r.activity.object?.id === posted.uri);
    expect(update).toMatchObject({ verified: true, activity: { object: { content: "<p>edited</p>" } } });

    expect((await owner(`/api/v1/statuses/${posted.id}`, { method: "DELETE" })).status).toBe(200);
    const deleted = await arrival((r) => r.activity.type === "Delete" && r.activity.object?.id === posted.uri);
    expect(deleted).toMatchObject({ verified: true, activity: { object: { type: "Tombstone" } } });
  });
});

describe("Mastodon's instance actor fetches our documents", () => {
  it.each(["4.5", "main"] as const)("a GET signed as Mastodon %s does gets our actor as ActivityPub JSON", async (variant) => {
    const { headers } = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, { method: "GET", url: ACTOR, variant });
    expect(headers.Signature).toContain(`keyId="${MASTODON}/actor#main-key"`);
    const res = await worker(ACTOR, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/activity+json");
    expect(await res.json()).toMatchObject({ id: ACTOR, type: "Person", publicKey: { id: `${ACTOR}#main-key`, owner: ACTOR } });
  });
});

describe("a Mastodon server with authorized fetch", () => {
  it("serves an account only to signed GETs, and takes ours: the follow completes", async () => {
    await peer(`${MASTODON}/__control/authorized-fetch`, { enabled: true });
    try {
      expect((await fetch(account("vera"), { headers: { Accept: AP } })).status).toBe(401);
      const follow = mastodonFollow("vera");
      expect((await sendAsMastodon("vera", follow, "main")).status).toBe(202);
      await waitFor(async () => (await followRequest(follow.id as string))?.state === "accepted");

      const ours = (await peer<Fetch[]>(`${MASTODON}/__control/fetches`)).filter((f) => f.path === "/users/vera" && f.keyId !== null);
      expect(ours.length).toBeGreaterThan(0);
      for (const fetched of ours) {
        expect(fetched).toMatchObject({ verified: true, keyId: `${ACTOR}#main-key` });
        expect(fetched.signedHeaders).toEqual(expect.arrayContaining(["host", "date", "(request-target)"]));
      }
    } finally {
      await peer(`${MASTODON}/__control/authorized-fetch`, { enabled: false });
    }
  });
});

describe("we follow a Mastodon account", () => {
  it("our Follow is verified by Mastodon's rules, Mastodon's Accept makes it active, our Undo is verified too", async () => {
    const { id } = (await (await owner("/api/v1/accounts/lookup?acct=walt@mastodon.test")).json()) as { id: string };
    expect((await owner(`/api/v1/accounts/${id}/follow`, { method: "POST" })).status).toBe(200);
    const sent = await arrival((r) => r.activity.type === "Follow" && r.activity.object === account("walt"));
    const activityId = sent.activity.id as string;
    expect(sent).toMatchObject({ verified: true, path: "/users/walt/inbox", activity: { actor: ACTOR, object: account("walt") } });
    expect(await count("following", "actor_id = ? AND state = 'pending'", account("walt"))).toBe(1);

    // app/serializers/activitypub/accept_follow_serializer.rb: our Follow embedded, with our id.
    const accept = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${account("walt")}#accepts/follows/31`,
      type: "Accept",
      actor: account("walt"),
      object: { id: activityId, type: "Follow", actor: ACTOR, object: account("walt") },
    };
    expect((await sendAsMastodon("walt", accept, "4.5")).status).toBe(202);
    await waitFor(() => count("following", "actor_id = ? AND state = 'accepted'", account("walt")));

    const undo = await owner(`/api/v1/accounts/${id}/unfollow`, { method: "POST" });
    expect((await undo.json()) as unknown).toMatchObject({ following: false, requested: false });
    const undone = await arrival((r) => r.activity.type === "Undo" && r.activity.object?.id === activityId);
    expect(undone).toMatchObject({ verified: true, activity: { actor: ACTOR, object: { type: "Follow", object: account("walt") } } });
    expect(await count("following", "actor_id = ?", account("walt"))).toBe(0);
  });
});
