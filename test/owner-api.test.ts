// The owner's controls over followers, requests and blocks, through the Mastodon API with the owner
// token as bearer (what the CLI calls); the Roost-only endpoints under /api/roost; and the
// hand-made owner endpoints the Mastodon API replaced, which are gone.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { handleActivity } from "../src/inbox/process.ts";
import { createServices } from "../src/runtime/services.ts";
import { normalizeActivity } from "../src/federation/normalize.ts";
import { ACTOR, count, deliverFromMastodon, follow, MASTODON, ORIGIN, owner, ourPublicKey, peer, type Received, waitFor, worker } from "./helpers.ts";

type Account = { id: string; uri: string; acct: string; moved?: Account };

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

const json = async <T = any>(res: Promise<Response>): Promise<T> => (await res).json() as Promise<T>;
const post = (path: string, body: unknown = {}) => owner(path, { method: "POST", body: JSON.stringify(body) });
const followers = () => json<Account[]>(owner("/api/v1/accounts/1/followers"));

beforeAll(async () => {
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
});

describe("the owner endpoints the Mastodon API replaced", () => {
  it("answer a JSON 404, each of them", async () => {
    const gone = [
      ["POST", "/api/posts"],
      ["DELETE", "/api/posts?id=x"],
      ["POST", "/api/profile/announce"],
      ["POST", "/api/follows"],
      ["DELETE", "/api/follows?target=x"],
      ["GET", "/api/notifications"],
      ["GET", "/api/follow-requests"],
      ["POST", "/api/follow-requests/approve"],
      ["POST", "/api/follow-requests/reject"],
      ["GET", "/api/followers"],
      ["DELETE", "/api/followers?actor=x"],
      ["GET", "/api/blocks"],
      ["POST", "/api/blocks"],
      ["DELETE", "/api/blocks?domain=x.test"],
      ["GET", "/api/deliveries"],
      ["GET", "/api/usage"],
      ["GET", "/api/apps"],
      ["DELETE", "/api/apps/1"],
      ["GET", "/api/passkeys"],
    ] as const;
    for (const [method, path] of gone) {
      const res = await owner(path, { method, ...(method === "POST" ? { body: "{}" } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json(), `${method} ${path}`).toEqual({ error: "not found" });
    }
  });

  it("the Roost-only ones need the owner token, not an app's", async () => {
    for (const path of ["/api/roost/deliveries", "/api/roost/usage", "/api/roost/apps", "/api/roost/passkeys", "/api/roost/push"]) {
      expect((await worker(path)).status, path).toBe(401);
      expect((await worker(path, { headers: { Authorization: "Bearer not-the-owner-token-at-all" } })).status, path).toBe(401);
      expect((await owner(path)).status, path).toBe(200);
    }
  });
});

describe("follow requests, followers and blocks through the Mastodon API", () => {
  it("authorizes a follow request with an Accept, and rejects one with a Reject", async () => {
    const a = await requestFollow("pat");
    const b = await requestFollow("quinn");
    const requests = await json<Account[]>(owner("/api/v1/follow_requests"));
    expect(requests.map((r) => r.uri).sort()).toEqual([a.actor, b.actor]);
    const notifications = await json<{ type: string }[]>(owner("/api/v1/notifications?types[]=follow_request"));
    expect(notifications).toHaveLength(2);
    const idOf = (actor: string) => requests.find((r) => r.uri === actor)!.id;

    expect(await json(post(`/api/v1/follow_requests/${idOf(a.actor)}/authorize`))).toMatchObject({ followed_by: true, requested_by: false });
    expect(await count("followers", "actor_id = ? AND state = 'accepted'", a.actor)).toBe(1);
    expect((await queuedTo(a.actor, "Accept"))[0]?.object).toMatchObject({ id: a.id, type: "Follow" });

    expect(await json(post(`/api/v1/follow_requests/${idOf(b.actor)}/reject`))).toMatchObject({ followed_by: false, requested_by: false });
    expect(await count("followers", "actor_id = ?", b.actor)).toBe(0);
    expect((await queuedTo(b.actor, "Reject"))[0]?.object).toMatchObject({ id: b.id, type: "Follow" });

    expect((await post(`/api/v1/follow_requests/${idOf(b.actor)}/authorize`)).status).toBe(404);
  });

  it("removes a follower and tells their server", async () => {
    await deliverFromMastodon(follow("rita"), { actor: "rita" });
    await waitFor(() => count("followers", "actor_id = ? AND state = 'accepted'", `${MASTODON}/users/rita`));
    const rita = (await followers()).find((f) => f.uri === `${MASTODON}/users/rita`)!;
    expect(rita.acct).toBe("rita@mastodon.test");
    expect(await json(post(`/api/v1/accounts/${rita.id}/remove_from_followers`))).toMatchObject({ followed_by: false });
    expect(await count("followers", "actor_id = ?", rita.uri)).toBe(0);
    const reject = await waitFor(async () =>
      (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.type === "Reject" && r.path === "/users/rita/inbox"),
    );
    expect(reject.verified).toBe(true);
  });

  it("blocks a domain: its followers go and its activities are refused until it is unblocked", async () => {
    await deliverFromMastodon(follow("sam"), { actor: "sam" });
    await waitFor(() => count("followers", "actor_id = ?", `${MASTODON}/users/sam`));
    expect(await json(post("/api/v1/domain_blocks", { domain: "mastodon.test" }))).toEqual({});
    expect(await count("followers", "actor_id LIKE ?", `${MASTODON}/%`)).toBe(0);
    expect((await deliverFromMastodon(follow("sam"), { actor: "sam" })).status).toBe(403);
    expect(await json(owner("/api/v1/domain_blocks"))).toEqual(["mastodon.test"]);
    expect((await owner("/api/v1/domain_blocks", { method: "DELETE", body: JSON.stringify({ domain: "mastodon.test" }) })).status).toBe(200);
    expect((await deliverFromMastodon(follow("sam"), { actor: "sam" })).status).toBe(202);
  });

  it("blocks an actor found by its URL: sends Block, refuses them, and unblocks with Undo", async () => {
    const actor = `${MASTODON}/users/tom`;
    const found = await json<{ accounts: Account[] }>(owner(`/api/v2/search?${new URLSearchParams({ q: actor, resolve: "true", type: "accounts" })}`));
    const tom = found.accounts[0]!;
    expect(tom.uri).toBe(actor);
    expect(await json(post(`/api/v1/accounts/${tom.id}/block`))).toMatchObject({ blocking: true });
    expect((await queuedTo(actor, "Block"))[0]).toMatchObject({ object: actor });
    expect((await deliverFromMastodon(follow("tom"), { actor: "tom" })).status).toBe(403);
    expect((await json<Account[]>(owner("/api/v1/blocks"))).map((a) => a.uri)).toEqual([actor]);
    expect(await json(post(`/api/v1/accounts/${tom.id}/unblock`))).toMatchObject({ blocking: false });
    expect((await queuedTo(actor, "Undo"))[0]?.object).toMatchObject({ type: "Block", object: actor });
  });

  it("a domain block removes followers on the domain and its subdomains, by host only", async () => {
    const removed = ["https://blocked.test/users/a", "https://social.blocked.test/users/b", "https://BLOCKED.test:8443/users/c"];
    const kept = ["https://elsewhere.test/x.blocked.test/users/d", "https://notblocked.test/users/e", "https://blocked.test.example/users/f"];
    for (const actor of [...removed, ...kept]) {
      await env.DB.prepare("INSERT INTO followers (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')")
        .bind(actor, `${actor}/inbox`, `${actor}#follow`)
        .run();
    }
    expect((await post("/api/v1/domain_blocks", { domain: "Blocked.Test" })).status).toBe(200);
    for (const actor of removed) expect(await count("followers", "actor_id = ?", actor), actor).toBe(0);
    for (const actor of kept) expect(await count("followers", "actor_id = ?", actor), actor).toBe(1);
    expect(await count("activities", "instr(document, 'blocked.test') > 0")).toBe(0);
    expect((await owner("/api/v1/domain_blocks?domain=blocked.test", { method: "DELETE" })).status).toBe(200);
    expect(await count("blocks", "kind = 'domain' AND value = 'blocked.test'")).toBe(0);
  });

  it.each([
    ["authorize a request nobody made", 404, () => post("/api/v1/follow_requests/999999/authorize")],
    ["remove an account that is not known", 404, () => post("/api/v1/accounts/999999/remove_from_followers")],
    ["block a domain that is not a host name", 422, () => post("/api/v1/domain_blocks", { domain: "not a domain" })],
    ["a wrong token", 401, () => worker("/api/v1/blocks", { headers: { Authorization: "Bearer not-the-owner-token-at-all" } })],
  ] as const)("%s → %i", async (_name, status, send) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(typeof ((await res.json()) as { error?: unknown }).error).toBe("string");
  });
});

describe("what Mastodon shows differently", () => {
  it("a verified Move shows as the follower's `moved`, and a report of us as an admin.report notification", async () => {
    const old = "https://moving.test/users/ola";
    const target = "https://moving.test/users/ola2";
    const reported = `${ORIGIN}/objects/reported`;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO followers (actor_id, inbox, follow_activity_id, state, moved_to) VALUES (?, ?, ?, 'accepted', ?)").bind(old, `${old}/inbox`, `${old}#follow`, target),
      env.DB.prepare("INSERT INTO account_moves (actor_id, target, moved_at) VALUES (?, ?, ?)").bind(old, target, Date.now()),
      env.DB.prepare("INSERT INTO statuses (id, uri, actor_id, local, visibility, published) VALUES (?, ?, ?, 1, 'public', ?)").bind(77, reported, ACTOR, Date.now()),
      env.DB.prepare("INSERT INTO notifications (type, actor_id, object_id, activity_id, detail) VALUES ('report', ?, ?, ?, ?)").bind(
        "https://moving.test/actor",
        reported,
        "https://moving.test/flags/1",
        JSON.stringify({ content: "spam, we think", objects: [ACTOR, reported] }),
      ),
    ]);
    const ola = (await followers()).find((f) => f.uri === old)!;
    expect(ola.moved).toMatchObject({ uri: target, acct: "ola2@moving.test" });
    expect(ola.moved).not.toHaveProperty("moved");

    const [report] = await json<any[]>(owner("/api/v1/notifications?types[]=admin.report"));
    expect(report).toMatchObject({
      type: "admin.report",
      account: { uri: "https://moving.test/actor" },
      report: { action_taken: false, category: "other", comment: "spam, we think", status_ids: ["77"], rule_ids: [], target_account: { id: "1" } },
    });
    expect((await json<any[]>(owner("/api/v1/notifications?exclude_types[]=admin.report"))).some((n) => n.type === "admin.report")).toBe(false);
  });
});
