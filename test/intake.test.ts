// Cheap intake: a Follow costs one queue message (the inbox job); its Accept goes out from that
// job, through the Outbox (stored, dereferenceable, in the delivery report), with the server's
// Durable Object as the retry path.
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { flushUsage } from "../src/delivery/metering.ts";
import { processInboxActivity } from "../src/inbox/process.ts";
import { receiveActivity } from "../src/inbox/receive.ts";
import type { DeliveryHost } from "../src/runtime/delivery-host.ts";
import { createServices } from "../src/runtime/services.ts";
import { loggedEvents } from "./log-capture.ts";
import { count, deliverFromMastodon, follow, MASTODON, ORIGIN, owner, ourPublicKey, peer, type Received, waitFor } from "./helpers.ts";

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

/** env with a D1 binding that counts its round trips: one per statement run, one per batch. */
function countingEnv() {
  let trips = 0;
  const statement = (real: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(real, {
      get(target, name) {
        const value = Reflect.get(target, name) as (...a: unknown[]) => unknown;
        if (name === "bind") return (...a: unknown[]) => statement(value.apply(target, a) as D1PreparedStatement);
        if (name === "all" || name === "run" || name === "raw" || name === "first") trips++;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const unwrapped = new WeakMap<D1PreparedStatement, D1PreparedStatement>();
  const DB = {
    prepare: (sql: string) => {
      const real = env.DB.prepare(sql);
      const wrapped = statement(real);
      unwrapped.set(wrapped, real);
      return wrapped;
    },
    batch: (statements: D1PreparedStatement[]) => {
      trips++;
      // Bound statements are new proxies around new real statements: bind() is recorded too.
      return env.DB.batch(statements.map((s) => unwrapped.get(s) ?? s));
    },
  } as unknown as D1Database;
  return { env: { ...env, DB }, trips: () => trips };
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

    // The job logs the send once it has recorded it, a moment after the peer has the Accept.
    const sent = () => loggedEvents("deliver.immediate").filter((e) => e.activityId === acceptId);
    const immediate = await waitFor(async () => (sent().length > 0 ? sent() : null));
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

  it("a follower not seen before costs 4 D1 round trips on the inbox request and 12 in its job, the meter's write included", async () => {
    const activity = follow("kai");
    const body = JSON.stringify(activity);
    const url = `${ORIGIN}/inbox`;
    const { headers } = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, { method: "POST", url, body, actor: "kai", variant: "main" });

    // blocks; cached actor + key fetch state; the fetched actor stored; the activity + its server's state.
    const request = countingEnv();
    const queued: unknown[] = [];
    const jobs = {
      send: async (job: unknown) => {
        queued.push(job);
        return {} as QueueSendResponse;
      },
      sendBatch: async () => ({}) as QueueSendBatchResponse,
    };
    const s = { ...createServices(request.env), jobs };
    expect(await receiveActivity(new Request(url, { method: "POST", headers, body }), s)).toMatchObject({ status: 202, result: "queued" });
    expect(queued).toEqual([{ kind: "inbox", id: activity.id, actor: activity.actor }]);
    expect(request.trips()).toBe(4);

    // The row; actor + follower + last Accept; the profile; follower + notification; whether a
    // Web Push subscription wants it (src/domain/push.ts offerPush); whether an app is streaming
    // (stream_listeners, src/delivery/stream.ts: no Durable Object request while none is); the Accept;
    // its server's state + scheme; (the POST); its settled fanouts row; the re-Accept marker; the
    // row's state; the meter's upsert.
    const job = countingEnv();
    const js = createServices(job.env);
    await processInboxActivity({ kind: "inbox", id: activity.id, actor: activity.actor }, js);
    await flushUsage(js);
    expect(await acceptOf(activity.id)).toMatchObject({ verified: true });
    expect(await count("notifications", "type = 'follow' AND actor_id = ?", activity.actor)).toBe(1);
    expect(job.trips()).toBe(12);
  });
});
