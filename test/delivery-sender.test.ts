// Free plan: a fan-out of more than a few batches is sent by FanoutSender Durable Objects on their
// alarms, one batch per alarm, with no deliver messages; failures go to the servers' objects as usual.
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { runFanout } from "../src/delivery/fanout.ts";
import type { Job } from "../src/delivery/jobs.ts";
import { limitsFor } from "../src/delivery/limits.ts";
import type { FanoutSender } from "../src/runtime/fanout-sender.ts";
import { createServices } from "../src/runtime/services.ts";
import { addFollowers, FOLLOWERS, PUBLIC, Sink, storeActivity } from "./delivery-support.ts";
import { count, owner, waitFor } from "./helpers.ts";
import { loggedEvents } from "./log-capture.ts";

const limits = limitsFor(parseConfig(env).plan);
let sink: Sink;

beforeAll(async () => {
  sink = await Sink.open();
  // 40 inboxes on 10 servers: 7 batches of 6 on the Free plan.
  await addFollowers(Array.from({ length: 40 }, (_, i) => ({ actor: sink.actor(11 + (i % 10), `f${i}`), inbox: sink.inbox(11 + (i % 10), `f${i}/inbox`) })));
});

async function fanout(activityId: string): Promise<Job[]> {
  const sent: Job[] = [];
  const queue = {
    async send(job: Job) {
      sent.push(job);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<Job>>) {
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue<Job>;
  await runFanout({ kind: "fanout", activityId }, { ...createServices(env), jobs: queue });
  return sent;
}

describe("fan-out on the Free plan's alarms", () => {
  it("runs with PLAN = free (wrangler.toml's default)", () => {
    expect(limits.plan).toBe("free");
    expect(limits.senderShards).toBeGreaterThan(0);
  });

  it("sends every batch from the sender objects' alarms, one batch per alarm, no deliver messages; the report settles", async () => {
    await sink.behave(15, { status: 503 }); // its 4 inboxes fail
    const activityId = await storeActivity({ type: "Create", to: [PUBLIC], cc: [FOLLOWERS], object: { type: "Note", content: "<p>hi</p>" } });
    expect(await fanout(activityId)).toEqual([]);
    const batches = Math.ceil(40 / limits.batchSize);
    expect(loggedEvents("fanout.done").find((e) => e.activityId === activityId)).toMatchObject({ targets: 40, batches, sentBy: "alarms" });

    await waitFor(async () => (await sink.arrivals()).filter((a) => a.activity?.id === activityId).length >= 40);
    const arrivals = (await sink.arrivals()).filter((a) => a.activity?.id === activityId);
    expect(arrivals).toHaveLength(40);
    expect(arrivals.filter((a) => a.verified && a.status === 202).length).toBe(36);
    expect(new Set(arrivals.map((a) => a.path)).size).toBe(40);

    const report = await waitFor(async () => {
      const r = (await (await owner(`/api/roost/deliveries/${encodeURIComponent(activityId)}`)).json()) as {
        state: string;
        counts: Record<string, number>;
        batches: { total: number; done: number };
      };
      return r.batches.done === batches ? r : null;
    });
    expect(report).toMatchObject({ state: "retrying", counts: { targets: 40, delivered: 36, pending: 4 } });
    expect(await count("delivery_failures", "activity_id = ?", activityId)).toBe(4);

    const perAlarm = loggedEvents("deliver.batch").filter((e) => e.activityId === activityId);
    expect(perAlarm).toHaveLength(batches);
    expect(Math.max(...perAlarm.map((e) => Number(e.inboxes)))).toBe(limits.batchSize);
    for (let k = 0; k < limits.senderShards; k++) {
      const stub = env.FANOUT_SENDER.get(env.FANOUT_SENDER.idFromName(`${activityId} ${k}`)) as DurableObjectStub<FanoutSender>;
      expect(await runInDurableObject(stub, (instance) => (instance as FanoutSender).pending())).toBe(0);
    }
  });

  it("a fan-out run again hands over the same batches, and nothing is sent twice", async () => {
    await sink.behave(15, { status: 202 });
    const activityId = await storeActivity({ type: "Create", to: [PUBLIC], cc: [FOLLOWERS], object: { type: "Note", content: "<p>again</p>" } });
    await fanout(activityId);
    await env.DB.prepare("UPDATE fanouts SET queued_at = NULL WHERE activity_id = ?").bind(activityId).run();
    await fanout(activityId);
    // Server 15 has a backlog from the test above: its 4 inboxes wait in its own object.
    await waitFor(async () => {
      const row = await env.DB.prepare("SELECT batches, done_batches FROM fanouts WHERE activity_id = ?").bind(activityId).first<{ batches: number; done_batches: string }>();
      return row!.batches === Math.ceil(36 / limits.batchSize) && (JSON.parse(row!.done_batches) as number[]).length === row!.batches;
    });
    const arrivals = (await sink.arrivals()).filter((a) => a.activity?.id === activityId);
    expect(arrivals).toHaveLength(36);
    expect(new Set(arrivals.map((a) => a.path)).size).toBe(36);
  });
});
