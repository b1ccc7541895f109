import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { handleActivity } from "../src/inbox/process.ts";
import { createServices } from "../src/runtime/services.ts";
import { normalizeActivity } from "../src/federation/normalize.ts";
import { count, deliverFromMastodon, follow, MASTODON, owner, ourPublicKey, peer, type Received, waitFor, worker } from "./helpers.ts";

async function queuedTo(recipient: string, type: string): Promise<Record<string, any>[]> {
  const rows = await env.DB.prepare("SELECT document FROM activities WHERE type = ?").bind(type).all<{ document: string }>();
  return rows.results.map((r) => JSON.parse(r.document)).filter((d) => d.to?.includes(recipient));
}

async function requestFollow(name: string) {
  const ctx = createServices(env);
  const activity = normalizeActivity(follow(name));
  if (!activity.ok) throw new Error(activity.reason);
  // The same handler the queue runs, with manual approval switched on.
  await handleActivity(activity.value, { ...ctx, profile: async () => ({ ...(await ctx.profile()), manuallyApprovesFollowers: true }) });
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

  it("lists notifications newest first, a page at a time", async () => {
    // One batch, so notifications from earlier tests' queued work cannot land between these three.
    const insert = env.DB.prepare("INSERT INTO notifications (type, actor_id, activity_id) VALUES ('like', ?, ?) RETURNING id");
    const inserted = await env.DB.batch<{ id: number }>([1, 2, 3].map((n) => insert.bind(`https://paging.test/users/${n}`, `https://paging.test/likes/${n}`)));
    const newest = inserted[2]!.results[0]!.id;
    type Page = { notifications: { id: number; actorId: string; type: string; createdAt: string }[] };
    const first = (await (await owner(`/api/notifications?limit=2&before=${newest + 1}`)).json()) as Page;
    expect(first.notifications.map((n) => n.actorId)).toEqual(["https://paging.test/users/3", "https://paging.test/users/2"]);
    expect(new Date(first.notifications[0]!.createdAt).toISOString()).toBe(first.notifications[0]!.createdAt);
    const next = (await (await owner(`/api/notifications?limit=1&before=${first.notifications[1]!.id}`)).json()) as Page;
    expect(next.notifications.map((n) => n.actorId)).toEqual(["https://paging.test/users/1"]);
  });

  it("removes a follower named in the body", async () => {
    const actor = "https://body.test/users/una";
    await env.DB.prepare("INSERT INTO followers (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')")
      .bind(actor, `${actor}/inbox`, "https://body.test/follows/1")
      .run();
    expect((await owner("/api/followers", { method: "DELETE", body: JSON.stringify({ actor }) })).status).toBe(200);
    expect(await count("followers", "actor_id = ?", actor)).toBe(0);
    expect((await queuedTo(actor, "Reject"))[0]?.object).toMatchObject({ id: "https://body.test/follows/1", type: "Follow", actor });
  });

  it("a domain block removes followers on the domain and its subdomains, by host only", async () => {
    const removed = ["https://blocked.test/users/a", "https://social.blocked.test/users/b", "https://BLOCKED.test:8443/users/c"];
    const kept = ["https://elsewhere.test/x.blocked.test/users/d", "https://notblocked.test/users/e", "https://blocked.test.example/users/f"];
    for (const actor of [...removed, ...kept]) {
      await env.DB.prepare("INSERT INTO followers (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')")
        .bind(actor, `${actor}/inbox`, `${actor}#follow`)
        .run();
    }
    const res = await owner("/api/blocks", { method: "POST", body: JSON.stringify({ domain: "Blocked.Test" }) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ domain: "blocked.test", blocked: true, removedFollowers: 3 });
    for (const actor of removed) expect(await count("followers", "actor_id = ?", actor), actor).toBe(0);
    for (const actor of kept) expect(await count("followers", "actor_id = ?", actor), actor).toBe(1);
    expect(await count("activities", "instr(document, 'blocked.test') > 0")).toBe(0);
    expect((await owner("/api/blocks", { method: "DELETE", body: JSON.stringify({ domain: "blocked.test" }) })).status).toBe(200);
    expect(await count("blocks", "kind = 'domain' AND value = 'blocked.test'")).toBe(0);
  });

  it.each([
    ["approve without actor", 400, () => owner("/api/follow-requests/approve", { method: "POST", body: "{}" })],
    ["remove follower without actor", 400, () => owner("/api/followers", { method: "DELETE" })],
    ["remove a non-follower", 404, () => owner(`/api/followers?actor=${encodeURIComponent("https://x.test/u")}`, { method: "DELETE" })],
    ["block nothing", 400, () => owner("/api/blocks", { method: "POST", body: JSON.stringify({ domain: "not a domain" }) })],
    ["unblock what is not blocked", 404, () => owner("/api/blocks?domain=never.test", { method: "DELETE" })],
    ["a malformed body", 400, () => owner("/api/blocks", { method: "POST", body: "{not json" })],
    ["an actor that is not a URL", 400, () => owner("/api/follow-requests/reject", { method: "POST", body: JSON.stringify({ actor: "@a@b.test" }) })],
    ["a limit that is not a number", 400, () => owner("/api/notifications?limit=ten")],
    ["a negative before", 400, () => owner("/api/notifications?before=-3")],
    ["a zero limit", 400, () => owner("/api/followers?limit=0")],
    ["a wrong token", 401, () => worker("/api/blocks", { headers: { Authorization: "Bearer not-the-owner-token-at-all" } })],
  ] as const)("%s → %i", async (_name, status, send) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(typeof ((await res.json()) as { error?: unknown }).error).toBe("string");
  });
});
