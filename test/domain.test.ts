// The use cases, called as every surface calls them, with a recording outbox: what they store and
// what they send, without HTTP or delivery in between.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { blockActor, blockDomain, isBlocked, unblockActor } from "../src/domain/blocks.ts";
import { decideFollowRequest, followReceived, removeFollower } from "../src/domain/follows.ts";
import { normalizeActivity, normalizeActor, normalizeObject } from "../src/federation/normalize.ts";
import { pruneRemotePosts, storeRemotePost } from "../src/domain/statuses.ts";
import { upsertRemoteActor } from "../src/federation/remote-actors.ts";
import { processInboxActivity } from "../src/inbox/process.ts";
import { log } from "../src/log.ts";
import { createServices } from "../src/runtime/services.ts";
import type { Services } from "../src/services.ts";
import { recordingOutbox } from "./fakes.ts";
import { ACTOR, count } from "./helpers.ts";
import { loggedEvents } from "./log-capture.ts";

const REMOTE = "https://domain.test";

function services(overrides: Partial<Services> = {}) {
  const outbox = recordingOutbox();
  return { s: { ...createServices(env), outbox, ...overrides } as Services, sent: outbox.sent };
}

async function seedActor(name: string, host = REMOTE) {
  const id = `${host}/users/${name}`;
  const actor = normalizeActor({ id, type: "Person", inbox: `${id}/inbox`, endpoints: { sharedInbox: `${host}/inbox` } });
  if (!actor.ok) throw new Error(actor.reason);
  await upsertRemoteActor(createServices(env).db, actor.value);
  return id;
}

function followOf(actor: string) {
  const parsed = normalizeActivity({ id: `${actor}#follows/${crypto.randomUUID()}`, type: "Follow", actor, object: ACTOR });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}

beforeAll(async () => {
  for (const name of ["auto", "asks", "asks2", "blocked"]) await seedActor(name);
  await seedActor("sub", "https://a.sub.domain.test:8443");
});

describe("follows", () => {
  it("an incoming Follow is accepted by the same use case the owner's approval runs", async () => {
    const { s, sent } = services();
    const follow = followOf(`${REMOTE}/users/auto`);
    expect(await followReceived(follow, s)).toEqual({ outcome: "done" });
    expect(sent.map((m) => m.activity.type)).toEqual(["Accept"]);
    expect(sent[0]!.activity).toMatchObject({ to: [follow.actor], object: { id: follow.id, type: "Follow", actor: follow.actor, object: ACTOR } });
    expect(await count("followers", "actor_id = ? AND state = 'accepted'", follow.actor)).toBe(1);
  });

  it("under manual approval the Follow waits; approving sends the Accept, rejecting the Reject", async () => {
    const base = createServices(env);
    const { s, sent } = services({ profile: async () => ({ ...(await base.profile()), manuallyApprovesFollowers: true }) });
    const asks = followOf(`${REMOTE}/users/asks`);
    const asks2 = followOf(`${REMOTE}/users/asks2`);
    await followReceived(asks, s);
    await followReceived(asks2, s);
    expect(sent).toEqual([]);
    expect(await count("notifications", "type = 'follow_request' AND actor_id IN (?, ?)", asks.actor, asks2.actor)).toBe(2);

    expect(await decideFollowRequest(s, asks.actor, true)).toEqual({ ok: true, state: "accepted" });
    expect(await decideFollowRequest(s, asks2.actor, false)).toEqual({ ok: true, state: "rejected" });
    expect(sent.map((m) => [m.activity.type, (m.activity.object as { id: string }).id])).toEqual([
      ["Accept", asks.id],
      ["Reject", asks2.id],
    ]);
    expect(await count("followers", "actor_id = ? AND state = 'accepted'", asks.actor)).toBe(1);
    expect(await count("followers", "actor_id = ?", asks2.actor)).toBe(0);
  });

  it("deciding a request nobody made changes nothing and sends nothing", async () => {
    const { s, sent } = services();
    expect(await decideFollowRequest(s, `${REMOTE}/users/nobody`, true)).toMatchObject({ ok: false, status: 404 });
    expect(await removeFollower(s, `${REMOTE}/users/nobody`)).toBe(false);
    expect(sent).toEqual([]);
  });
});

describe("blocks", () => {
  it("blocking an actor drops the follow and sends Block; unblocking sends the Undo", async () => {
    const { s, sent } = services();
    const actor = `${REMOTE}/users/blocked`;
    await followReceived(followOf(actor), s);
    await blockActor(s, actor);
    expect(await isBlocked(s, actor)).toBe(true);
    expect(await count("followers", "actor_id = ?", actor)).toBe(0);
    expect(await unblockActor(s, actor)).not.toBeNull();
    expect(await unblockActor(s, actor)).toBeNull();
    expect(sent.map((m) => m.activity.type)).toEqual(["Accept", "Block", "Undo"]);
    expect(await isBlocked(s, actor)).toBe(false);
  });

  it("a domain block covers subdomains at any port, and never a path that spells the domain", async () => {
    const { s, sent } = services();
    const sub = "https://a.sub.domain.test:8443/users/sub";
    await followReceived(followOf(sub), s);
    const elsewhere = await seedActor("sub.domain.test", "https://other.test");
    await followReceived(followOf(elsewhere), s);
    expect(await blockDomain(s, "sub.domain.test")).toBe(1);
    expect(await isBlocked(s, sub)).toBe(true);
    expect(await isBlocked(s, elsewhere)).toBe(false);
    expect(await count("followers", "actor_id = ?", elsewhere)).toBe(1);
    expect(sent.filter((m) => m.activity.type !== "Accept")).toEqual([]);
  });
});

describe("the logger", () => {
  it("tests capture events instead of printing them, and secret-looking fields are redacted", () => {
    log("test.event", { ownerToken: "s3cret", authorization: "Bearer x", keyId: "k" });
    expect(loggedEvents("test.event").at(-1)).toEqual({ event: "test.event", ownerToken: "[redacted]", authorization: "[redacted]", keyId: "k" });
  });

  it("a job logs through its services' logger, which a test can replace", async () => {
    const entries: Record<string, unknown>[] = [];
    const { s } = services({ log: (event, fields) => void entries.push({ event, ...fields }) });
    const id = `${REMOTE}/listens/1`;
    const body = JSON.stringify({ id, type: "Listen", actor: `${REMOTE}/users/auto`, object: `${REMOTE}/tracks/1` });
    await env.DB.prepare("INSERT INTO inbox_activities (id, actor_id, type, body, state) VALUES (?, ?, 'Listen', ?, 'queued')")
      .bind(id, `${REMOTE}/users/auto`, body)
      .run();
    await processInboxActivity({ kind: "inbox", id }, s);
    expect(entries).toEqual([{ event: "inbox.processed", id, type: "Listen", outcome: "ignored", reason: "Listen is not handled" }]);
  });
});

describe("remote post retention", () => {
  it("prunes old remote posts nobody touched, and keeps the bookmarked one", async () => {
    const { s } = services();
    const make = (n: number) => {
      const parsed = normalizeObject({ id: `${REMOTE}/notes/${n}`, type: "Note", attributedTo: `${REMOTE}/users/auto`, content: `<p>${n}</p>`, to: ["https://www.w3.org/ns/activitystreams#Public"] });
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.value;
    };
    await storeRemotePost(s, make(1), `${REMOTE}/users/auto`, true);
    await storeRemotePost(s, make(2), `${REMOTE}/users/auto`, true);
    await env.DB.prepare("INSERT INTO bookmarks (id, status_uri) VALUES (1, ?)").bind(`${REMOTE}/notes/2`).run();
    const later = { ...s, now: () => Date.now() + 40 * 86_400_000 };
    expect(await pruneRemotePosts(later)).toBeGreaterThanOrEqual(1);
    expect(await count("statuses", "uri = ?", `${REMOTE}/notes/1`)).toBe(0);
    expect(await count("remote_objects", "id = ?", `${REMOTE}/notes/1`)).toBe(0);
    expect(await count("statuses", "uri = ?", `${REMOTE}/notes/2`)).toBe(1);
    // Nothing is old yet at the real clock.
    await storeRemotePost(s, make(3), `${REMOTE}/users/auto`, true);
    expect(await pruneRemotePosts(s)).toBe(0);
  });
});
