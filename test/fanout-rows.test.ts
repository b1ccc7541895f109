// What a fan-out reads, counted by the metered D1 binding (src/db/metered.ts, D1's own
// rows_read): the cost of a batch must not grow with the batches already done (issue #9: a post
// to 2,000 servers read 117,268 rows, 112,224 of them re-reading fanouts.done_batches).
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { meteredD1 } from "../src/db/metered.ts";
import { activitiesToDeliver, markBatchesDone } from "../src/db/queries/delivery.ts";
import { runFanout } from "../src/delivery/fanout.ts";
import { limitsFor } from "../src/delivery/limits.ts";
import { SenderBatches } from "../src/delivery/sender.ts";
import type { FanoutSender } from "../src/runtime/fanout-sender.ts";
import { createServices } from "../src/runtime/services.ts";
import { parseConfig } from "../src/config.ts";
import { addFollowers, FOLLOWERS, PUBLIC, Sink, storeActivity } from "./delivery-support.ts";
import { waitFor } from "./helpers.ts";

const limits = limitsFor(parseConfig(env).plan);
let sink: Sink;

beforeAll(async () => {
  sink = await Sink.open();
});

/** Runs `work` on a database whose every statement's rows are added up. */
async function rowsOf(work: (db: ReturnType<typeof database>) => Promise<unknown>) {
  const total = { read: 0, written: 0 };
  await work(database(meteredD1(env.DB, (c) => ((total.read += c.rowsRead), (total.written += c.rowsWritten)))));
  return total;
}

async function fannedOut(batches: number, done: number[] = []): Promise<string> {
  const activityId = await storeActivity({ type: "Create", to: [PUBLIC], object: { type: "Note", content: "<p>rows</p>" } });
  await env.DB.prepare("INSERT INTO fanouts (activity_id, targets, batches, done_batches, queued_at) VALUES (?, 0, ?, ?, ?)")
    .bind(activityId, batches, JSON.stringify(done), Date.now())
    .run();
  return activityId;
}

const doneList = async (activityId: string) =>
  [...(await activitiesToDeliver(database(env.DB), [activityId])).get(activityId)!.doneBatches].sort((a, b) => a - b);

describe("a batch's D1 rows", () => {
  it("marking the 334th batch of a post done reads and writes what marking the first does; the deliver step's read too", async () => {
    const fresh = await fannedOut(334);
    const late = await fannedOut(334, Array.from({ length: 333 }, (_, i) => i));
    const first = await rowsOf((db) => markBatchesDone(db, fresh, [0]));
    const last = await rowsOf((db) => markBatchesDone(db, late, [333]));
    expect(last).toEqual(first);
    expect(first.read).toBeLessThanOrEqual(2);
    expect(first.written).toBe(1);
    expect(await rowsOf((db) => activitiesToDeliver(db, [late]))).toEqual(await rowsOf((db) => activitiesToDeliver(db, [fresh])));
    expect(await doneList(late)).toEqual(Array.from({ length: 334 }, (_, i) => i));
  });

  it("a redelivered batch is not added twice and writes nothing; new ones next to it are all kept", async () => {
    const activityId = await fannedOut(20, [0, 3, 10]);
    expect((await rowsOf((db) => markBatchesDone(db, activityId, [3, 10, 3]))).written).toBe(0);
    // 1 and 11 must not be taken for 10 and 1 by a substring match; 13 is in twice.
    await Promise.all([markBatchesDone(database(env.DB), activityId, [1, 13, 13]), markBatchesDone(database(env.DB), activityId, [11, 0])]);
    expect(await doneList(activityId)).toEqual([0, 1, 3, 10, 11, 13]);
    const row = await env.DB.prepare("SELECT done_batches FROM fanouts WHERE activity_id = ?").bind(activityId).first<{ done_batches: string }>();
    expect(JSON.parse(row!.done_batches)).toHaveLength(6);
  });
});

describe("a post's D1 rows on the Free plan's senders", () => {
  const today = () => new Date().toISOString().slice(0, 10);
  const used = async () =>
    (await env.DB.prepare("SELECT d1_rows_read AS read, do_requests AS requests FROM usage WHERE day = ?").bind(today()).first<{ read: number; requests: number }>()) ?? {
      read: 0,
      requests: 0,
    };

  /** One post to every follower, sent by the FanoutSender alarms; what the meter counted for it. */
  async function post(expected: number) {
    const before = await used();
    const activityId = await storeActivity({ type: "Create", to: [PUBLIC], cc: [FOLLOWERS], object: { type: "Note", content: "<p>all</p>" } });
    const s = createServices(env);
    await runFanout({ kind: "fanout", activityId }, s);
    await s.usage.flush();
    const batches = Math.ceil(expected / limits.batchSize);
    const shards = Math.min(limits.senderShards, batches);
    // Every alarm is one Durable Object request, written by its flush after the batch is marked done.
    const after = await waitFor(async () => {
      const u = await used();
      return u.requests - before.requests >= shards + batches ? u : null;
    }, 20_000);
    expect((await sink.arrivals()).filter((a) => a.activity?.id === activityId && a.status === 202)).toHaveLength(expected);
    for (let k = 0; k < shards; k++) {
      const stub = env.FANOUT_SENDER.get(env.FANOUT_SENDER.idFromName(`${activityId} ${k}`)) as DurableObjectStub<FanoutSender>;
      expect(await runInDurableObject(stub, (instance) => (instance as FanoutSender).pending())).toBe(0);
    }
    expect(await doneList(activityId)).toHaveLength(batches);
    return { batches, read: after.read - before.read, requests: after.requests - before.requests };
  }

  it("rows read per batch stay the same as the post's batches grow: the delivery targets plus a few rows per batch", async () => {
    const follower = (i: number) => ({ actor: sink.actor(17 + (i % 8), `r${i}`), inbox: sink.inbox(17 + (i % 8), `r${i}/inbox`) });
    await addFollowers(Array.from({ length: 24 }, (_, i) => follower(i)));
    const small = await post(24);
    await addFollowers(Array.from({ length: 48 }, (_, i) => follower(24 + i)));
    const large = await post(72);
    expect([small.batches, large.batches]).toEqual([4, 12]);
    // Beyond one delivery_targets row per inbox, a post reads a fixed few rows (the activity, the
    // redelivery guard, the keys, delivery_hosts) and per batch the budget check, the activity
    // with its done list, and the done-list update's row and new number.
    const perBatch = (p: { read: number; batches: number }, targets: number) => (p.read - targets) / p.batches;
    const slope = (large.read - large.batches * limits.batchSize - (small.read - small.batches * limits.batchSize)) / (large.batches - small.batches);
    expect(slope).toBeLessThanOrEqual(6);
    expect(perBatch(large, 72)).toBeLessThanOrEqual(perBatch(small, 24));
    expect(large.requests).toBe(limits.senderShards + large.batches);
  });
});

describe("the sender objects' storage", () => {
  it("batches left in the earlier rowid table are moved to sender_batches and sent from there", async () => {
    const stub = env.FANOUT_SENDER.get(env.FANOUT_SENDER.idFromName("rows-moved"));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`CREATE TABLE batches (activity_id TEXT NOT NULL, batch INTEGER NOT NULL, inboxes TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (activity_id, batch))`);
      state.storage.sql.exec("INSERT INTO batches VALUES ('a', 1, '[]', 2), ('a', 0, '[]', 0)");
      const moved = new SenderBatches(state.storage);
      expect(moved.pending()).toBe(2);
      expect(state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'batches'").toArray()).toEqual([]);
      expect(state.storage.sql.exec("SELECT batch, attempts FROM sender_batches").toArray()).toEqual([
        { batch: 0, attempts: 0 },
        { batch: 1, attempts: 2 },
      ]);
    });
  });
});
