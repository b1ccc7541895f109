// Fan-out: who an activity goes to, and how the inboxes are cut into deliver messages.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../src/runtime/services.ts";
import { planFanout, runFanout, targetInboxes } from "../src/delivery/fanout.ts";
import type { Job } from "../src/delivery/jobs.ts";
import { limitsFor } from "../src/delivery/limits.ts";
import { parseConfig } from "../src/config.ts";
import { queuedOutbox } from "../src/delivery/outbox.ts";
import { log } from "../src/log.ts";
import { addFollowers, FOLLOWERS, hostObject, PUBLIC, Sink, setClock, storeActivity } from "./delivery-support.ts";
import { ACTOR, count } from "./helpers.ts";

// The plan the tests run with (wrangler.toml's PLAN, free by default).
const BATCH_SIZE = limitsFor(parseConfig(env).plan).batchSize;

let sink: Sink;

/** Runs the fanout job with a queue that records what it is given. */
async function fanout(activityId: string): Promise<Extract<Job, { kind: "deliver" }>[]> {
  const sent: Extract<Job, { kind: "deliver" }>[] = [];
  const queue = {
    async sendBatch(messages: Iterable<MessageSendRequest<Job>>) {
      for (const m of messages) if (m.body.kind === "deliver") sent.push(m.body);
    },
  } as unknown as Queue<Job>;
  await runFanout({ kind: "fanout", activityId }, { ...createServices(env), jobs: queue });
  return sent;
}

async function targets(doc: Record<string, unknown>) {
  return (await targetInboxes(createServices(env), doc)).sort();
}

beforeAll(async () => {
  sink = await Sink.open();
  await addFollowers([
    // Three followers on one server with a shared inbox: one target.
    ...["a", "b", "c"].map((n) => ({ actor: sink.actor(1, n), inbox: `${sink.actor(1, n)}/inbox`, sharedInbox: sink.inbox(1) })),
    // A server without shared inboxes: the personal inbox.
    { actor: sink.actor(2, "p"), inbox: `${sink.actor(2, "p")}/inbox` },
    // Not accepted yet: no target.
    { actor: sink.actor(3, "q"), inbox: `${sink.actor(3, "q")}/inbox`, sharedInbox: sink.inbox(3), state: "pending" },
  ]);
});

describe("target inboxes", () => {
  it("public: followers' servers once each (shared inbox where offered), plus the mentioned", async () => {
    const mentioned = sink.actor(4, "m");
    expect(await targets({ type: "Create", to: [PUBLIC], cc: [FOLLOWERS, mentioned] })).toEqual(
      [sink.inbox(1), `${sink.actor(2, "p")}/inbox`, sink.inbox(4)].sort(),
    );
    expect(await count("delivery_targets", "inbox = ? AND follower_count = 3", sink.inbox(1))).toBe(1);
  });

  it("unlisted goes where public goes", async () => {
    expect(await targets({ type: "Create", to: [FOLLOWERS], cc: [PUBLIC] })).toEqual([sink.inbox(1), `${sink.actor(2, "p")}/inbox`].sort());
  });

  it("followers-only: followers' servers and the mentioned, nobody else", async () => {
    expect(await targets({ type: "Create", to: [FOLLOWERS], cc: [] })).toEqual([sink.inbox(1), `${sink.actor(2, "p")}/inbox`].sort());
    expect(await targets({ type: "Create", to: [FOLLOWERS], cc: [sink.actor(4, "m")] })).toEqual(
      [sink.inbox(1), `${sink.actor(2, "p")}/inbox`, sink.inbox(4)].sort(),
    );
  });

  it("direct: only the mentioned, and a mention on a follower's server adds nothing", async () => {
    expect(await targets({ type: "Create", to: [sink.actor(4, "m")] })).toEqual([sink.inbox(4)]);
    expect(await targets({ type: "Create", to: [PUBLIC], cc: [FOLLOWERS, sink.actor(1, "zz")] })).toEqual(
      [sink.inbox(1), `${sink.actor(2, "p")}/inbox`].sort(),
    );
  });

  it("an activity about one account goes to its personal inbox; unresolvable and local addressees are dropped", async () => {
    expect(await targets({ type: "Accept", to: [sink.actor(4, "m")] })).toEqual([`${sink.actor(4, "m")}/inbox`]);
    expect(await targets({ type: "Create", to: ["https://nowhere.test/users/x", ACTOR, PUBLIC] })).toEqual([]);
  });
});

describe("fan-out", () => {
  const many = 3 * BATCH_SIZE - 3; // with the two followers above: three messages, the last one short

  beforeAll(async () => {
    await addFollowers(
      Array.from({ length: many }, (_, i) => ({ actor: sink.actor(5 + (i % 4), `f${i}`), inbox: sink.inbox(5 + (i % 4), `f${i}/inbox`) })),
    );
  });

  it("cuts the distinct inboxes into deliver messages of BATCH_SIZE, numbered, each inbox once", async () => {
    const activityId = await storeActivity({ type: "Create", to: [PUBLIC], cc: [FOLLOWERS] });
    const messages = await fanout(activityId);
    const total = many + 2;
    expect(messages.map((m) => m.inboxes.length)).toEqual([BATCH_SIZE, BATCH_SIZE, total - 2 * BATCH_SIZE]);
    expect(messages.map((m) => m.batch)).toEqual([0, 1, 2]);
    expect(new Set(messages.flatMap((m) => m.inboxes)).size).toBe(total);
    const row = await env.DB.prepare("SELECT targets, batches, queued_at FROM fanouts WHERE activity_id = ?").bind(activityId).first();
    expect(row).toMatchObject({ targets: total, batches: 3 });
    expect(row!.queued_at).not.toBeNull();
  });

  it("a redelivered fanout job sends nothing; an interrupted one is run again with the same batches", async () => {
    const activityId = await storeActivity({ type: "Create", to: [PUBLIC], cc: [FOLLOWERS] });
    const first = await fanout(activityId);
    expect(await fanout(activityId)).toEqual([]);
    await env.DB.prepare("UPDATE fanouts SET queued_at = NULL WHERE activity_id = ?").bind(activityId).run();
    expect(await fanout(activityId)).toEqual(first);
  });

  it("skips unavailable servers (but not for a Follow) and queues behind a backlog in the server's Durable Object", async () => {
    const unavailable = sink.host(1);
    const backlogged = sink.host(2);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO delivery_hosts (host, state, since) VALUES (?, 'unavailable', 0)").bind(unavailable),
      env.DB.prepare("INSERT INTO delivery_hosts (host, state, since) VALUES (?, 'backlog', 0)").bind(backlogged),
    ]);
    // Far ahead, so the alarms the Durable Objects arm do not go off during the test.
    for (const host of [unavailable, backlogged]) await setClock(host, Date.now() + 86_400_000);
    try {
      const post = await storeActivity({ type: "Create", to: [PUBLIC], cc: [FOLLOWERS] });
      const sent = (await fanout(post)).flatMap((m) => m.inboxes);
      expect(sent).not.toContain(sink.inbox(1));
      expect(sent).not.toContain(`${sink.actor(2, "p")}/inbox`);
      expect(JSON.parse((await env.DB.prepare("SELECT skipped FROM fanouts WHERE activity_id = ?").bind(post).first<{ skipped: string }>())!.skipped)).toEqual([
        sink.inbox(1),
      ]);
      const held = await hostObject(backlogged).status({ activityId: post });
      expect(held.deliveries).toMatchObject([{ inbox: `${sink.actor(2, "p")}/inbox`, state: "pending", attempts: 0 }]);

      const followActivity = await storeActivity({ type: "Follow", object: sink.actor(1, "a"), to: [sink.actor(1, "a")] });
      expect((await fanout(followActivity)).flatMap((m) => m.inboxes)).toEqual([]);
      expect(planFanout([`${sink.actor(1, "a")}/inbox`], new Map([[unavailable, "unavailable"]]), "Follow").behindBacklog.get(unavailable)).toEqual([
        `${sink.actor(1, "a")}/inbox`,
      ]);
    } finally {
      await env.DB.prepare("DELETE FROM delivery_hosts").run();
    }
  });
});

describe("handing an activity to delivery", () => {
  it("stores it and enqueues one fanout job; if the job cannot be enqueued, nothing stays behind", async () => {
    const sent: Job[] = [];
    const ok = {
      async send(job: Job) {
        sent.push(job);
      },
    } as unknown as Queue<Job>;
    const db = createServices(env).db;
    const activity = { id: "https://roost.test/activities/handed", type: "Like", object: sink.actor(1, "a") };
    await queuedOutbox(db, ok, log).send(activity, { visibility: "direct" });
    expect(sent).toEqual([{ kind: "fanout", activityId: activity.id }]);

    const broken = {
      async send() {
        throw new Error("queue unavailable");
      },
    } as unknown as Queue<Job>;
    const lost = { ...activity, id: "https://roost.test/activities/not-handed" };
    await expect(queuedOutbox(db, broken, log).send(lost, { visibility: "direct" })).rejects.toThrow("could not be queued");
    expect(await count("activities", "id = ?", lost.id)).toBe(0);
  });

  it("immediate: sent by the immediate sender when it can; queued as a fanout job when it returns null or throws", async () => {
    const sent: Job[] = [];
    const queue = { async send(job: Job) { sent.push(job); } } as unknown as Queue<Job>;
    const db = createServices(env).db;
    const calls: string[] = [];
    const outbox = queuedOutbox(db, queue, log, Date.now, async (activity, document) => {
      calls.push(`${activity.id} ${JSON.parse(document).type}`);
      if (activity.id.endsWith("/sent")) return "delivered";
      if (activity.id.endsWith("/many")) return null;
      throw new Error("durable object unreachable");
    });
    const base = { type: "Accept", object: sink.actor(1, "a") };
    await outbox.send({ ...base, id: "https://roost.test/activities/sent" }, { visibility: "direct", immediate: true });
    await outbox.send({ ...base, id: "https://roost.test/activities/many" }, { visibility: "direct", immediate: true });
    await outbox.send({ ...base, id: "https://roost.test/activities/broken" }, { visibility: "direct", immediate: true });
    await outbox.send({ ...base, id: "https://roost.test/activities/queued" }, { visibility: "direct" });
    expect(calls).toEqual(["https://roost.test/activities/sent Accept", "https://roost.test/activities/many Accept", "https://roost.test/activities/broken Accept"]);
    expect(sent.map((j) => (j as { activityId: string }).activityId)).toEqual([
      "https://roost.test/activities/many",
      "https://roost.test/activities/broken",
      "https://roost.test/activities/queued",
    ]);
    expect(await count("activities", "id LIKE 'https://roost.test/activities/%' AND type = 'Accept'")).toBe(4);
  });
});
