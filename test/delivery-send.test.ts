// Deliver messages run through the Worker's queue handler on hand-made batches, against the
// Node-side sink, which checks every signature with its own code.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { deliverMessages, type DeliverJob } from "../src/delivery/deliver.ts";
import { MAX_CONNECTIONS } from "../src/delivery/limits.ts";
import { createServices } from "../src/runtime/services.ts";
import { consume, documentOf, hostObject, PUBLIC, runAlarmAt, Sink, setClock, storeActivity } from "./delivery-support.ts";
import { count } from "./helpers.ts";

let sink: Sink;

const deliver = (activityId: string, inboxes: string[], batch?: number): DeliverJob => ({ kind: "deliver", activityId, inboxes, batch });

async function doneBatches(activityId: string): Promise<number[]> {
  const row = await env.DB.prepare("SELECT done_batches FROM fanouts WHERE activity_id = ?").bind(activityId).first<{ done_batches: string }>();
  return (JSON.parse(row?.done_batches ?? "[]") as number[]).sort();
}

/** A stored post with its fanouts row, as the fan-out leaves them. */
async function fannedOut(batches: number): Promise<string> {
  const activityId = await storeActivity({ type: "Create", to: [PUBLIC], object: { type: "Note", content: "<p>hello</p>" } });
  await env.DB.prepare("INSERT INTO fanouts (activity_id, targets, batches, queued_at) VALUES (?, 0, ?, ?)").bind(activityId, batches, Date.now()).run();
  return activityId;
}

beforeAll(async () => {
  sink = await Sink.open();
});

describe("signed POSTs", () => {
  it("signs draft-cavage rsa-sha256 over (request-target) host date digest content-type, sending the stored bytes", async () => {
    const activityId = await fannedOut(1);
    const result = await consume([{ id: "m-signed", body: deliver(activityId, [sink.inbox(1), sink.inbox(2)], 0) }]);
    expect(result.explicitAcks).toEqual(["m-signed"]);
    expect(result.retryMessages).toEqual([]);
    const arrivals = await sink.arrivals();
    expect(arrivals).toHaveLength(2);
    for (const a of arrivals) {
      expect(a).toMatchObject({ scheme: "draft-cavage", verified: true, status: 202, activity: { id: activityId } });
      expect(a.signed).toEqual(["(request-target)", "host", "date", "digest", "content-type"]);
    }
    expect(JSON.stringify(arrivals[0]!.activity)).toBe(JSON.stringify(JSON.parse(await documentOf(activityId))));
    expect(await doneBatches(activityId)).toEqual([0]);
    expect(await count("delivery_failures", "activity_id = ?", activityId)).toBe(0);
  });

  it("keeps at most six POSTs in flight in one invocation, across its messages", async () => {
    const activityId = await fannedOut(2);
    for (const n of [3, 4]) await sink.behave(n, { delayMs: 40 });
    const inboxes = (n: number) => Array.from({ length: 10 }, (_, i) => sink.inbox(n, `slow${i}/inbox`));
    await consume([
      { id: "m-slow-0", body: deliver(activityId, inboxes(3), 0) },
      { id: "m-slow-1", body: deliver(activityId, inboxes(4), 1) },
    ]);
    const max = await sink.maxInFlight();
    expect(max).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(max).toBeGreaterThan(1);
    expect((await sink.arrivals()).filter((a) => a.path.includes("/slow"))).toHaveLength(20);
    expect(await doneBatches(activityId)).toEqual([0, 1]);
  });

  it("a server that refuses draft-cavage with 401 gets the RFC 9421 second knock, and is remembered", async () => {
    await sink.behave(5, { rfc9421Only: true });
    const first = await fannedOut(1);
    await consume([{ id: "m-knock-1", body: deliver(first, [sink.inbox(5)], 0) }]);
    const knocks = (await sink.arrivals()).filter((a) => a.host === sink.host(5));
    expect(knocks.map((a) => [a.scheme, a.status])).toEqual([["draft-cavage", 401], ["rfc9421", 202]]);
    expect(knocks[1]).toMatchObject({ verified: true, signed: ["@method", "@target-uri", "content-digest"] });
    expect(await count("signature_schemes", "host = ? AND scheme = 'rfc9421'", sink.host(5))).toBe(1);

    const second = await fannedOut(1);
    await consume([{ id: "m-knock-2", body: deliver(second, [sink.inbox(5)], 0) }]);
    const next = (await sink.arrivals()).filter((a) => a.host === sink.host(5) && a.activity?.id === second);
    expect(next.map((a) => [a.scheme, a.status])).toEqual([["rfc9421", 202]]);
  });
});

describe("failures and redelivery", () => {
  it("hands a failure to its server's Durable Object and acks the message", async () => {
    await sink.behave(6, { status: 503 });
    await setClock(sink.host(6), Date.now() + 86_400_000);
    const activityId = await fannedOut(1);
    const result = await consume([{ id: "m-fail", body: deliver(activityId, [sink.inbox(6), sink.inbox(7)], 0) }]);
    expect(result.explicitAcks).toEqual(["m-fail"]);
    expect(result.retryMessages).toEqual([]);
    const held = await hostObject(sink.host(6)).status({ activityId });
    expect(held.deliveries).toMatchObject([{ inbox: sink.inbox(6), state: "pending", attempts: 1, lastStatus: 503, lastError: "HTTP 503" }]);
    expect(await count("delivery_failures", "activity_id = ?", activityId)).toBe(1);
    expect(await count("delivery_hosts", "host = ? AND state = 'backlog'", sink.host(6))).toBe(1);
    expect(await doneBatches(activityId)).toEqual([0]);
  });

  it("a message Queues delivers twice is sent once, and its failure is held once", async () => {
    await sink.behave(8, { status: 500 });
    await setClock(sink.host(8), Date.now() + 86_400_000);
    const activityId = await fannedOut(1);
    const message = { id: "m-twice", body: deliver(activityId, [sink.inbox(8), sink.inbox(9)], 0) };
    await consume([message]);
    const again = await consume([{ ...message, attempts: 2 }]);
    expect(again.explicitAcks).toEqual(["m-twice"]);
    const arrivals = (await sink.arrivals()).filter((a) => a.activity?.id === activityId);
    expect(arrivals.map((a) => a.host).sort()).toEqual([sink.host(8), sink.host(9)]);
    const held = await hostObject(sink.host(8)).status({ activityId });
    expect(held.deliveries).toMatchObject([{ inbox: sink.inbox(8), attempts: 1 }]);
  });

  it("a failure handed over twice is held once (the Durable Object keys by activity and inbox)", async () => {
    const host = sink.host(10);
    await setClock(host, Date.now() + 86_400_000);
    const failure = { inbox: sink.inbox(10), status: 503, error: "HTTP 503" };
    await hostObject(host).recordFailures(host, "https://roost.test/activities/twice", "Create", [failure]);
    await hostObject(host).recordFailures(host, "https://roost.test/activities/twice", "Create", [failure]);
    expect((await hostObject(host).status({ activityId: "https://roost.test/activities/twice" })).deliveries).toHaveLength(1);
  });

  it("past the invocation's send deadline, inboxes go unsent to their servers' Durable Objects, which send them", async () => {
    const activityId = await fannedOut(1);
    const batch = createMessageBatch<DeliverJob>("roost-jobs", [
      { id: "m-late", timestamp: new Date(), attempts: 1, body: deliver(activityId, [sink.inbox(11)], 0) },
    ]);
    await setClock(sink.host(11), Date.now() + 86_400_000);
    await deliverMessages(batch.messages, createServices(env), { sendDeadlineMs: 0 });
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["m-late"]);
    expect((await sink.arrivals()).filter((a) => a.host === sink.host(11))).toEqual([]);
    expect((await hostObject(sink.host(11)).status({ activityId })).deliveries).toMatchObject([{ state: "pending", attempts: 0 }]);

    await runAlarmAt(sink.host(11), Date.now() + 86_400_000);
    expect((await sink.arrivals()).filter((a) => a.host === sink.host(11))).toMatchObject([{ verified: true, status: 202 }]);
    expect((await hostObject(sink.host(11)).status({ activityId })).deliveries).toEqual([]);
  });

  it("a message for an activity that is gone is acked without sending", async () => {
    const result = await consume([{ id: "m-gone", body: deliver("https://roost.test/activities/none", [sink.inbox(12)], 0) }]);
    expect(result.explicitAcks).toEqual(["m-gone"]);
    expect((await sink.arrivals()).filter((a) => a.host === sink.host(12))).toEqual([]);
  });
});
