// Cheap intake: a Follow costs one queue message (the inbox job); its Accept goes out from that
// job, through the Outbox (stored, dereferenceable, in the delivery report), with the server's
// Durable Object as the retry path.
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DeliveryHost } from "../src/runtime/delivery-host.ts";
import { loggedEvents } from "./log-capture.ts";
import { count, deliverFromMastodon, follow, MASTODON, owner, ourPublicKey, peer, type Received, waitFor } from "./helpers.ts";

function host(name = "mastodon.test") {
  return env.DELIVERY_HOST.get(env.DELIVERY_HOST.idFromName(name)) as DurableObjectStub<DeliveryHost>;
}

async function acceptOf(followId: string) {
  const received = await peer<Received[]>(`${MASTODON}/__control/received`);
  return received.find((r) => r.activity.type === "Accept" && r.activity.object?.id === followId) ?? null;
}

async function report(activityId: string) {
  return (await (await owner(`/api/roost/deliveries/${encodeURIComponent(activityId)}`)).json()) as {
    state: string;
    counts: Record<string, number>;
    batches: { total: number; done: number };
  };
}

beforeAll(async () => {
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
});

beforeEach(async () => {
  await peer(`${MASTODON}/__control/reset`, {});
});

describe("a Follow and its Accept", () => {
  it("the Accept is sent by the inbox job itself: no fanout job, stored, dereferenceable, reported as delivered", async () => {
    const activity = follow("ivy");
    expect((await deliverFromMastodon(activity, { actor: "ivy" })).status).toBe(202);
    const accept = await waitFor(() => acceptOf(activity.id));
    expect(accept.verified).toBe(true);
    const acceptId = String(accept.activity.id);

    // The peer may have the Accept before the inbox job logs the answer it got.
    const immediate = await waitFor(async () => {
      const events = loggedEvents("deliver.immediate").filter((e) => e.activityId === acceptId);
      return events.length > 0 ? events : null;
    });
    expect(immediate).toMatchObject([{ type: "Accept", outcome: "delivered", status: 202 }]);
    expect(loggedEvents("fanout.done").filter((e) => e.activityId === acceptId)).toEqual([]);
    expect(loggedEvents("deliver.batch").filter((e) => e.activityId === acceptId)).toEqual([]);

    // Stored like every activity of ours (direct ones are not served to anonymous GETs).
    const stored = await env.DB.prepare("SELECT document FROM activities WHERE id = ? AND type = 'Accept'").bind(acceptId).first<{ document: string }>();
    expect(JSON.parse(stored!.document)).toMatchObject({ id: acceptId, type: "Accept", object: { id: activity.id } });
    expect(await report(acceptId)).toMatchObject({ state: "done", counts: { targets: 1, delivered: 1, pending: 0, givenUp: 0 }, batches: { total: 1, done: 1 } });
  });

  it("an Accept the server refuses is handed to its Durable Object and delivered on the retry", async () => {
    await peer(`${MASTODON}/__control/inbox-status`, { status: 503 });
    const activity = follow("jay");
    expect((await deliverFromMastodon(activity, { actor: "jay" })).status).toBe(202);
    await waitFor(() => count("followers", "actor_id = ? AND state = 'accepted'", `${MASTODON}/users/jay`));
    const event = await waitFor(async () => loggedEvents("deliver.immediate").find((e) => e.outcome === "retrying"));
    const acceptId = String(event.activityId);
    expect(await count("delivery_failures", "activity_id = ?", acceptId)).toBe(1);
    expect(await report(acceptId)).toMatchObject({ state: "retrying", counts: { targets: 1, pending: 1 } });

    await peer(`${MASTODON}/__control/inbox-status`, { status: 202 });
    await runInDurableObject(host(), (instance) => (instance as DeliveryHost).retryDue(Date.now() + 400_000_000));
    expect(await acceptOf(activity.id)).toMatchObject({ verified: true });
    expect(await report(acceptId)).toMatchObject({ state: "done", counts: { delivered: 1, pending: 0 } });
    expect(await count("delivery_hosts", "host = 'mastodon.test'")).toBe(0);
  });
});
