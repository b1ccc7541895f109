import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { handleActivity, handlerContext } from "../src/federation/inbox/process.ts";
import { normalizeActivity } from "../src/federation/normalize.ts";
import { count, deliverFromMastodon, follow, MASTODON, owner, ourPublicKey, peer, type Received, waitFor, worker } from "./helpers.ts";

async function queuedTo(recipient: string, type: string): Promise<Record<string, any>[]> {
  const rows = await env.DB.prepare("SELECT document FROM activities WHERE type = ?").bind(type).all<{ document: string }>();
  return rows.results.map((r) => JSON.parse(r.document)).filter((d) => d.to?.includes(recipient));
}

async function requestFollow(name: string) {
  const ctx = await handlerContext(env);
  const activity = normalizeActivity(follow(name));
  if (!activity.ok) throw new Error(activity.reason);
  // The same handler the queue runs, with manual approval switched on.
  await handleActivity(activity.value, { ...ctx, config: { ...ctx.config, manuallyApprovesFollowers: true } });
  return activity.value;
}

beforeAll(async () => {
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
});

describe("owner API", () => {
  it("needs the owner token", async () => {
    for (const path of ["/api/notifications", "/api/followers", "/api/follow-requests", "/api/blocks"]) {
      const res = await worker(path);
      expect(res.status, path).toBe(401);
      expect(await res.json()).toHaveProperty("error");
    }
  });

  it("approves a follow request with an Accept, and rejects one with a Reject", async () => {
    const a = await requestFollow("pat");
    const b = await requestFollow("quinn");
    const requests = (await (await owner("/api/follow-requests")).json()) as { requests: { actor: string }[] };
    expect(requests.requests.map((r) => r.actor).sort()).toEqual([a.actor, b.actor]);
    const notifications = (await (await owner("/api/notifications")).json()) as { notifications: { type: string; actorId: string }[] };
    expect(notifications.notifications.filter((n) => n.type === "follow_request")).toHaveLength(2);

    expect((await owner("/api/follow-requests/approve", { method: "POST", body: JSON.stringify({ actor: a.actor }) })).status).toBe(200);
    expect(await count("followers", "actor_id = ? AND state = 'accepted'", a.actor)).toBe(1);
    expect((await queuedTo(a.actor, "Accept"))[0]?.object).toMatchObject({ id: a.id, type: "Follow" });

    expect((await owner("/api/follow-requests/reject", { method: "POST", body: JSON.stringify({ actor: b.actor }) })).status).toBe(200);
    expect(await count("followers", "actor_id = ?", b.actor)).toBe(0);
    expect((await queuedTo(b.actor, "Reject"))[0]?.object).toMatchObject({ id: b.id, type: "Follow" });

    const again = await owner("/api/follow-requests/approve", { method: "POST", body: JSON.stringify({ actor: b.actor }) });
    expect(again.status).toBe(404);
  });

  it("removes a follower and tells their server", async () => {
    await deliverFromMastodon(follow("rita"), { actor: "rita" });
    await waitFor(() => count("followers", "actor_id = ? AND state = 'accepted'", `${MASTODON}/users/rita`));
    const list = (await (await owner("/api/followers")).json()) as { followers: { actorId: string }[] };
    expect(list.followers.map((f) => f.actorId)).toContain(`${MASTODON}/users/rita`);
    const res = await owner(`/api/followers?actor=${encodeURIComponent(`${MASTODON}/users/rita`)}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await count("followers", "actor_id = ?", `${MASTODON}/users/rita`)).toBe(0);
    const reject = await waitFor(async () =>
      (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.type === "Reject" && r.path === "/users/rita/inbox"),
    );
    expect(reject.verified).toBe(true);
  });

  it("blocks a domain: its followers go and its activities are refused", async () => {
    await deliverFromMastodon(follow("sam"), { actor: "sam" });
    await waitFor(() => count("followers", "actor_id = ?", `${MASTODON}/users/sam`));
    expect((await owner("/api/blocks", { method: "POST", body: JSON.stringify({ domain: "mastodon.test" }) })).status).toBe(201);
    expect(await count("followers", "actor_id LIKE ?", `${MASTODON}/%`)).toBe(0);
    const refused = await deliverFromMastodon(follow("sam"), { actor: "sam" });
    expect(refused.status).toBe(403);
    expect((await (await owner("/api/blocks")).json()) as unknown).toMatchObject({ blocks: [{ domain: "mastodon.test" }] });
    expect((await owner("/api/blocks?domain=mastodon.test", { method: "DELETE" })).status).toBe(200);
    expect((await deliverFromMastodon(follow("sam"), { actor: "sam" })).status).toBe(202);
  });

  it("blocks an actor: sends Block, refuses them, and unblocks with Undo", async () => {
    const actor = `${MASTODON}/users/tom`;
    expect((await owner("/api/blocks", { method: "POST", body: JSON.stringify({ actor }) })).status).toBe(201);
    expect((await queuedTo(actor, "Block"))[0]).toMatchObject({ object: actor });
    expect((await deliverFromMastodon(follow("tom"), { actor: "tom" })).status).toBe(403);
    expect((await owner(`/api/blocks?actor=${encodeURIComponent(actor)}`, { method: "DELETE" })).status).toBe(200);
    expect((await queuedTo(actor, "Undo"))[0]?.object).toMatchObject({ type: "Block", object: actor });
  });

  it.each([
    ["approve without actor", () => owner("/api/follow-requests/approve", { method: "POST", body: "{}" }), 400],
    ["remove follower without actor", () => owner("/api/followers", { method: "DELETE" }), 400],
    ["remove a non-follower", () => owner(`/api/followers?actor=${encodeURIComponent("https://x.test/u")}`, { method: "DELETE" }), 404],
    ["block nothing", () => owner("/api/blocks", { method: "POST", body: JSON.stringify({ domain: "not a domain" }) }), 400],
    ["unblock what is not blocked", () => owner("/api/blocks?domain=never.test", { method: "DELETE" }), 404],
  ] as const)("%s → %i", async (_name, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(typeof ((await res.json()) as { error?: unknown }).error).toBe("string");
  });
});
