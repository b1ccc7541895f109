import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { classifyStatus, MAX_RETRIES, retryDelayMs } from "../src/delivery/backoff.ts";
import { createServices } from "../src/runtime/services.ts";
import { runFanout, targetInboxes } from "../src/delivery/fanout.ts";
import type { DeliveryHost } from "../src/runtime/delivery-host.ts";
import { upsertRemoteActor } from "../src/federation/remote-actors.ts";
import { normalizeActor } from "../src/federation/normalize.ts";
import { ACTOR, count, deliverFromMastodon, follow, MASTODON, owner, ourPublicKey, peer, postStatus, type Received, waitFor } from "./helpers.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const FOLLOWERS = `${ACTOR}/followers`;

function host(name = "mastodon.test") {
  return env.DELIVERY_HOST.get(env.DELIVERY_HOST.idFromName(name)) as DurableObjectStub<DeliveryHost>;
}

async function retryNow(name = "mastodon.test") {
  await runInDurableObject(host(name), (instance) => (instance as DeliveryHost).retryDue(Date.now() + 400_000_000));
}

async function received(type: string, objectId: string) {
  return (await peer<Received[]>(`${MASTODON}/__control/received`)).filter(
    (r) => r.activity.type === type && (r.activity.object?.id ?? r.activity.object) === objectId,
  );
}

async function post(text: string) {
  const { uri: objectId, activityId } = await postStatus({ status: text });
  return { objectId, activityId };
}

async function deliveriesOf(activityId: string) {
  const res = await owner(`/api/roost/deliveries/${encodeURIComponent(activityId)}`);
  return (await res.json()) as { counts: Record<string, number>; servers: { host: string; deliveries: { state: string; attempts: number; lastError: string }[] }[] };
}

beforeAll(async () => {
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
  await deliverFromMastodon(follow("alice"));
  await waitFor(() => count("followers", "actor_id = ? AND state = 'accepted'", `${MASTODON}/users/alice`));
});

beforeEach(async () => {
  await peer(`${MASTODON}/__control/reset`, {});
});

describe("Mastodon's retry rules", () => {
  it("classifies statuses like delivery_worker.rb", () => {
    expect([200, 202, 401, 408, 429, 500, 503, 400, 403, 404, 410, 501, undefined].map(classifyStatus)).toEqual([
      "delivered", "delivered", "retry", "retry", "retry", "retry", "retry", "permanent", "permanent", "permanent", "permanent", "permanent", "retry",
    ]);
  });

  it("backs off as n⁴ + 15 s plus at most 50% and (n+1)·9 s of jitter, about 2–3 days over 16 retries", () => {
    expect(retryDelayMs(0, () => 0)).toBe(15_000);
    expect(retryDelayMs(3, () => 0)).toBe(96_000);
    const total = Array.from({ length: MAX_RETRIES }, (_, n) => retryDelayMs(n, () => 0)).reduce((a, b) => a + b) / 3_600_000;
    expect(total).toBeGreaterThan(40);
    expect(total).toBeLessThan(80);
  });
});

describe("fan-out targets", () => {
  beforeAll(async () => {
    const ctx = createServices(env);
    for (const [name, shared] of [["bob", true], ["zed", false]] as const) {
      const id = `https://other.test/users/${name}`;
      const actor = normalizeActor({ id, type: "Person", inbox: `${id}/inbox`, ...(shared ? { endpoints: { sharedInbox: "https://other.test/inbox" } } : {}) });
      if (!actor.ok) throw new Error(actor.reason);
      await upsertRemoteActor(ctx.db, actor.value);
    }
    await env.DB.batch(
      [1, 2, 3].map((i) =>
        env.DB.prepare("INSERT INTO followers (actor_id, inbox, shared_inbox, follow_activity_id, state) VALUES (?, ?, ?, ?, 'accepted')").bind(
          `https://big.test/users/u${i}`,
          `https://big.test/users/u${i}/inbox`,
          "https://big.test/inbox",
          `https://big.test/f/${i}`,
        ),
      ),
    );
  });

  it("dedups shared inboxes and adds mentioned non-followers", async () => {
    const ctx = createServices(env);
    const inboxes = await targetInboxes(ctx, { type: "Create", to: [PUBLIC], cc: [FOLLOWERS, "https://other.test/users/bob"] });
    expect(inboxes.sort()).toEqual(["https://big.test/inbox", `${MASTODON}/inbox`, "https://other.test/inbox"]);
  });

  it("direct posts go only to the mentioned, followers-only only to followers' servers", async () => {
    const ctx = createServices(env);
    expect(await targetInboxes(ctx, { type: "Create", to: ["https://other.test/users/zed"], cc: [] })).toEqual(["https://other.test/users/zed/inbox"]);
    expect((await targetInboxes(ctx, { type: "Create", to: [FOLLOWERS], cc: [] })).sort()).toEqual(["https://big.test/inbox", `${MASTODON}/inbox`]);
  });

  it("relationship activities go to the personal inbox", async () => {
    const ctx = createServices(env);
    expect(await targetInboxes(ctx, { type: "Accept", to: ["https://other.test/users/bob"] })).toEqual(["https://other.test/users/bob/inbox"]);
  });

  it("reads one delivery_targets row per server, never the follower rows", async () => {
    expect(await count("delivery_targets", "inbox = 'https://big.test/inbox' AND follower_count = 3")).toBe(1);
  });
});

describe("per-server Durable Object", () => {
  it("keeps a post for a server that is down and delivers it once the server is back", async () => {
    await env.DB.prepare("DELETE FROM followers WHERE actor_id LIKE 'https://big.test/%'").run();
    await peer(`${MASTODON}/__control/inbox-status`, { status: 503 });
    const { objectId, activityId } = await post("while you were down");
    await waitFor(async () => (await deliveriesOf(activityId)).counts?.pending === 1);
    const pending = await deliveriesOf(activityId);
    expect(pending.servers[0]).toMatchObject({ host: "mastodon.test", deliveries: [{ state: "pending", attempts: 1, lastError: "HTTP 503" }] });
    expect(await count("delivery_hosts", "host = 'mastodon.test' AND state = 'backlog'")).toBe(1);
    expect(await runInDurableObject(host(), (_i, state) => state.storage.getAlarm())).not.toBeNull();

    // A newer post queues behind the backlog instead of overtaking it.
    const second = await post("second");
    await waitFor(() => count("delivery_failures", "activity_id = ?", second.activityId));

    await peer(`${MASTODON}/__control/inbox-status`, { status: 202 });
    await retryNow();
    const arrivals = (await peer<Received[]>(`${MASTODON}/__control/received`)).filter((r) => r.activity.type === "Create");
    const order = arrivals.map((r) => r.activity.object.id);
    expect(order.lastIndexOf(objectId)).toBeLessThan(order.lastIndexOf(second.objectId));
    expect((await deliveriesOf(activityId)).counts).toMatchObject({ targets: 1, delivered: 1, pending: 0, givenUp: 0 });
    expect(await count("delivery_hosts", "host = 'mastodon.test'")).toBe(0);
  });

  it("gives up at once on a permanent 4xx, with the reason", async () => {
    await peer(`${MASTODON}/__control/inbox-status`, { status: 403 });
    const { activityId } = await post("forbidden");
    await waitFor(async () => (await deliveriesOf(activityId)).counts?.givenUp === 1);
    expect((await deliveriesOf(activityId)).servers[0]!.deliveries[0]!.lastError).toContain("permanent failure");
    await peer(`${MASTODON}/__control/inbox-status`, { status: 202 });
  });

  it("gives up after 16 retries", async () => {
    await peer(`${MASTODON}/__control/inbox-status`, { status: 500 });
    const { activityId } = await post("never arrives");
    await waitFor(async () => (await deliveriesOf(activityId)).counts?.pending === 1);
    await runInDurableObject(host(), (_i, state) => state.storage.sql.exec("UPDATE deliveries SET attempts = ?", MAX_RETRIES));
    await retryNow();
    const result = await deliveriesOf(activityId);
    expect(result.counts).toMatchObject({ pending: 0, givenUp: 1 });
    expect(result.servers[0]!.deliveries[0]!.lastError).toContain("gave up after 17 attempts");
    await peer(`${MASTODON}/__control/inbox-status`, { status: 202 });
  });

  it("marks a server failing on 7 distinct days unavailable, and skips it", async () => {
    await peer(`${MASTODON}/__control/inbox-status`, { status: 500 });
    await runInDurableObject(host(), (_i, state) => {
      for (let d = 1; d <= 6; d++) state.storage.sql.exec("INSERT OR IGNORE INTO failure_days VALUES (?)", `2026-01-0${d}`);
    });
    const { activityId } = await post("seventh day");
    await waitFor(() => count("delivery_hosts", "host = 'mastodon.test' AND state = 'unavailable'"));
    const skipped = await post("skipped");
    await waitFor(() => count("fanouts", "activity_id = ?", skipped.activityId));
    expect(await received("Create", skipped.objectId)).toEqual([]);
    expect(activityId).toBeTruthy();
    // The server delivers to us: it is available again.
    await peer(`${MASTODON}/__control/inbox-status`, { status: 202 });
    await deliverFromMastodon({ ...follow("alice"), type: "Like", object: `https://roost.test/objects/none` });
    await waitFor(async () => (await count("delivery_hosts", "host = 'mastodon.test' AND state = 'unavailable'")) === 0);
  });
});

describe("exactly once", () => {
  it("a redelivered fanout job does not send the post twice", async () => {
    const { objectId, activityId } = await post("once");
    await waitFor(async () => (await received("Create", objectId)).length === 1);
    await runFanout({ kind: "fanout", activityId }, createServices(env));
    await new Promise((r) => setTimeout(r, 300));
    expect(await received("Create", objectId)).toHaveLength(1);
  });

  it("410 from a follower's personal inbox removes the follower", async () => {
    await deliverFromMastodon(follow("gone2"), { actor: "gone2" });
    await waitFor(() => count("followers", "actor_id = ?", `${MASTODON}/users/gone2`));
    await runInDurableObject(host(), (instance) =>
      (instance as DeliveryHost).recordFailures("mastodon.test", "https://roost.test/activities/x", "Create", [{ inbox: `${MASTODON}/users/gone2/inbox`, status: 410, error: "HTTP 410" }]),
    );
    expect(await count("followers", "actor_id = ?", `${MASTODON}/users/gone2`)).toBe(0);
  });
});
