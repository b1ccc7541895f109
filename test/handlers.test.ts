import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../src/db/client.ts";
import { handleActivity, processInboxActivity } from "../src/inbox/process.ts";
import { createServices } from "../src/runtime/services.ts";
import type { Services } from "../src/services.ts";
import { normalizeActivity, normalizeActor } from "../src/federation/normalize.ts";
import { upsertRemoteActor } from "../src/federation/remote-actors.ts";
import { ACTOR, count, ORIGIN } from "./helpers.ts";

const fixtures = import.meta.glob<Record<string, any>>("./fixtures/activitypub/*.json", { eager: true, import: "default" });
const ACTOR_TYPES = new Set(["Person", "Service", "Group", "Organization", "Application"]);
// An activity is what has an actor; actor documents, bare objects and signature vectors are not.
const activityFixtures = Object.entries(fixtures).filter(
  ([name, doc]) => !name.includes("sigvec") && !ACTOR_TYPES.has(doc.type) && doc.actor !== undefined,
);
const OUR_POST = `${ORIGIN}/objects/fixture-post`;
// The fixtures address a node at node.example: pointing them at us keeps their real shapes.
const FIXTURE_ACTOR = "https://node.example/users/me";
const FIXTURE_POST = "https://node.example/notes/01J5Z8Q6W3E4R5T6Y7U8I9O0P1";

let ctx: Services;

function fixture(name: string): any {
  return structuredClone(fixtures[`./fixtures/activitypub/${name}.json`]!);
}

function retargeted(name: string): any {
  return JSON.parse(JSON.stringify(fixture(name)).replaceAll(FIXTURE_ACTOR, ACTOR).replaceAll(FIXTURE_POST, OUR_POST));
}

async function seedActor(id: string, extra: Record<string, unknown> = {}) {
  const actor = normalizeActor({ id, type: "Person", inbox: `${id}/inbox`, ...extra });
  if (!actor.ok) throw new Error(actor.reason);
  await upsertRemoteActor(database(env.DB), actor.value);
}

async function handle(doc: unknown) {
  const activity = normalizeActivity(doc);
  if (!activity.ok) throw new Error(activity.reason);
  return handleActivity(activity.value, ctx);
}

beforeAll(async () => {
  ctx = createServices(env);
  for (const [, doc] of activityFixtures) {
    const actor = normalizeActivity(doc);
    if (actor.ok) await seedActor(actor.value.actor);
    // A Move counts only when its target confirms it (alsoKnownAs lists the old account).
    if (actor.ok && actor.value.type === "Move" && actor.value.target) await seedActor(actor.value.target.id, { alsoKnownAs: [actor.value.actor] });
  }
  await env.DB.prepare("INSERT INTO objects (id, type, visibility, document, published) VALUES (?, 'Note', 'public', '{}', 1)").bind(OUR_POST).run();
});

describe("every activity fixture", () => {
  it("covers every activity fixture", () => {
    expect(activityFixtures.length).toBeGreaterThanOrEqual(40);
  });

  it.each(activityFixtures.map(([name, doc]) => [name.split("/").pop()!, doc] as const))("%s is handled or deliberately ignored, without throwing", async (_name, doc) => {
    const activity = normalizeActivity(doc);
    expect(activity.ok).toBe(true);
    if (!activity.ok) return;
    const result = await handleActivity(activity.value, ctx);
    if (result.outcome === "ignored") expect(result.reason).toMatch(/\w/);
    else expect(result).toEqual({ outcome: "done" });
  });

  it("a follower whose server cannot be reached is an error the queue retries, not a crash", async () => {
    const doc = { id: "https://unreachable.test/follows/1", type: "Follow", actor: "https://unreachable.test/users/zed", object: ACTOR };
    await expect(handle(doc)).rejects.toThrow(/follower could not be fetched/);
    await env.DB.prepare("INSERT INTO inbox_activities (id, actor_id, type, body, state) VALUES (?, ?, 'Follow', ?, 'queued')")
      .bind(doc.id, doc.actor, JSON.stringify(doc))
      .run();
    await expect(processInboxActivity({ kind: "inbox", id: doc.id }, ctx)).rejects.toThrow(/could not be fetched/);
    expect(await count("inbox_activities", "id = ? AND state = 'queued'", doc.id)).toBe(1);
    expect(await count("followers", "actor_id = ?", doc.actor)).toBe(0);
    expect(await count("activities", "instr(document, ?) > 0", doc.id)).toBe(0);
  });
});

describe("handlers, on real shapes retargeted at us", () => {
  it("Follow (Mastodon, Pleroma, Lemmy) stores the follower and queues an Accept with the Follow", async () => {
    for (const name of ["mastodon-follow", "pleroma-follow", "lemmy-follow"]) {
      const doc = { ...fixture(name), object: ACTOR };
      expect(await handle(doc)).toEqual({ outcome: "done" });
      expect(await count("followers", "actor_id = ? AND state = 'accepted'", doc.actor)).toBe(1);
      const accept = await env.DB.prepare("SELECT document FROM activities WHERE type = 'Accept' AND instr(document, ?) > 0").bind(doc.id).first<{ document: string }>();
      expect(JSON.parse(accept!.document).object).toMatchObject({ id: doc.id, type: "Follow" });
    }
  });

  it("Undo{Follow} removes the follower", async () => {
    const follow = { ...fixture("mastodon-follow"), object: ACTOR };
    await handle(follow);
    expect(await handle({ ...fixture("mastodon-undo-follow"), object: follow })).toEqual({ outcome: "done" });
    expect(await count("followers", "actor_id = ?", follow.actor)).toBe(0);
  });

  it("Like, Misskey reaction, EmojiReact and Announce of our post count, Undo removes", async () => {
    const like = { ...fixture("mastodon-like"), object: OUR_POST };
    expect(await handle(like)).toEqual({ outcome: "done" });
    expect(await handle(like)).toMatchObject({ outcome: "ignored" });
    expect(await handle({ ...fixture("misskey-like-custom-emoji"), object: OUR_POST })).toEqual({ outcome: "done" });
    expect(await handle({ ...fixture("pleroma-emoji-react"), object: OUR_POST })).toEqual({ outcome: "done" });
    expect(await handle({ ...fixture("mastodon-announce"), object: OUR_POST })).toEqual({ outcome: "done" });
    // Misskey's Like with a reaction is an emoji reaction, not a favourite (docs/federation.md).
    expect(await count("reactions", "object_id = ? AND type = 'Like'", OUR_POST)).toBe(1);
    expect(await count("reactions", "object_id = ? AND type = 'EmojiReact'", OUR_POST)).toBe(2);
    expect(await count("reactions", "object_id = ? AND type = 'Announce'", OUR_POST)).toBe(1);
    expect(await count("notifications", "object_id = ? AND type = 'reaction'", OUR_POST)).toBe(2);
    const misskey = fixture("misskey-like-custom-emoji");
    expect(await count("reactions", "activity_id = ? AND type = 'EmojiReact' AND content = ':hanapog:' AND emoji_url IS NOT NULL", misskey.id)).toBe(1);
    const pleroma = fixture("pleroma-emoji-react");
    expect(await count("reactions", "activity_id = ? AND content = '👌'", pleroma.id)).toBe(1);
    expect(await handle({ ...fixture("mastodon-undo-like"), object: like })).toEqual({ outcome: "done" });
    expect(await count("reactions", "activity_id = ?", like.id)).toBe(0);
    expect(await count("notifications", "activity_id = ?", like.id)).toBe(0);
  });

  it("Undo{Announce} removes the boost", async () => {
    const undo = retargeted("mastodon-undo-announce");
    undo.object.id = `${undo.object.id}-again`;
    const announce = undo.object;
    expect(await handle(announce)).toEqual({ outcome: "done" });
    expect(await count("reactions", "activity_id = ? AND type = 'Announce'", announce.id)).toBe(1);
    expect(await handle(undo)).toEqual({ outcome: "done" });
    expect(await count("reactions", "activity_id = ?", announce.id)).toBe(0);
  });

  it("a direct post addressed to us and mentioning us is a mention", async () => {
    const create = retargeted("mastodon-create-direct");
    expect(create.object.to).toEqual([ACTOR]);
    expect(await handle(create)).toEqual({ outcome: "done" });
    expect(await count("notifications", "type = 'mention' AND object_id = ?", create.object.id)).toBe(1);
    expect(await handle(create)).toMatchObject({ outcome: "ignored" });
    expect(await count("notifications", "object_id = ?", create.object.id)).toBe(1);
  });

  it("a reply or mention is stored and notified; its edit applies only when newer; Delete removes it", async () => {
    const create = fixture("mastodon-create-reply-mention");
    create.object.inReplyTo = OUR_POST;
    expect(await handle(create)).toEqual({ outcome: "done" });
    expect(await count("remote_objects", "id = ?", create.object.id)).toBe(1);
    expect(await count("notifications", "type = 'reply' AND object_id = ?", create.object.id)).toBe(1);
    const update = { ...fixture("mastodon-update-note"), object: { ...create.object, content: "<p>edited</p>", updated: "2099-01-01T00:00:00Z" } };
    expect(await handle(update)).toEqual({ outcome: "done" });
    expect(await handle({ ...update, object: { ...update.object, updated: "2000-01-01T00:00:00Z" } })).toMatchObject({ outcome: "ignored" });
    const stored = await env.DB.prepare("SELECT document FROM remote_objects WHERE id = ?").bind(create.object.id).first<{ document: string }>();
    expect(JSON.parse(stored!.document).content).toBe("<p>edited</p>");
    expect(await handle({ ...fixture("mastodon-delete-note"), object: { id: create.object.id, type: "Tombstone" } })).toEqual({ outcome: "done" });
    expect(await count("remote_objects", "id = ?", create.object.id)).toBe(0);
  });

  it("a post that neither replies to nor mentions us is ignored", async () => {
    expect(await handle(fixture("pleroma-create-note"))).toMatchObject({ outcome: "ignored" });
  });

  it("Update of an actor refreshes it; an actor may not update another", async () => {
    const update = fixture("mastodon-update-actor");
    expect(await handle(update)).toEqual({ outcome: "done" });
    const row = await env.DB.prepare("SELECT name FROM remote_actors WHERE id = ?").bind(update.actor).first<{ name: string }>();
    expect(row!.name).toBe(update.object.name);
    expect(await handle({ ...update, actor: "https://mastodon.example/users/mallory" })).toMatchObject({ outcome: "ignored" });
  });

  it("Delete of an actor removes the follower, their reactions and notifications", async () => {
    const follow = { ...fixture("mastodon-follow"), object: ACTOR };
    await handle(follow);
    await handle({ ...fixture("mastodon-like"), id: "https://mastodon.example/users/alice#likes/x", object: OUR_POST });
    expect(await handle(fixture("mastodon-delete-actor"))).toEqual({ outcome: "done" });
    for (const table of ["followers", "reactions", "notifications"]) expect(await count(table, "actor_id = ?", follow.actor)).toBe(0);
    expect(await count("remote_actors", "id = ?", follow.actor)).toBe(0);
  });

  it("Block drops the relationship; Move of a follower is recorded", async () => {
    await seedActor("https://mastodon.example/users/alice");
    await env.DB.prepare("DELETE FROM account_moves").run(); // the fixture pass above moved alice already
    await seedActor(fixture("mastodon-move").target, { alsoKnownAs: ["https://mastodon.example/users/alice"] });
    await handle({ ...fixture("mastodon-follow"), object: ACTOR });
    expect(await handle({ ...fixture("mastodon-move"), object: "https://mastodon.example/users/alice" })).toEqual({ outcome: "done" });
    expect(await count("followers", "actor_id = ? AND moved_to = ?", "https://mastodon.example/users/alice", fixture("mastodon-move").target)).toBe(1);
    expect(await count("notifications", "type = 'move' AND object_id = ?", fixture("mastodon-move").target)).toBe(1);
    expect(await handle({ ...fixture("mastodon-block"), object: ACTOR })).toEqual({ outcome: "done" });
    expect(await count("followers", "actor_id = ?", "https://mastodon.example/users/alice")).toBe(0);
  });

  it("Flag about us becomes a report", async () => {
    const flag = fixture("mastodon-flag");
    flag.object = [ACTOR, OUR_POST];
    expect(await handle(flag)).toEqual({ outcome: "done" });
    expect(await count("notifications", "type = 'report'")).toBe(1);
  });

  it("Accept and Reject answer follows we sent", async () => {
    const accept = fixture("mastodon-accept-follow");
    await env.DB.prepare("INSERT INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'pending')")
      .bind(accept.actor, `${accept.actor}/inbox`, accept.object.id)
      .run();
    expect(await handle(accept)).toEqual({ outcome: "done" });
    expect(await count("following", "actor_id = ? AND state = 'accepted'", accept.actor)).toBe(1);
    const reject = { ...fixture("mastodon-reject-follow"), actor: accept.actor, object: accept.object };
    expect(await handle(reject)).toEqual({ outcome: "done" });
    expect(await count("following", "actor_id = ?", accept.actor)).toBe(0);
  });

  it("QuoteRequest and unknown types are ignored", async () => {
    expect(await handle(fixture("mastodon-quote-request"))).toMatchObject({ outcome: "ignored" });
    expect(await handle({ type: "Dislike", actor: "https://x.test/u", object: OUR_POST })).toMatchObject({ outcome: "ignored" });
  });

  it("the same inbox job processed twice has one effect", async () => {
    const doc = { ...fixture("mastodon-real-like"), id: "https://mastodon.madrid/likes/once", object: OUR_POST };
    await env.DB.prepare("INSERT INTO inbox_activities (id, actor_id, type, body, state) VALUES (?, ?, 'Like', ?, 'queued')")
      .bind(doc.id, doc.actor, JSON.stringify(doc))
      .run();
    await processInboxActivity({ kind: "inbox", id: doc.id }, ctx);
    await processInboxActivity({ kind: "inbox", id: doc.id }, ctx);
    expect(await count("reactions", "activity_id = ?", doc.id)).toBe(1);
    expect(await count("inbox_activities", "id = ? AND state = 'done'", doc.id)).toBe(1);
  });
});
