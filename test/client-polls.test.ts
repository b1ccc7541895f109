// Polls (#11 item 4): masto.js makes one, a real Fedify follower reads our Question, votes from a
// Mastodon-style server are counted once, the counts leave as one Update{Question} per window, the
// end notifies; a remote Question shows as a poll and the owner's vote reaches its author.
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { createRestAPIClient } from "masto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { remotePollReceived } from "../src/domain/poll-store.ts";
import { pollDue } from "../src/domain/polls.ts";
import { normalizeObject } from "../src/federation/normalize.ts";
import { createServices } from "../src/runtime/services.ts";
import { api, json, signIn } from "./client-support.ts";
import questionFixture from "./fixtures/activitypub/mastodon-create-question.json";
import { ACTOR, AP, count, deliverFromMastodon, MASTODON, ORIGIN, ourPublicKey, owner, peer, postStatus, type Received, waitFor, worker } from "./helpers.ts";

const FEDIFY = "https://fedify.test";
const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;
let token: string;

beforeAll(async () => {
  token = await signIn("read write follow");
  // A Fedify follower (stored as accepted), which needs our documents to verify what we sign.
  await env.DB.prepare("INSERT OR REPLACE INTO followers (actor_id, inbox, shared_inbox, follow_activity_id, state) VALUES (?, ?, ?, ?, 'accepted')")
    .bind(`${FEDIFY}/users/peer`, `${FEDIFY}/users/peer/inbox`, `${FEDIFY}/inbox`, `${FEDIFY}/follows/polls`)
    .run();
  const webfinger = "/.well-known/webfinger?resource=acct%3Ame%40roost.test";
  await peer(`${FEDIFY}/__control/documents`, {
    [`${ORIGIN}${webfinger}`]: await (await worker(webfinger)).json(),
    [ACTOR]: await (await worker("/users/me", { headers: { Accept: AP } })).json(),
  });
  await peer(`${MASTODON}/__control/reset`, {});
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
});

/** Runs the `poll` job for `uri` as the queue would at `at`, with the clock moved there. */
async function runPollJob(uri: string, at: number) {
  await pollDue({ ...createServices(env), now: () => at }, { uri, at });
}

async function pollRow(uri: string) {
  return env.DB.prepare("SELECT * FROM polls WHERE status_uri = ?").bind(uri).first<{ expires_at: number; update_due: number | null; ended_at: number | null }>();
}

/** A vote as Mastodon's VoteSerializer shapes it, from `name` on mastodon.test. */
function vote(name: string, question: string, option: string, n: number) {
  const actor = `${MASTODON}/users/${name}`;
  const id = `${actor}#votes/${n}`;
  return { "@context": AS, id: `${id}/activity`, type: "Create", actor, to: ACTOR, object: { id, type: "Note", name: option, attributedTo: actor, inReplyTo: question, to: ACTOR } };
}

describe("our polls", () => {
  let poll: { id: string; uri: string };

  it("masto.js posts a poll: Mastodon's Poll entity, limits in the instance, a Question that Fedify reads and that is served at its id", async () => {
    // masto.js calls the global fetch: requests for our origin go to the Worker in this isolate.
    const realFetch = globalThis.fetch;
    vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      return new URL(request.url).origin === ORIGIN ? exports.default.fetch(request) : realFetch(request);
    });
    try {
      const client = createRestAPIClient({ url: ORIGIN, accessToken: token });
      const limits = (await client.v2.instance.fetch()).configuration.polls;
      expect(limits).toEqual({ maxOptions: 4, maxCharactersPerOption: 50, minExpiration: 300, maxExpiration: 2_629_746 });
      const status = await client.v1.statuses.create({ status: "Tabs or spaces?", poll: { options: ["Tabs", "Spaces"], expiresIn: 3600 } });
      expect(status.poll).toEqual({
        id: status.id,
        expiresAt: expect.any(String),
        expired: false,
        multiple: false,
        votesCount: 0,
        votersCount: 0,
        options: [{ title: "Tabs", votesCount: 0 }, { title: "Spaces", votesCount: 0 }],
        emojis: [],
        voted: true,
        ownVotes: [],
      });
      expect(Math.abs(Date.parse(status.poll!.expiresAt!) - Date.now() - 3600_000)).toBeLessThan(60_000);
      poll = { id: status.id, uri: status.uri };
    } finally {
      vi.unstubAllGlobals();
    }

    const create = await waitFor(async () => (await peer<any[]>(`${FEDIFY}/__control/received`)).find((r) => r.type === "Create" && r.id === `${poll.uri}/activity` && r.inboxStatus === 202));
    expect(create).toMatchObject({ objectType: `${AS}#Question`, httpSignature: { verified: true }, proof: "verified", listenerRan: true });
    expect(create.question).toMatchObject({ exclusive: [{ name: "Tabs", count: 0 }, { name: "Spaces", count: 0 }], inclusive: [], closed: false, voters: 0 });
    expect(Date.parse(create.question.endTime)).toBe(Date.parse(create.activity.object.endTime));

    const served = await json(worker(poll.uri, { headers: { Accept: AP } }));
    expect(served).toMatchObject({ id: poll.uri, type: "Question", votersCount: 0, oneOf: [{ type: "Note", name: "Tabs", replies: { type: "Collection", totalItems: 0 } }, { name: "Spaces" }] });
    expect(served).not.toHaveProperty("closed");
  });

  it("refuses polls outside Mastodon's limits, and a poll with media, with 422 and nothing posted", async () => {
    const before = await count("objects");
    for (const [poll, error] of [
      [{ options: ["only one"], expires_in: 3600 }, "more than one item"],
      [{ options: ["a", "b", "c", "d", "e"], expires_in: 3600 }, "more than 4 items"],
      [{ options: ["a", "x".repeat(51)], expires_in: 3600 }, "longer than 50 characters"],
      [{ options: ["a", "a"], expires_in: 3600 }, "duplicate"],
      [{ options: ["a", "b"], expires_in: 60 }, "too soon"],
      [{ options: ["a", "b"] }, "too soon"],
      [{ options: ["a", "b"], expires_in: 3_000_000 }, "too far"],
      ["yes", "poll must hold"],
    ] as const) {
      const res = await api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "q", poll }) });
      expect(res.status).toBe(422);
      expect((await json(res)).error).toContain(error);
    }
    const withMedia = await api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "q", media_ids: ["1"], poll: { options: ["a", "b"], expires_in: 3600 } }) });
    expect(withMedia.status).toBe(422);
    expect(await count("objects")).toBe(before);
    // The form shape (Rails keys), as toot and Mastodon's web app send it.
    const form = await api(token, "/api/v1/statuses", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "status=Pick&poll[options][]=A&poll[options][]=B&poll[options][]=C&poll[expires_in]=600&poll[multiple]=true&poll[hide_totals]=1",
    });
    expect(form.status).toBe(200);
    const made = await json(form);
    expect(made.poll).toMatchObject({ multiple: true, options: [{ title: "A", votes_count: null }, { title: "B", votes_count: null }, { title: "C", votes_count: null }] });
    // An edit keeps the poll (sent again unchanged, as Elk does); other options are refused.
    const edit = (poll?: unknown) => api(token, `/api/v1/statuses/${made.id}`, { method: "PUT", body: JSON.stringify({ status: "Pick one or more", poll }) });
    expect((await edit({ options: ["A", "B", "D"], expires_in: 600 })).status).toBe(422);
    expect((await json(edit({ options: ["A", "B", "C"], expires_in: 600 }))).poll).toMatchObject({ id: made.id, multiple: true });
    expect(await json(worker(made.uri, { headers: { Accept: AP } }))).toMatchObject({ type: "Question", content: "<p>Pick one or more</p>", anyOf: [{ name: "A" }, { name: "B" }, { name: "C" }] });
  });

  it("counts a vote once however often it arrives, keeps it out of replies and notifications, and sends the counts as one Update{Question}", async () => {
    const first = vote("alice", poll.uri, "Spaces", 1);
    for (const activity of [first, first, { ...vote("alice", poll.uri, "Spaces", 2) }, vote("alice", poll.uri, "Tabs", 3), vote("bob", poll.uri, "Tabs", 4), vote("carol", poll.uri, "Nope", 5)]) {
      expect((await deliverFromMastodon(activity, { actor: activity.actor.split("/").pop() })).status).toBe(202);
    }
    await waitFor(async () => (await count("inbox_activities", "state <> 'queued'")) >= 5);
    const counted = await json(api(token, `/api/v1/polls/${poll.id}`));
    // alice's second and third votes (a redelivery under a new id, another option of a single-choice poll) count nothing.
    expect(counted).toMatchObject({ votes_count: 2, voters_count: 2, options: [{ title: "Tabs", votes_count: 1 }, { title: "Spaces", votes_count: 1 }] });
    expect(await count("poll_votes", "status_uri = ?", poll.uri)).toBe(2);
    // carol's Note names no option: an ordinary reply, as Mastodon takes it.
    const status = await json(api(token, `/api/v1/statuses/${poll.id}`));
    expect(status.replies_count).toBe(1);
    const mentions = (await json(api(token, "/api/v1/notifications?types[]=mention"))) as { account: { acct: string } }[];
    expect(mentions.map((n) => n.account.acct)).toEqual(["carol@mastodon.test"]);

    // One Update for the window, whichever job runs it (the second finds nothing due).
    const row = (await pollRow(poll.uri))!;
    expect(row.update_due).toBeGreaterThan(Date.now());
    await runPollJob(poll.uri, row.update_due!);
    await runPollJob(poll.uri, row.update_due!);
    expect(await count("activities", "type = 'Update' AND object_id = ?", poll.uri)).toBe(1);
    const update = await waitFor(async () => (await peer<any[]>(`${FEDIFY}/__control/received`)).find((r) => r.type === "Update" && r.activity.object?.id === poll.uri && r.inboxStatus === 202));
    expect(update).toMatchObject({ objectType: `${AS}#Question`, httpSignature: { verified: true }, proof: "verified" });
    expect(update.question).toMatchObject({ exclusive: [{ name: "Tabs", count: 1 }, { name: "Spaces", count: 1 }], voters: 2, closed: false });
  });

  it("ends when the clock passes its end: a poll notification, the closed Question sent and served, later votes dropped", async () => {
    const { expires_at } = (await pollRow(poll.uri))!;
    await runPollJob(poll.uri, expires_at + 1000);
    await runPollJob(poll.uri, expires_at + 2000);
    const notifications = (await json(api(token, "/api/v1/notifications?types[]=poll"))) as any[];
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ type: "poll", account: { id: "1" }, status: { id: poll.id, poll: { votes_count: 2 } } });
    const closing = await waitFor(async () => (await peer<any[]>(`${FEDIFY}/__control/received`)).find((r) => r.type === "Update" && r.activity.object?.closed && r.activity.object?.id === poll.uri));
    expect(closing.question).toMatchObject({ closed: true, voters: 2 });
    // A vote after the end (the clock is real again here, so the row is moved back) is dropped.
    await env.DB.prepare("UPDATE polls SET expires_at = ? WHERE status_uri = ?").bind(Date.now() - 1000, poll.uri).run();
    expect((await deliverFromMastodon(vote("dave", poll.uri, "Tabs", 6), { actor: "dave" })).status).toBe(202);
    await waitFor(async () => (await count("inbox_activities", "id = ? AND state = 'ignored'", `${MASTODON}/users/dave#votes/6/activity`)) === 1);
    expect(await json(api(token, `/api/v1/polls/${poll.id}`))).toMatchObject({ expired: true, votes_count: 2 });
    expect(await json(worker(poll.uri, { headers: { Accept: AP } }))).toMatchObject({ type: "Question", closed: expect.any(String) });
    expect((await api(token, `/api/v1/polls/${poll.id}/votes`, { method: "POST", body: JSON.stringify({ choices: [0] }) })).status).toBe(422);
  });
});

describe("remote polls", () => {
  const alice = `${MASTODON}/users/alice`;
  const question = () => {
    const create = JSON.parse(JSON.stringify(questionFixture).replaceAll("https://mastodon.example", MASTODON)) as Record<string, any>;
    delete create.signature;
    create.object.endTime = new Date(Date.now() + 86_400_000).toISOString();
    return create;
  };

  it("a Mastodon Question shows as a poll, its Update refreshes the counts, and the owner's vote reaches its author", async () => {
    await env.DB.prepare("INSERT OR REPLACE INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')").bind(alice, `${alice}/inbox`, `${ORIGIN}/activities/f-alice`).run();
    const create = question();
    expect((await deliverFromMastodon(create)).status).toBe(202);
    const shown = await waitFor(async () => ((await json(api(token, "/api/v1/timelines/home?limit=40"))) as any[]).find((s) => s.uri === create.object.id));
    expect(shown.poll).toEqual({
      id: shown.id,
      expires_at: new Date(create.object.endTime).toISOString(),
      expired: false,
      multiple: false,
      votes_count: 3,
      voters_count: 3,
      options: [{ title: "Tabs", votes_count: 1 }, { title: "Spaces", votes_count: 2 }],
      emojis: [],
      voted: false,
      own_votes: [],
    });

    // Mastodon's Update{Question} carries new counts and no newer `updated`.
    const object = { ...create.object, votersCount: 5, oneOf: [{ type: "Note", name: "Tabs", replies: { type: "Collection", totalItems: 2 } }, { type: "Note", name: "Spaces", replies: { type: "Collection", totalItems: 3 } }] };
    expect((await deliverFromMastodon({ "@context": AS, id: `${object.id}#updates/1`, type: "Update", actor: alice, to: [PUBLIC], object })).status).toBe(202);
    await waitFor(async () => (await json(api(token, `/api/v1/polls/${shown.id}`))).votes_count === 5);

    for (const [choices, status] of [[[7], 422], [[0, 1], 422], [[], 422]] as const) {
      expect((await api(token, `/api/v1/polls/${shown.id}/votes`, { method: "POST", body: JSON.stringify({ choices }) })).status).toBe(status);
    }
    const voted = await api(token, `/api/v1/polls/${shown.id}/votes`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "choices[]=1" });
    expect(voted.status).toBe(200);
    expect(await json(voted)).toMatchObject({ voted: true, own_votes: [1], votes_count: 6, voters_count: 6, options: [{ votes_count: 2 }, { votes_count: 4 }] });
    expect((await api(token, `/api/v1/polls/${shown.id}/votes`, { method: "POST", body: JSON.stringify({ choices: [0] }) })).status).toBe(422);

    const arrived = await waitFor(async () => (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.type === "Create" && r.activity.object?.inReplyTo === object.id));
    expect(arrived).toMatchObject({ path: "/users/alice/inbox", verified: true, activity: { actor: ACTOR, to: alice, object: { type: "Note", name: "Spaces", attributedTo: ACTOR, to: alice } } });
    expect(arrived.activity.object).not.toHaveProperty("content");
    expect(await count("activities", "type = 'Create' AND object_id = ?", object.id)).toBe(1);

    // Its end: the owner voted, so a poll notification (the refetch finds mastodon.test serving a Note, so the counts stay).
    await runPollJob(object.id, Date.parse(object.endTime) + 1000);
    const notifications = (await json(api(token, "/api/v1/notifications?types[]=poll"))) as any[];
    expect(notifications.find((n) => n.status?.uri === object.id)).toMatchObject({ type: "poll", account: { acct: "alice@mastodon.test" }, status: { poll: { voted: true, own_votes: [1] } } });
  });

  it("takes the Misskey and Pleroma shapes: anyOf is multiple choice, `closed` ends a poll without endTime", async () => {
    const base = question();
    const misskey = { ...base.object, id: `${alice}/statuses/900`, oneOf: undefined, endTime: undefined, votersCount: undefined, _misskey_content: "pick", anyOf: [{ type: "Note", name: "A", replies: { type: "Collection", totalItems: 4 } }, { type: "Note", name: "B", replies: { type: "Collection", totalItems: 1 } }] };
    const pleroma = { ...base.object, id: `${alice}/statuses/901`, endTime: undefined, closed: "2026-01-01T00:00:00Z", votersCount: 2 };
    for (const object of [misskey, pleroma]) {
      expect((await deliverFromMastodon({ "@context": AS, id: `${object.id}/activity`, type: "Create", actor: alice, to: [PUBLIC], object })).status).toBe(202);
    }
    const polls = await waitFor(async () => {
      const home = (await json(api(token, "/api/v1/timelines/home?limit=40"))) as any[];
      const found = [misskey, pleroma].map((o) => home.find((s) => s.uri === o.id)?.poll);
      return found.every(Boolean) ? found : null;
    });
    expect(polls[0]).toMatchObject({ multiple: true, expires_at: null, expired: false, votes_count: 5, voters_count: null, options: [{ title: "A", votes_count: 4 }, { title: "B", votes_count: 1 }] });
    expect(polls[1]).toMatchObject({ multiple: false, expired: true, voters_count: 2 });
  });
});

describe("stale remote polls", () => {
  it("a Question that moves a voted poll's end sooner queues the end check for then (5 minutes after), one that moves it later does not", async () => {
    const uri = `${MASTODON}/users/alice/statuses/951`;
    const base = JSON.parse(JSON.stringify(questionFixture).replaceAll("https://mastodon.example", MASTODON)) as Record<string, any>;
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const sent: { job: unknown; delaySeconds?: number }[] = [];
    const jobs = {
      send: async (job: unknown, options?: { delaySeconds?: number }) => (sent.push({ job, delaySeconds: options?.delaySeconds }), {} as QueueSendResponse),
      sendBatch: async () => ({}) as QueueSendBatchResponse,
    };
    const s = { ...createServices(env), jobs };
    const receive = async (endTime: string) => {
      const parsed = normalizeObject({ ...base.object, id: uri, endTime });
      if (!parsed.ok) throw new Error(parsed.reason);
      await remotePollReceived(s, parsed.value);
    };
    await receive(at(86_400_000));
    await env.DB.prepare("UPDATE polls SET own_votes = '[0]' WHERE status_uri = ?").bind(uri).run();
    await receive(at(7_200_000));
    await receive(at(10_800_000));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.job).toMatchObject({ kind: "poll", uri });
    expect((sent[0]!.job as { at: number }).at - Date.now()).toBeGreaterThan(7_200_000 + 290_000);
    expect(sent[0]!.delaySeconds).toBeGreaterThan(7_200 + 290);
  });

  const alice = `${MASTODON}/users/alice`;
  const path = "/users/alice/statuses/950";
  const uri = `${MASTODON}${path}`;
  const choices = (tabs: number, spaces: number) => [
    { type: "Note", name: "Tabs", replies: { type: "Collection", totalItems: tabs } },
    { type: "Note", name: "Spaces", replies: { type: "Collection", totalItems: spaces } },
  ];
  const hits = async () => (await peer<{ hits: number }>(`${MASTODON}/__control/document-hits`, { path })).hits;
  /** The poll's last read moved `ms` into the past, as if that long had gone by since. */
  const age = (ms: number) => env.DB.prepare("UPDATE polls SET updated_at = ? WHERE status_uri = ?").bind(Date.now() - ms, uri).run();

  it("a viewed remote poll whose last read is over a minute old is read again by a queued job, once however often it is viewed; an ended one once more, then never", async () => {
    await env.DB.prepare("INSERT OR REPLACE INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')").bind(alice, `${alice}/inbox`, `${ORIGIN}/activities/f-alice`).run();
    const base = JSON.parse(JSON.stringify(questionFixture).replaceAll("https://mastodon.example", MASTODON)) as Record<string, any>;
    const endTime = new Date(Date.now() + 86_400_000).toISOString();
    const object = { ...base.object, id: uri, url: uri, endTime, votersCount: 3, oneOf: choices(1, 2) };
    expect((await deliverFromMastodon({ "@context": AS, id: `${uri}/activity`, type: "Create", actor: alice, to: [PUBLIC], object })).status).toBe(202);
    const id = await waitFor(async () => (await env.DB.prepare("SELECT id FROM statuses WHERE uri = ?").bind(uri).first<{ id: number }>())?.id);
    // The author's server counts more votes and sends no Update: only a read of the Question shows them.
    await peer(`${MASTODON}/__control/document`, { path, document: { "@context": base["@context"], ...object, votersCount: 7, oneOf: choices(3, 4) } });

    // Just received: fresh, so a view reads nothing.
    expect(await json(api(token, `/api/v1/polls/${id}`))).toMatchObject({ votes_count: 3, voters_count: 3 });
    expect(await hits()).toBe(0);

    // A minute on, two views (a poll view and a status view) queue one read between them; both answer at once, from what is stored.
    await age(61_000);
    const [first, status] = await Promise.all([json(api(token, `/api/v1/polls/${id}`)), json(api(token, `/api/v1/statuses/${id}`))]);
    expect(first).toMatchObject({ votes_count: 3 });
    expect(status.poll).toMatchObject({ votes_count: 3 });
    const refreshed = await waitFor(async () => {
      const poll = await json(api(token, `/api/v1/polls/${id}`));
      return poll.votes_count === 7 ? poll : null;
    });
    expect(refreshed).toMatchObject({ voters_count: 7, expired: false, options: [{ title: "Tabs", votes_count: 3 }, { title: "Spaces", votes_count: 4 }] });
    expect(await hits()).toBe(1);
    // One refresh counted against the day's allowance of view-caused fetches.
    expect(await env.DB.prepare("SELECT fetched FROM reply_fetches WHERE uri = ?").bind(`poll:${uri}`).first<{ fetched: number }>()).toEqual({ fetched: 1 });
    // Viewed again at once: read within the minute, nothing queued.
    await json(api(token, `/api/v1/statuses/${id}`));
    await json(api(token, `/api/v1/polls/${id}`));
    expect(await env.DB.prepare("SELECT fetched FROM reply_fetches WHERE uri = ?").bind(`poll:${uri}`).first<{ fetched: number }>()).toEqual({ fetched: 1 });

    // It ends with its last read before the end: one more read for the final counts, then none.
    await env.DB.prepare("UPDATE polls SET expires_at = ? WHERE status_uri = ?").bind(Date.now() - 1000, uri).run();
    await env.DB.prepare("UPDATE reply_fetches SET fetched_at = fetched_at - 120000 WHERE uri = ?").bind(`poll:${uri}`).run();
    await age(120_000);
    await peer(`${MASTODON}/__control/document`, { path, document: { "@context": base["@context"], ...object, endTime: new Date(Date.now() - 1000).toISOString(), closed: new Date(Date.now() - 1000).toISOString(), votersCount: 9, oneOf: choices(4, 5) } });
    await json(api(token, `/api/v1/polls/${id}`));
    const final = await waitFor(async () => {
      const poll = await json(api(token, `/api/v1/polls/${id}`));
      return poll.votes_count === 9 ? poll : null;
    });
    expect(final).toMatchObject({ expired: true, voters_count: 9 });
    expect(await hits()).toBe(2);
    // Read after its end (and over a minute ago): final, never read again.
    await env.DB.prepare("UPDATE reply_fetches SET fetched_at = fetched_at - 120000 WHERE uri = ?").bind(`poll:${uri}`).run();
    await env.DB.prepare("UPDATE polls SET expires_at = ?, updated_at = ? WHERE status_uri = ?").bind(Date.now() - 300_000, Date.now() - 200_000, uri).run();
    await json(api(token, `/api/v1/polls/${id}`));
    expect(await env.DB.prepare("SELECT fetched FROM reply_fetches WHERE uri = ?").bind(`poll:${uri}`).first<{ fetched: number }>()).toEqual({ fetched: 2 });
  });
});
