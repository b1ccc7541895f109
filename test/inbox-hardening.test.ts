// Issue #8: each rule of docs/inbox.md "Hardening", attacked the way a remote server would: the
// Mastodon-style peer (test/peers/mastodon-peer.ts) signs real requests with its accounts' keys,
// and each test asserts the answer AND that nothing was stored, notified, followed or sent.
import { createScheduledController, env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import worker_ from "../src/index.ts";
import { INBOX_BUDGET, resetBudgets } from "../src/inbox/guards.ts";
import { removeFollower } from "../src/domain/follows.ts";
import { processInboxActivity } from "../src/inbox/process.ts";
import { createServices } from "../src/runtime/services.ts";
import { ACTOR, AP, count, deliverFromMastodon, follow, MASTODON, ORIGIN, type Received, ourPublicKey, peer, waitFor, worker } from "./helpers.ts";
import { loggedEvents } from "./log-capture.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const account = (name: string) => `${MASTODON}/users/${name}`;
const OUR_POST = `${ORIGIN}/objects/hardening-post`;

const TABLES = [
  "inbox_activities",
  "followers",
  "following",
  "notifications",
  "reactions",
  "remote_objects",
  "remote_actors",
  "activities",
  "account_moves",
];

/** Row counts of every table an inbox activity can change, plus the outbox rows (queued sends), once earlier jobs have run. */
async function snapshot() {
  await waitFor(async () => (await count("inbox_activities", "state = 'queued'")) === 0);
  return Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await count(t)] as const)));
}

function uid() {
  return crypto.randomUUID();
}

/** Signs as `actor` with only the given draft-cavage headers (or RFC 9421 components), and POSTs. */
async function deliverWeak(activity: Record<string, unknown>, signing: { actor: string; headers?: string[]; components?: string[]; keyId?: string }) {
  const body = JSON.stringify(activity);
  const url = `${ORIGIN}/users/me/inbox`;
  const { headers } = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign-weak`, { url, body, ...signing });
  return worker(url, { method: "POST", headers, body });
}

/** Waits until the inbox job for (actor, id) has run, and returns its row. */
async function processed(actor: string, id: string) {
  return waitFor(() =>
    env.DB.prepare("SELECT * FROM inbox_activities WHERE actor_id = ? AND id = ? AND state != 'queued'")
      .bind(actor, id)
      .first<{ state: string; error: string | null; body: string | null; digest: string | null }>(),
  );
}

async function acceptsTo(name: string): Promise<Received[]> {
  return (await peer<Received[]>(`${MASTODON}/__control/received`)).filter((r) => r.activity.type === "Accept" && r.path === `/users/${name}/inbox`);
}

/** Makes `name` an accepted follower directly (the handshake itself is tested elsewhere). */
async function seedFollower(name: string, followId = `${MASTODON}/${uid()}`) {
  await env.DB.prepare("INSERT OR REPLACE INTO followers (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')")
    .bind(account(name), `${account(name)}/inbox`, followId)
    .run();
  return followId;
}

async function seedActor(id: string, extra: { inbox?: string; alsoKnownAs?: string[] } = {}) {
  await env.DB.prepare(
    "INSERT OR REPLACE INTO remote_actors (id, type, inbox, also_known_as, document, fetched_at) VALUES (?, 'Person', ?, ?, '{}', ?)",
  )
    .bind(id, extra.inbox ?? `${id}/inbox`, JSON.stringify(extra.alsoKnownAs ?? []), Date.now())
    .run();
}

beforeAll(async () => {
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
  await env.DB.prepare("INSERT OR IGNORE INTO objects (id, type, visibility, document, published) VALUES (?, 'Note', 'public', '{}', 1)").bind(OUR_POST).run();
});

afterEach(() => {
  INBOX_BUDGET.perActorPerMinute = 300;
  INBOX_BUDGET.perHostPerMinute = 3_000;
  resetBudgets();
});

describe("rule 1: storage cannot be flooded", () => {
  it.each(["Listen", "Dislike", "ChatMessage"])("an activity of a type no handler takes (%s) gets 202 and stores nothing", async (type) => {
    const before = await snapshot();
    const id = `${account("flooder")}/${type}/${uid()}`;
    const res = await deliverFromMastodon({ "@context": AS, id, type, actor: account("flooder"), object: OUR_POST }, { actor: "flooder" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ result: "ignored" });
    expect(await snapshot()).toEqual(before);
    expect(loggedEvents("inbox.processed").some((e) => e.id === id)).toBe(false);
  });

  it("a processed activity keeps its id, actor, digest and time, not its body", async () => {
    const id = `${account("liker")}/likes/${uid()}`;
    const res = await deliverFromMastodon({ "@context": AS, id, type: "Like", actor: account("liker"), object: OUR_POST }, { actor: "liker" });
    expect(res.status).toBe(202);
    const row = await processed(account("liker"), id);
    expect(row).toMatchObject({ state: "done", body: null });
    expect(row.digest).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it("the cron trigger prunes idempotency rows and unreferenced remote data past their retention", async () => {
    const old = Date.now() - 15 * 86_400_000;
    await env.DB.prepare("INSERT INTO inbox_activities (actor_id, id, type, state, received_at) VALUES (?, ?, 'Like', 'done', ?)")
      .bind(account("pruned"), `${account("pruned")}/old`, old)
      .run();
    await env.DB.prepare("INSERT INTO inbox_activities (actor_id, id, type, state) VALUES (?, ?, 'Like', 'done')").bind(account("pruned"), `${account("pruned")}/new`).run();
    await env.DB.prepare("INSERT INTO remote_actors (id, type, inbox, document, fetched_at) VALUES (?, 'Person', ?, '{}', ?)")
      .bind("https://stale.test/users/x", "https://stale.test/users/x/inbox", Date.now() - 31 * 86_400_000)
      .run();
    await env.DB.prepare("INSERT INTO remote_objects (id, actor_id, type, document, published) VALUES (?, ?, 'Note', '{}', ?)")
      .bind("https://stale.test/notes/1", "https://stale.test/users/x", Date.now() - 31 * 86_400_000)
      .run();
    await worker_.scheduled!(createScheduledController({ cron: "17 3 * * *", scheduledTime: Date.now() }), env as never);
    expect(await count("inbox_activities", "actor_id = ?", account("pruned"))).toBe(1);
    expect(await count("remote_objects", "id = ?", "https://stale.test/notes/1")).toBe(0);
    expect(await count("remote_actors", "id = ?", "https://stale.test/users/x")).toBe(0);
    expect(loggedEvents("maintenance.pruned").at(-1)).toMatchObject({ inboxActivities: 1, remoteObjects: 1, remoteActors: 1 });
  });

  it("a sender over its per-minute budget gets 429 with Retry-After, and the extra activity is not stored", async () => {
    INBOX_BUDGET.perActorPerMinute = 3;
    resetBudgets();
    const like = () => ({ "@context": AS, id: `${account("burst")}/likes/${uid()}`, type: "Like", actor: account("burst"), object: OUR_POST });
    for (let i = 0; i < 3; i++) expect((await deliverFromMastodon(like(), { actor: "burst" })).status).toBe(202);
    await waitFor(async () => (await count("inbox_activities", "actor_id = ? AND state = 'queued'", account("burst"))) === 0);
    const before = await snapshot();
    const extra = like();
    const res = await deliverFromMastodon(extra, { actor: "burst" });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(Number(res.headers.get("Retry-After"))).toBeLessThanOrEqual(60);
    expect(await snapshot()).toEqual(before);
    // Another actor on the same host still has its own budget.
    expect((await deliverFromMastodon({ ...like(), id: `${account("calm")}/likes/${uid()}`, actor: account("calm") }, { actor: "calm" })).status).toBe(202);
  });
});

describe("rule 2: ids cannot be pre-claimed or spoofed", () => {
  it("an activity whose id is not on its actor's host is refused", async () => {
    await seedFollower("victim");
    const before = await snapshot();
    const res = await deliverFromMastodon(
      { "@context": AS, id: `https://victim.test/users/v#delete/${uid()}`, type: "Like", actor: account("mallory"), object: OUR_POST },
      { actor: "mallory" },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/not on the actor's host/);
    expect(await snapshot()).toEqual(before);
  });

  it("an id used first by another actor does not make the real actor's Undo a duplicate", async () => {
    const followId = await seedFollower("dana");
    const undoId = `${followId}/undo`;
    // Mallory, on the same server, sends something with the id Dana's Undo will have.
    expect((await deliverFromMastodon({ "@context": AS, id: undoId, type: "Like", actor: account("mallory"), object: OUR_POST }, { actor: "mallory" })).status).toBe(202);
    const undo = { "@context": AS, id: undoId, type: "Undo", actor: account("dana"), object: { id: followId, type: "Follow", actor: account("dana"), object: ACTOR } };
    const res = await deliverFromMastodon(undo, { actor: "dana" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ result: "queued" });
    await waitFor(async () => (await count("followers", "actor_id = ?", account("dana"))) === 0);
  });

  it("a document reached through a redirect to another origin is refused, so an open redirect cannot mint the victim's ids", async () => {
    // The victim's server has an open redirect; the attacker's server answers with an actor whose id is the redirect URL.
    const redirect = `https://remote.test/redirect/${uid()}`;
    const planted = `https://other.test/planted/${uid()}`;
    await peer("https://remote.test/__setup", {
      routes: {
        [redirect]: { status: 302, headers: { Location: planted } },
        [planted]: { json: { "@context": AS, id: redirect, type: "Person", inbox: "https://other.test/inbox" } },
      },
    });
    const { fetchActivityDocument } = await import("../src/federation/fetch.ts");
    const s = createServices(env);
    const result = await fetchActivityDocument(redirect, s.fetcher);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/redirected to another origin/) });
    // Through the inbox: a Follow by the "actor" at the redirect URL is not accepted.
    const { getRemoteActor } = await import("../src/federation/remote-actors.ts");
    expect((await getRemoteActor(s.db, s.fetcher, redirect)).ok).toBe(false);
    expect(await count("remote_actors", "id = ?", redirect)).toBe(0);
  });
});

describe("rule 3: ids are canonical", () => {
  it.each([
    ["upper-case host and default port", "https://MASTODON.test:443/users/spelled"],
    ["dot segments", "https://mastodon.test/users/x/../spelled"],
    ["trailing dot on the host", "https://mastodon.test./users/spelled"],
    ["escaped unreserved characters", "https://mastodon.test/users/sp%65lled"],
  ])("a blocked actor cannot get in with another spelling of its id (%s)", async (_name, spelling) => {
    await env.DB.prepare("INSERT OR IGNORE INTO blocks (kind, value) VALUES ('actor', ?)").bind(account("spelled")).run();
    const before = await snapshot();
    const activity = { "@context": AS, id: `${account("spelled")}/likes/${uid()}`, type: "Like", actor: spelling, object: OUR_POST };
    const res = await deliverFromMastodon(activity, { actor: "spelled" });
    expect(res.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("an id with a control character is refused, not silently stripped", async () => {
    const before = await snapshot();
    const activity = { "@context": AS, id: `${account("ctl")}/likes/${uid()}`, type: "Like", actor: `${MASTODON}/users/c\ttl`, object: OUR_POST };
    const res = await deliverFromMastodon(activity, { actor: "ctl" });
    expect(res.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it("removing a follower by another spelling of its id removes the stored one", async () => {
    await seedFollower("spelling");
    await seedActor(account("spelling")); // the Reject's delivery finds the inbox here, without a fetch that a later test would see
    expect(await removeFollower(createServices(env), "https://Mastodon.Test:443/users/./spelling")).toBe(true);
    expect(await count("followers", "actor_id = ?", account("spelling"))).toBe(0);
  });

  it("a domain block also covers the signing key's host and the key owner's host", async () => {
    const keyOwner = `https://remote.test/users/${uid()}`;
    const doc = (await (await fetch(account("keyholder"), { headers: { Accept: AP } })).json()) as { publicKey: { publicKeyPem: string } };
    await peer("https://remote.test/__setup", {
      routes: { [keyOwner]: { json: { "@context": AS, id: keyOwner, type: "Person", inbox: `${keyOwner}/inbox`, publicKey: { id: `${keyOwner}#main-key`, owner: keyOwner, publicKeyPem: doc.publicKey.publicKeyPem } } } },
    });
    await env.DB.prepare("INSERT OR IGNORE INTO blocks (kind, value) VALUES ('domain', 'remote.test')").run();
    try {
      const before = await snapshot();
      const like = { "@context": AS, id: `${account("fronted")}/likes/${uid()}`, type: "Like", actor: account("fronted"), object: OUR_POST };
      const res = await deliverWeak(like, { actor: "keyholder", keyId: `${keyOwner}#main-key` });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/signing key/);
      expect({ ...(await snapshot()), remote_actors: before.remote_actors }).toEqual(before);
    } finally {
      await env.DB.prepare("DELETE FROM blocks WHERE kind = 'domain' AND value = 'remote.test'").run();
    }
  });
});

describe("rule 4: key fetching cannot be amplified", () => {
  async function hits(url: string): Promise<number> {
    return (await peer<{ hits: unknown[] }>(`https://remote.test/__hits?url=${encodeURIComponent(url)}`)).hits.length;
  }

  async function peerPem(): Promise<string> {
    const doc = (await (await fetch(account("keyholder"), { headers: { Accept: AP } })).json()) as { publicKey: { publicKeyPem: string } };
    return doc.publicKey.publicKeyPem;
  }

  function likeBy(actor: string) {
    return { "@context": AS, id: `${actor}/likes/${uid()}`, type: "Like", actor, object: OUR_POST };
  }

  it("an unknown (404) key is fetched once and then remembered, not fetched on every request", async () => {
    const actor = `https://remote.test/users/${uid()}`;
    const keyId = `${actor}#main-key`;
    const before = await snapshot();
    for (let i = 0; i < 3; i++) expect((await deliverWeak(likeBy(actor), { actor: "keyholder", keyId })).status).toBe(401);
    expect(await hits(actor)).toBe(1);
    expect({ ...(await snapshot()) }).toEqual(before);
  });

  it("a key that does not verify is refetched at most once per interval", async () => {
    const actor = `https://remote.test/users/${uid()}`;
    const { publicKeyPem: wrongPem } = await ourPublicKey();
    await peer("https://remote.test/__setup", {
      routes: { [actor]: { json: { "@context": AS, id: actor, type: "Person", inbox: `${actor}/inbox`, publicKey: { id: `${actor}#main-key`, owner: actor, publicKeyPem: wrongPem } } } },
    });
    for (let i = 0; i < 3; i++) expect((await deliverWeak(likeBy(actor), { actor: "keyholder", keyId: `${actor}#main-key` })).status).toBe(401);
    expect(await hits(actor)).toBe(1);
    expect(await count("inbox_activities", "actor_id = ?", actor)).toBe(0);
  });

  it("a key id without a fragment is found by index after the first fetch", async () => {
    const actor = `https://remote.test/users/${uid()}`;
    const keyId = `${actor}/main-key`;
    const publicKeyPem = await peerPem();
    await peer("https://remote.test/__setup", {
      routes: {
        [keyId]: { json: { "@context": AS, id: keyId, type: "Key", owner: actor, publicKeyPem } },
        [actor]: { json: { "@context": AS, id: actor, type: "Person", inbox: `${actor}/inbox`, publicKey: { id: keyId, owner: actor, publicKeyPem } } },
      },
    });
    expect((await deliverWeak(likeBy(actor), { actor: "keyholder", keyId })).status).toBe(202);
    expect((await deliverWeak(likeBy(actor), { actor: "keyholder", keyId })).status).toBe(202);
    expect(await hits(keyId)).toBe(1);
    expect(await count("remote_actor_keys", "key_id = ? AND actor_id = ?", keyId, actor)).toBe(1);
  });

  it("a key document naming an owner on another origin is not followed", async () => {
    const actor = `https://other.test/users/${uid()}`;
    const keyId = `https://remote.test/keys/${uid()}`;
    const publicKeyPem = await peerPem();
    await peer("https://remote.test/__setup", {
      routes: {
        [keyId]: { json: { "@context": AS, id: keyId, type: "Key", owner: actor, publicKeyPem } },
        [actor]: { json: { "@context": AS, id: actor, type: "Person", inbox: `${actor}/inbox`, publicKey: { id: keyId, owner: actor, publicKeyPem } } },
      },
    });
    const before = await snapshot();
    expect((await deliverWeak(likeBy(actor), { actor: "keyholder", keyId })).status).toBe(401);
    expect(await hits(actor)).toBe(0);
    expect(await snapshot()).toEqual(before);
  });
});

describe("rule 5: relationship activities mean what they say", () => {
  it("Undo{Follow} of a Follow of someone else does not remove the follower", async () => {
    await seedFollower("erin");
    const id = `${account("erin")}/undo/${uid()}`;
    const undo = { "@context": AS, id, type: "Undo", actor: account("erin"), object: { id: `${MASTODON}/${uid()}`, type: "Follow", actor: account("erin"), object: account("carol") } };
    expect((await deliverFromMastodon(undo, { actor: "erin" })).status).toBe(202);
    expect(await processed(account("erin"), id)).toMatchObject({ state: "ignored" });
    expect(await count("followers", "actor_id = ?", account("erin"))).toBe(1);
  });

  it("Accept of our Follow counts only when sent by the account we followed", async () => {
    const ourFollow = `${ORIGIN}/activities/${uid()}`;
    await env.DB.prepare("INSERT INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'pending')")
      .bind(account("target"), `${account("target")}/inbox`, ourFollow)
      .run();
    const id = `${account("mallory")}/accepts/${uid()}`;
    const accept = { "@context": AS, id, type: "Accept", actor: account("mallory"), object: { id: ourFollow, type: "Follow", actor: ACTOR, object: account("target") } };
    expect((await deliverFromMastodon(accept, { actor: "mallory" })).status).toBe(202);
    expect(await processed(account("mallory"), id)).toMatchObject({ state: "ignored" });
    expect(await count("following", "actor_id = ? AND state = 'pending'", account("target"))).toBe(1);
  });

  it("a Move whose target does not list the account in alsoKnownAs records nothing", async () => {
    await seedFollower("mover");
    const before = await snapshot();
    const id = `${account("mover")}/moves/${uid()}`;
    // mastodon.test/users/newhome lists only https://old.example/users/newhome.
    const move = { "@context": AS, id, type: "Move", actor: account("mover"), object: account("mover"), target: account("newhome") };
    expect((await deliverFromMastodon(move, { actor: "mover" })).status).toBe(202);
    expect(await processed(account("mover"), id)).toMatchObject({ state: "ignored" });
    expect(await count("followers", "actor_id = ? AND moved_to IS NOT NULL", account("mover"))).toBe(0);
    expect(await count("notifications", "type = 'move' AND actor_id = ?", account("mover"))).toBe(0);
    expect(await count("account_moves", "actor_id = ?", account("mover"))).toBe(0);
    expect((await snapshot()).notifications).toBe(before.notifications);
  });

  it("a verified Move is recorded once; another Move within 7 days records nothing", async () => {
    await seedFollower("nomad");
    await seedActor("https://mastodon.test/users/nomad2", { alsoKnownAs: [account("nomad")] });
    await seedActor("https://mastodon.test/users/nomad3", { alsoKnownAs: [account("nomad")] });
    const first = `${account("nomad")}/moves/${uid()}`;
    await deliverFromMastodon({ "@context": AS, id: first, type: "Move", actor: account("nomad"), object: account("nomad"), target: account("nomad2") }, { actor: "nomad" });
    expect(await processed(account("nomad"), first)).toMatchObject({ state: "done" });
    expect(await count("notifications", "type = 'move' AND actor_id = ?", account("nomad"))).toBe(1);
    const before = await snapshot();
    const second = `${account("nomad")}/moves/${uid()}`;
    await deliverFromMastodon({ "@context": AS, id: second, type: "Move", actor: account("nomad"), object: account("nomad"), target: account("nomad3") }, { actor: "nomad" });
    expect(await processed(account("nomad"), second)).toMatchObject({ state: "ignored", error: expect.stringMatching(/7 days/) });
    expect(await count("followers", "actor_id = ? AND moved_to = ?", account("nomad"), account("nomad2"))).toBe(1);
    const after = await snapshot();
    expect({ ...after, inbox_activities: before.inbox_activities }).toEqual(before);
  });

  it("a repeated Follow from a current follower re-sends the Accept at most once an hour", async () => {
    await peer(`${MASTODON}/__control/reset`, {});
    await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
    const first = follow("repeat");
    await deliverFromMastodon(first, { actor: "repeat" });
    await waitFor(async () => (await acceptsTo("repeat")).length === 1);
    const again = follow("repeat");
    await deliverFromMastodon(again, { actor: "repeat" });
    expect(await processed(account("repeat"), again.id)).toMatchObject({ state: "ignored", error: expect.stringMatching(/less than an hour/) });
    expect(await count("activities", "type = 'Accept' AND instr(document, ?) > 0", again.id)).toBe(0);
    expect(await acceptsTo("repeat")).toHaveLength(1);
  });
});

describe("rule 6: we never receive ourselves", () => {
  it("an activity whose actor is on our origin is refused", async () => {
    const before = await snapshot();
    const res = await deliverFromMastodon({ "@context": AS, id: `${ORIGIN}/activities/${uid()}`, type: "Like", actor: ACTOR, object: OUR_POST }, { actor: "mallory" });
    expect(res.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("our host is the host name and port, at either scheme: another port is another server", async () => {
    const { onOurOrigin } = await import("../src/domain/own-origin.ts");
    const s = createServices(env);
    expect(["https://roost.test/inbox", "http://roost.test/users/me", "https://ROOST.test:443/x", "https://roost.test./x"].map((u) => onOurOrigin(s, u))).toEqual([true, true, true, true]);
    expect(["https://roost.test:8443/inbox", "https://other.roost.test/inbox", "https://mastodon.test/inbox"].map((u) => onOurOrigin(s, u))).toEqual([false, false, false]);
  });

  it("an activity signed with a key on our origin is refused", async () => {
    const before = await snapshot();
    const activity = { "@context": AS, id: `${account("mallory")}/likes/${uid()}`, type: "Like", actor: account("mallory"), object: OUR_POST };
    const res = await deliverWeak(activity, { actor: "mallory", keyId: `${ACTOR}#main-key` });
    expect(res.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("a follower whose inbox is on our origin is neither stored nor sent an Accept", async () => {
    // First contact caches the account (and its key) as its server serves it.
    const like = { "@context": AS, id: `${account("loop")}/likes/${uid()}`, type: "Like", actor: account("loop"), object: OUR_POST };
    expect((await deliverFromMastodon(like, { actor: "loop" })).status).toBe(202);
    await processed(account("loop"), like.id);
    // Now the cached account claims inboxes on our origin (as a crafted actor document could).
    await env.DB.prepare("UPDATE remote_actors SET inbox = ?, shared_inbox = ? WHERE id = ?").bind(`${ORIGIN}/users/me/inbox`, `${ORIGIN}/inbox`, account("loop")).run();
    const before = await snapshot();
    const activity = follow("loop");
    expect((await deliverFromMastodon(activity, { actor: "loop" })).status).toBe(202);
    expect(await processed(account("loop"), activity.id)).toMatchObject({ state: "ignored", error: expect.stringMatching(/own origin/) });
    expect({ ...(await snapshot()), inbox_activities: before.inbox_activities }).toEqual(before);
    expect(await count("followers", "inbox LIKE ? OR shared_inbox LIKE ?", `${ORIGIN}%`, `${ORIGIN}%`)).toBe(0);
  });
});

describe("rule 7: signatures bind the request", () => {
  const like = () => ({ "@context": AS, id: `${account("weak")}/likes/${uid()}`, type: "Like", actor: account("weak"), object: OUR_POST });

  it.each([
    ["without (request-target)", ["host", "date", "digest"]],
    ["without host", ["(request-target)", "date", "digest"]],
    ["without digest", ["(request-target)", "host", "date"]],
    ["without date or (created)", ["(request-target)", "host", "digest"]],
  ])("a draft-cavage POST signed %s is refused", async (_name, headers) => {
    const before = await snapshot();
    const res = await deliverWeak(like(), { actor: "weak", headers });
    expect(res.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["without content-digest", ["@method", "@target-uri"]],
    ["without @method", ["@target-uri", "content-digest"]],
    ["with @authority but no @path", ["@method", "@authority", "content-digest"]],
  ])("an RFC 9421 POST signed %s is refused", async (_name, components) => {
    const before = await snapshot();
    const res = await deliverWeak(like(), { actor: "weak", components });
    expect(res.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it("the full sets are accepted: draft-cavage (request-target) host date digest, RFC 9421 @method @authority @path content-digest", async () => {
    expect((await deliverWeak(like(), { actor: "weak" })).status).toBe(202);
    expect((await deliverWeak(like(), { actor: "weak", components: ["@method", "@authority", "@path", "content-digest"] })).status).toBe(202);
  });

  it("unsigned GETs stay public", async () => {
    expect((await worker("/users/me", { headers: { Accept: AP } })).status).toBe(200);
  });
});

describe("rule 10: poison input", () => {
  it("JSON nested deeper than the bound is refused with 400 before any handler runs", async () => {
    const before = await snapshot();
    const deep = `{"type":"Like","actor":"${account("deep")}","object":${"[".repeat(40)}1${"]".repeat(40)}}`;
    const { headers } = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, {
      method: "POST",
      url: `${ORIGIN}/users/me/inbox`,
      body: deep,
      actor: "deep",
      variant: "main",
    });
    const res = await worker("/users/me/inbox", { method: "POST", headers, body: deep });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/nests deeper/);
    expect(await snapshot()).toEqual(before);
  });

  it("a job that fails for a reason that will not change is marked failed with the reason, not retried", async () => {
    await seedFollower("wanderer");
    const id = `${account("wanderer")}/moves/${uid()}`;
    // The target answers 404: fetching it again will not help.
    const move = { "@context": AS, id, type: "Move", actor: account("wanderer"), object: account("wanderer"), target: `${MASTODON}/nobody/here` };
    expect((await deliverFromMastodon(move, { actor: "wanderer" })).status).toBe(202);
    const row = await processed(account("wanderer"), id);
    expect(row).toMatchObject({ state: "failed", body: null, error: expect.stringMatching(/404/) });
    expect(loggedEvents("queue.job_failed").some((e) => String(e.error).includes("nobody/here"))).toBe(false);
  });

  it("a stored job whose follower is gone for good is failed, while an unreachable one is retried", async () => {
    const s = createServices(env);
    const gone = { id: `${MASTODON}/${uid()}`, type: "Follow", actor: `${MASTODON}/nobody/y`, object: ACTOR };
    await env.DB.prepare("INSERT INTO inbox_activities (actor_id, id, type, body, state) VALUES (?, ?, 'Follow', ?, 'queued')")
      .bind(gone.actor, gone.id, JSON.stringify(gone))
      .run();
    await processInboxActivity({ kind: "inbox", id: gone.id, actor: gone.actor }, s);
    expect(await count("inbox_activities", "id = ? AND state = 'failed' AND error LIKE '%404%'", gone.id)).toBe(1);
  });
});

describe("rule 9: HTML responses and owner forms", () => {
  it.each(["/@me", "/authorize_interaction?uri=acct:carol@mastodon.test"])("%s carries CSP that runs only the page's own script (by hash), frame-ancestors 'none', nosniff and Referrer-Policy", async (path) => {
    const res = await worker(path, { headers: { Accept: "text/html" } });
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+';/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Referrer-Policy")).toBe("same-origin");
  });

  it("the follow form posted from another site is refused and follows nobody, even with the right token", async () => {
    const before = await snapshot();
    for (const headers of [{ Origin: "https://evil.test" }, { "Sec-Fetch-Site": "cross-site" }] as Record<string, string>[]) {
      const res = await worker("/authorize_interaction", {
        method: "POST",
        headers,
        body: new URLSearchParams({ uri: "@carol@mastodon.test", token: "test-owner-token-0123456789" }),
      });
      expect(res.status).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
  });
});
