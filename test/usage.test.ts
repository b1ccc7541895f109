// The budget meter: what Roost counts it spends per UTC day, shown to the owner; near the end of
// an allowance bulk delivery waits for the next day and loses nothing.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { runFanout } from "../src/delivery/fanout.ts";
import { receiveActivity } from "../src/inbox/receive.ts";
import type { FanoutSender } from "../src/runtime/fanout-sender.ts";
import { createServices } from "../src/runtime/services.ts";
import { addFollowers, FOLLOWERS, PUBLIC, Sink, storeActivity } from "./delivery-support.ts";
import { deliverFromMastodon, follow, MASTODON, ORIGIN, owner, ourPublicKey, peer, type Received, waitFor } from "./helpers.ts";
import { loggedEvents } from "./log-capture.ts";

interface Usage {
  day: string;
  plan: string;
  used: { queueOperations: number; durableObjectRequests: number; d1RowsRead: number; d1RowsWritten: number };
  limits: Record<string, number> | null;
  waitingOn: string | null;
}

const today = () => new Date().toISOString().slice(0, 10);
const usage = async () => (await (await owner("/api/roost/usage")).json()) as Usage;

let sink: Sink;

beforeAll(async () => {
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
  sink = await Sink.open();
});

describe("the budget meter", () => {
  it("a Follow and its Accept cost 3 queue operations and no Durable Object request, as counted", async () => {
    const before = await usage();
    expect(before).toMatchObject({ day: today(), plan: "free", limits: { queueOperations: 10_000, durableObjectRequests: 100_000 } });
    const activity = follow("kim");
    expect((await deliverFromMastodon(activity, { actor: "kim" })).status).toBe(202);
    await waitFor(async () =>
      (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.type === "Accept" && r.activity.object?.id === activity.id),
    );
    await waitFor(async () => loggedEvents("inbox.processed").find((e) => e.type === "Follow"));
    const after = await waitFor(async () => {
      const u = await usage();
      return u.used.queueOperations > before.used.queueOperations ? u : null;
    });
    expect(after.used.queueOperations - before.used.queueOperations).toBe(3);
    expect(after.used.durableObjectRequests - before.used.durableObjectRequests).toBe(0);
  });

  it("an inbox request's D1 rows are counted: they wait in the isolate, and the next queue message or alarm writes them", async () => {
    const stored = async () =>
      (await env.DB.prepare("SELECT d1_rows_read AS read, d1_rows_written AS written FROM usage WHERE day = ?").bind(today()).first<{ read: number; written: number }>()) ??
      { read: 0, written: 0 };
    await createServices(env).usage.flush();
    const before = await stored();

    // A Follow from an actor not seen before: the request fetches and stores its actor and key,
    // then stores the activity. Its job is not queued here, so only the request's rows count.
    const activity = follow("lee");
    const body = JSON.stringify(activity);
    const url = `${ORIGIN}/inbox`;
    const { headers } = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, { method: "POST", url, body, actor: "lee", variant: "main" });
    const s = { ...createServices(env), jobs: { send: async () => ({}) as QueueSendResponse, sendBatch: async () => ({}) as QueueSendBatchResponse } };
    expect(await receiveActivity(new Request(url, { method: "POST", headers, body }), s)).toMatchObject({ status: 202, result: "queued" });
    await s.usage.defer();

    // remote_actors, remote_actor_keys and inbox_activities rows (D1 also counts their index entries).
    const shown = (await usage()).used;
    expect(shown.d1RowsWritten - before.written).toBeGreaterThanOrEqual(3);
    expect(shown.d1RowsRead - before.read).toBeGreaterThan(0);
    expect(await stored()).toEqual(before);

    await createServices(env).usage.flush();
    const written = await stored();
    // The request's rows, GET /api/usage's read of the usage row, and the meter's one upsert.
    expect(written.written).toBe(shown.d1RowsWritten + 1);
    expect(written.read).toBeGreaterThanOrEqual(shown.d1RowsRead);
  });

  it("near a daily allowance the fan-out senders wait for the next UTC day, and send everything once it comes", async () => {
    await addFollowers(Array.from({ length: 30 }, (_, i) => ({ actor: sink.actor(1 + (i % 5), `u${i}`), inbox: sink.inbox(1 + (i % 5), `u${i}/inbox`) })));
    await env.DB.prepare("INSERT INTO usage (day, queue_operations) VALUES (?, 9500) ON CONFLICT (day) DO UPDATE SET queue_operations = 9500")
      .bind(today())
      .run();
    expect((await usage()).waitingOn).toBe("queueOperations");

    const activityId = await storeActivity({ type: "Create", to: [PUBLIC], cc: [FOLLOWERS], object: { type: "Note", content: "<p>later</p>" } });
    await runFanout({ kind: "fanout", activityId }, createServices(env));
    await waitFor(async () => loggedEvents("sender.over_budget").filter((e) => e.activityId === activityId).length >= 4);
    const stubs = [0, 1, 2, 3].map((k) => env.FANOUT_SENDER.get(env.FANOUT_SENDER.idFromName(`${activityId} ${k}`)) as DurableObjectStub<FanoutSender>);
    for (const stub of stubs) {
      expect(await runInDurableObject(stub, (instance) => (instance as FanoutSender).pending())).toBeGreaterThan(0);
      const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
      expect(new Date(alarm!).toISOString().slice(0, 10) > today()).toBe(true);
    }
    expect((await sink.arrivals()).filter((a) => a.activity?.id === activityId)).toHaveLength(0);

    // The next day (here: the count cleared), every batch goes out.
    await env.DB.prepare("DELETE FROM usage").run();
    for (let round = 0; round < 10; round++) for (const stub of stubs) await runDurableObjectAlarm(stub);
    await waitFor(async () => (await sink.arrivals()).filter((a) => a.activity?.id === activityId).length === 30);
    for (const stub of stubs) expect(await runInDurableObject(stub, (instance) => (instance as FanoutSender).pending())).toBe(0);
  });
});
