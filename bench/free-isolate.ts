// In-isolate CPU of the largest Free-plan invocations, for bench/free-cpu.mjs. workerd advances its
// clock only at I/O, so each sample is a batch of runs bracketed by timer ticks, and the figure is
// the batch mean. I/O (D1, the POSTs, Durable Object calls) is not CPU on Workers and is left out;
// what each invocation computes is repeated here with the same code and sizes.
import { asc } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { meteredD1 } from "../src/db/metered.ts";
import { deliveryTargets } from "../src/db/schema.ts";
import { planFanout } from "../src/delivery/fanout.ts";
import { normalizeActor } from "../src/federation/normalize.ts";
import { signRequest } from "../src/federation/signatures/index.ts";

/**
 * A D1 binding answering one query as workerd's D1 client does once the response is parsed:
 * raw() hands back the rows as they came, all() makes an object of each row.
 */
function answering(columns: string[], rows: unknown[][]): D1Database {
  const meta = { rows_read: rows.length, rows_written: 0 };
  const statement = {
    bind: () => statement,
    raw: async () => [...rows],
    all: async () => ({ success: true, meta, results: rows.map((row) => Object.fromEntries(row.map((cell, i) => [columns[i], cell]))) }),
  };
  return { prepare: () => statement } as unknown as D1Database;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function measure(runs: number, batch: number, work: () => Promise<unknown> | unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let b = 0; b < runs; b += batch) {
    await tick();
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await work();
    await tick();
    samples.push((performance.now() - t0) / batch);
  }
  return samples;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const runs = Number(new URL(request.url).searchParams.get("runs") ?? "200");
    const servers = Number(new URL(request.url).searchParams.get("servers") ?? "2000");
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const key = { keyId: "https://roost.test/users/me#main-key", privateKey: pair.privateKey };
    const post = JSON.stringify({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: "https://roost.test/objects/1/activity",
      type: "Create",
      actor: "https://roost.test/users/me",
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: ["https://roost.test/users/me/followers"],
      object: { id: "https://roost.test/objects/1", type: "Note", content: `<p>${"lorem ipsum dolor sit amet ".repeat(60)}</p>` },
    });
    const inboxes = Array.from({ length: servers }, (_, n) => `https://server${n}.example/inbox`);

    // A FanoutSender alarm: the batch row parsed, the stored document encoded, 6 signed requests.
    const batchRow = JSON.stringify(inboxes.slice(0, 6));
    const alarm = await measure(runs, 10, async () => {
      const body = new TextEncoder().encode(post);
      for (const inbox of JSON.parse(batchRow) as string[]) {
        await signRequest({ method: "POST", url: inbox, headers: new Headers({ "Content-Type": "application/activity+json" }), body }, key);
      }
    });

    // The fanout job: the delivery_targets rows decoded, planned, cut into batches, the hand-over serialised.
    const rows = JSON.stringify(inboxes.map((inbox) => ({ inbox })));
    const fanout = await measure(Math.max(10, runs / 10), 2, () => {
      const targets = (JSON.parse(rows) as { inbox: string }[]).map((r) => r.inbox);
      const plan = planFanout(targets, new Map(), "Create");
      const batches: { batch: number; inboxes: string[] }[] = [];
      for (let i = 0; i < plan.direct.length; i += 6) batches.push({ batch: batches.length, inboxes: plan.direct.slice(i, i + 6) });
      const shards: (typeof batches)[] = [[], [], [], []];
      batches.forEach((b, i) => shards[i % 4]!.push(b));
      return shards.map((s) => JSON.stringify(s).length);
    });

    // The inbox job of a Follow: the follower's actor document normalised, the Accept built and signed.
    const actorDoc = JSON.stringify({
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
      id: "https://server1.example/users/u1",
      type: "Person",
      preferredUsername: "u1",
      inbox: "https://server1.example/users/u1/inbox",
      endpoints: { sharedInbox: "https://server1.example/inbox" },
      publicKey: { id: "https://server1.example/users/u1#main-key", owner: "https://server1.example/users/u1", publicKeyPem: "-----BEGIN PUBLIC KEY-----\n" + "A".repeat(392) + "\n-----END PUBLIC KEY-----\n" },
    });
    const follow = await measure(runs, 10, async () => {
      const actor = normalizeActor(JSON.parse(actorDoc));
      if (!actor.ok) throw new Error(actor.reason);
      const accept = JSON.stringify({ id: "https://roost.test/activities/x", type: "Accept", actor: "https://roost.test/users/me", object: { id: "https://server1.example/follows/1", type: "Follow" } });
      await signRequest({ method: "POST", url: actor.value.inbox, headers: new Headers({ "Content-Type": "application/activity+json" }), body: new TextEncoder().encode(accept) }, key);
    });
    // The budget meter's share of the fan-out's read of its targets: drizzle through the plain
    // binding (raw rows) and through the metered one (rows as objects, put back in order).
    const targetRows = inboxes.map((inbox) => [inbox]);
    const plainDb = drizzle(answering(["inbox"], targetRows));
    const meteredDb = drizzle(meteredD1(answering(["inbox"], targetRows), () => {}));
    const read = (db: typeof plainDb) => db.select({ inbox: deliveryTargets.inbox }).from(deliveryTargets).orderBy(asc(deliveryTargets.inbox));
    // Batches of 10 reads: the difference is a fraction of the clock's millisecond steps.
    const targetsPlain = await measure(Math.max(100, runs), 10, () => read(plainDb));
    const targetsMetered = await measure(Math.max(100, runs), 10, () => read(meteredDb));
    return Response.json({ runs, servers, alarm, fanout, follow, targetsPlain, targetsMetered });
  },
};
