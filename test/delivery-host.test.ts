// The per-server Durable Object, driven through its alarm with a clock the test moves: Mastodon's
// retry schedule, order behind a backlog, the give-up rules, unavailability, and what the owner
// API shows meanwhile.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_RETRIES, retryDelayMs } from "../src/delivery/backoff.ts";
import { markHostAlive } from "../src/delivery/host.ts";
import { createServices } from "../src/runtime/services.ts";
import { addFollowers, consume, doAlarmTime, hostObject, PUBLIC, runAlarmAt, Sink, setClock, storeActivity } from "./delivery-support.ts";
import { count, owner } from "./helpers.ts";

const DAY = 86_400_000;
let sink: Sink;

const failure = (inbox: string, status = 503) => ({ inbox, status, error: `HTTP ${status}` });

async function held(host: string, activityId: string) {
  return (await hostObject(host).status({ activityId })).deliveries;
}

beforeAll(async () => {
  sink = await Sink.open();
});

describe("Mastodon's schedule", () => {
  it("retries 16 times, n⁴ + 15 s before retry n, then gives up with the reason", async () => {
    const host = sink.host(1);
    await sink.behave(1, { status: 503 });
    const start = Date.now() + DAY;
    await setClock(host, start);
    const post = await storeActivity({ type: "Create", to: [PUBLIC] });
    await hostObject(host).recordFailures(host, post, "Create", [failure(sink.inbox(1))]);

    const delays: number[] = [];
    let now = start;
    for (let retry = 0; retry < MAX_RETRIES; retry++) {
      const [pending] = await held(host, post);
      expect(pending).toMatchObject({ state: "pending", attempts: retry + 1 });
      expect(await doAlarmTime(host)).toBe(pending!.nextAttemptAt);
      delays.push(pending!.nextAttemptAt! - now);
      now = pending!.nextAttemptAt!;
      expect(await runAlarmAt(host, now)).toBe(true);
    }
    expect(delays).toEqual(Array.from({ length: MAX_RETRIES }, (_, n) => (n ** 4 + 15) * 1000));
    const hours = delays.reduce((a, b) => a + b) / 3_600_000;
    expect(hours).toBeGreaterThan(48);
    expect(hours).toBeLessThan(50);
    expect(await held(host, post)).toMatchObject([{ state: "given_up", attempts: MAX_RETRIES + 1, lastError: "gave up after 17 attempts: HTTP 503" }]);
    expect((await sink.arrivals()).filter((a) => a.host === host && a.verified)).toHaveLength(MAX_RETRIES);
    expect(await doAlarmTime(host)).toBeNull();
    expect(await count("delivery_hosts", "host = ?", host)).toBe(0);
  });

  it("on the Free plan an alarm makes at most 6 POSTs (10 ms CPU); what is left is due at once and goes on the next alarm", async () => {
    const host = sink.host(7);
    await sink.behave(7, { status: 503 });
    const start = Date.now() + DAY;
    await setClock(host, start);
    const post = await storeActivity({ type: "Create", to: [PUBLIC] });
    const inboxes = Array.from({ length: 10 }, (_, i) => sink.inbox(7, `cap${i}/inbox`));
    await hostObject(host).recordFailures(host, post, "Create", inboxes.map((inbox) => failure(inbox)));
    await sink.behave(7, { status: 202 });
    const later = start + DAY;
    expect(await runAlarmAt(host, later)).toBe(true);
    const cap = (await sink.arrivals()).filter((a) => a.host === host && a.status === 202 && a.path.includes("/cap"));
    expect(cap).toHaveLength(6);
    expect((await held(host, post)).filter((d) => d.state === "pending")).toHaveLength(4);
    expect(await doAlarmTime(host)).toBeLessThanOrEqual(later);
    expect(await runAlarmAt(host, later)).toBe(true);
    expect(await held(host, post)).toEqual([]);
    expect((await sink.arrivals()).filter((a) => a.host === host && a.status === 202 && a.path.includes("/cap"))).toHaveLength(10);
  });

  it("adds up to 50% and (n+1)·9 s of jitter: at most about 3 days in all", () => {
    const hours = Array.from({ length: MAX_RETRIES }, (_, n) => retryDelayMs(n, () => 0.9999)).reduce((a, b) => a + b) / 3_600_000;
    expect(hours).toBeGreaterThan(72);
    expect(hours).toBeLessThan(76);
  });
});

describe("order", () => {
  it("an Update queued behind its Create waits for it, and the alarm follows the Create's retry", async () => {
    const host = sink.host(2);
    await sink.behave(2, { status: 503 });
    const start = Date.now() + DAY;
    await setClock(host, start);
    const note = "https://roost.test/objects/ordered";
    const create = await storeActivity({ type: "Create", to: [PUBLIC], object: { id: note, type: "Note", content: "v1" } });
    const update = await storeActivity({ type: "Update", to: [PUBLIC], object: { id: note, type: "Note", content: "v2" } });
    await hostObject(host).recordFailures(host, create, "Create", [failure(sink.inbox(2))]);
    await hostObject(host).enqueue(host, update, "Update", [sink.inbox(2)]);
    expect(await held(host, update)).toMatchObject([{ state: "pending", attempts: 0, waitingBehind: 1 }]);
    expect(await doAlarmTime(host)).toBe(start + 15_000);

    await runAlarmAt(host, start + 15_000);
    expect((await sink.arrivals()).filter((a) => a.host === host).map((a) => [a.activity?.type, a.status])).toEqual([["Create", 503]]);

    await sink.behave(2, { status: 202 });
    await runAlarmAt(host, start + 60_000);
    expect((await sink.arrivals()).filter((a) => a.host === host).map((a) => [a.activity?.type, a.status])).toEqual([
      ["Create", 503],
      ["Create", 202],
      ["Update", 202],
    ]);
    expect(await held(host, create)).toEqual([]);
    expect(await held(host, update)).toEqual([]);
    expect(await doAlarmTime(host)).toBeNull();
    expect(await count("delivery_hosts", "host = ?", host)).toBe(0);
    expect(await count("delivery_failures", "host = ?", host)).toBe(0);
  });
});

describe("giving up", () => {
  it("a permanent 4xx is given up at once, on the first POST or on a retry", async () => {
    const host = sink.host(3);
    await setClock(host, Date.now() + DAY);
    const first = await storeActivity({ type: "Create", to: [PUBLIC] });
    await hostObject(host).recordFailures(host, first, "Create", [failure(sink.inbox(3), 403)]);
    expect(await held(host, first)).toMatchObject([{ state: "given_up", lastStatus: 403, lastError: "permanent failure: HTTP 403" }]);
    expect(await doAlarmTime(host)).toBeNull();

    const second = await storeActivity({ type: "Create", to: [PUBLIC] });
    await sink.behave(3, { statuses: [404] });
    await hostObject(host).recordFailures(host, second, "Create", [failure(sink.inbox(3), 500)]);
    await runAlarmAt(host, Date.now() + 2 * DAY);
    expect(await held(host, second)).toMatchObject([{ state: "given_up", attempts: 2, lastStatus: 404, lastError: "permanent failure: HTTP 404" }]);
  });

  it("410 from a follower's personal inbox removes the follower; from a shared inbox it removes nobody", async () => {
    const gone = sink.actor(4, "gone");
    const stays = sink.actor(4, "stays");
    await addFollowers([
      { actor: gone, inbox: `${gone}/inbox` },
      { actor: stays, inbox: `${stays}/inbox`, sharedInbox: sink.inbox(4) },
    ]);
    await sink.behave(4, { status: 410 });
    const post = await storeActivity({ type: "Create", to: [PUBLIC] });
    await consume([{ id: "m-410", body: { kind: "deliver", activityId: post, inboxes: [`${gone}/inbox`, sink.inbox(4)] } }]);
    expect(await count("followers", "actor_id = ?", gone)).toBe(0);
    expect(await count("delivery_targets", "inbox = ?", `${gone}/inbox`)).toBe(0);
    expect(await count("followers", "actor_id = ?", stays)).toBe(1);
    expect(await held(sink.host(4), post)).toMatchObject([
      { state: "given_up", lastStatus: 410 },
      { state: "given_up", lastStatus: 410 },
    ]);
  });
});

describe("unavailable servers", () => {
  it("failing on 7 distinct days makes a server unavailable: its deliveries are given up, but a Follow is kept", async () => {
    const host = sink.host(5);
    await sink.behave(5, { status: 503 });
    const day0 = Date.UTC(2031, 0, 1, 12);
    await setClock(host, day0);
    const post = await storeActivity({ type: "Create", to: [PUBLIC] });
    const follow = await storeActivity({ type: "Follow", object: sink.actor(5, "x") });
    await hostObject(host).recordFailures(host, post, "Create", [failure(sink.inbox(5))]);
    await hostObject(host).recordFailures(host, follow, "Follow", [failure(`${sink.actor(5, "x")}/inbox`)]);

    for (let day = 1; day <= 5; day++) await runAlarmAt(host, day0 + day * DAY);
    expect((await hostObject(host).status({ recent: 10 })).failureDays).toHaveLength(6);
    expect(await count("delivery_hosts", "host = ? AND state = 'backlog'", host)).toBe(1);

    await runAlarmAt(host, day0 + 6 * DAY);
    expect(await count("delivery_hosts", "host = ? AND state = 'unavailable'", host)).toBe(1);
    expect(await held(host, post)).toMatchObject([
      { state: "given_up", lastError: "server unavailable: failed on 7 distinct days (last error: HTTP 503)" },
    ]);
    expect(await held(host, follow)).toMatchObject([{ state: "pending" }]);

    // It delivers to us: available again, and the Follow is tried at once.
    await markHostAlive(createServices(env), host);
    expect(await count("delivery_hosts", "host = ? AND state = 'backlog'", host)).toBe(1);
    expect((await hostObject(host).status({ recent: 10 })).failureDays).toEqual([]);
    await sink.behave(5, { status: 202 });
    await runAlarmAt(host, day0 + 6 * DAY);
    expect(await held(host, follow)).toEqual([]);
    expect(await count("delivery_hosts", "host = ?", host)).toBe(0);
  });
});

describe("a server that is down, then back, as the owner sees it", () => {
  it("gets the post on the retry; the API tells in-flight, pending and delivered apart", async () => {
    const down = sink.host(6);
    await sink.behave(6, { status: 503 });
    await setClock(down, Date.now() + DAY);
    const post = await storeActivity({ type: "Create", to: [PUBLIC] });
    await env.DB.prepare("INSERT INTO fanouts (activity_id, targets, batches, queued_at) VALUES (?, 2, 1, ?)").bind(post, Date.now()).run();
    const localId = post.split("/").pop()!;
    const view = async () => (await (await owner(`/api/roost/deliveries/${localId}`)).json()) as Record<string, any>;

    expect(await view()).toMatchObject({ state: "sending", counts: { targets: 2, delivered: null, unconfirmed: 2, pending: 0, givenUp: 0 } });

    await consume([{ id: "m-down", body: { kind: "deliver", activityId: post, inboxes: [sink.inbox(6), sink.inbox(7)], batch: 0 } }]);
    const retrying = await view();
    expect(retrying).toMatchObject({ state: "retrying", counts: { targets: 2, delivered: 1, unconfirmed: 0, pending: 1, givenUp: 0 }, batches: { total: 1, done: 1 } });
    expect(retrying.servers).toMatchObject([{ host: down, deliveries: [{ inbox: sink.inbox(6), state: "pending", attempts: 1, lastError: "HTTP 503" }] }]);
    expect(Date.parse(retrying.servers[0].deliveries[0].nextAttemptAt)).toBeGreaterThan(Date.now());

    const overview = (await (await owner("/api/roost/deliveries")).json()) as { hosts: Record<string, any>[] };
    expect(overview.hosts.find((h) => h.host === down)).toMatchObject({ state: "backlog", pending: 1, recent: [{ activityId: post, state: "pending" }] });

    await sink.behave(6, { status: 202 });
    await runAlarmAt(down, Date.now() + DAY + 3_600_000);
    expect((await sink.arrivals()).filter((a) => a.host === down).map((a) => [a.status, a.verified])).toEqual([
      [503, true],
      [202, true],
    ]);
    expect(await view()).toMatchObject({ state: "done", counts: { targets: 2, delivered: 2, pending: 0, givenUp: 0 }, servers: [] });
    expect((await owner(`/api/roost/deliveries/${encodeURIComponent(post)}`)).status).toBe(200);
  });

  it("answers 400 to a malformed id and 404 to an activity that is not ours", async () => {
    expect((await owner("/api/roost/deliveries/not%20an%20id")).status).toBe(400);
    expect((await owner(`/api/roost/deliveries/${encodeURIComponent("https://elsewhere.test/activities/1")}`)).status).toBe(404);
  });
});
