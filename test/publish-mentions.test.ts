// Mentions, direct messages, replies and follows against a small Node-side server (social.test)
// whose actor ids differ from their profile pages.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTOR, AP, count, owner, peer, postStatus, waitFor, worker } from "./helpers.ts";

const SOCIAL = "https://social.test";
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const FOLLOWERS = `${ACTOR}/followers`;
const actorOf = (name: string) => `${SOCIAL}/ap/users/${name}`;

interface Arrival {
  path: string;
  activity: Record<string, any>;
}

function arrivalOf(type: string, objectId: string) {
  return waitFor(async () => {
    const received = await peer<Arrival[]>(`${SOCIAL}/__received`);
    return received.find((r) => r.activity.type === type && (r.activity.object?.id ?? r.activity.object) === objectId) ?? null;
  });
}

/** A Markdown post through the Mastodon API, as the CLI sends one. */
async function post(params: Record<string, unknown>) {
  const { id, uri } = await postStatus({ content_type: "text/markdown", ...params });
  return { id, objectId: uri };
}

/** The status id of a post found by its URL (search with resolve, as the CLI's --reply-to). */
async function statusIdOf(url: string): Promise<string> {
  const found = (await (await owner(`/api/v2/search?${new URLSearchParams({ q: url, resolve: "true", type: "statuses" })}`)).json()) as { statuses: { id: string }[] };
  return found.statuses[0]!.id;
}

async function storedNote(objectId: string) {
  const row = await env.DB.prepare("SELECT document FROM objects WHERE id = ?").bind(objectId).first<{ document: string }>();
  return JSON.parse(row!.document);
}

beforeAll(async () => {
  await peer(`${SOCIAL}/__setup`, {
    accounts: ["ana", "ben", "cleo", "dan", "eve", "fay"],
    notes: [{ id: "/notes/1", author: "cleo" }],
  });
});

describe("mentions", () => {
  it("resolves @user@host by WebFinger into a Mention tag and Mastodon's h-card; unknown ones stay text", async () => {
    const { objectId } = await post({ status: "hi @ana@social.test and @ghost@social.test #Tag" });
    const note = await storedNote(objectId);
    expect(note.tag).toEqual([
      { type: "Mention", href: actorOf("ana"), name: "@ana@social.test" },
      { type: "Hashtag", href: "https://roost.test/tags/tag", name: "#Tag" },
    ]);
    expect(note.content).toBe(
      '<p>hi <span class="h-card" translate="no"><a href="https://social.test/@ana" class="u-url mention">@<span>ana</span></a></span>' +
        ' and @ghost@social.test <a href="https://roost.test/tags/tag" class="mention hashtag" rel="tag">#<span>Tag</span></a></p>',
    );
    expect(note).toMatchObject({ to: [PUBLIC], cc: [FOLLOWERS, actorOf("ana")] });
    const create = await arrivalOf("Create", objectId);
    expect(create.path).toBe("/inbox");
  });

  it("addresses a direct post to the mentioned only, and does not serve it", async () => {
    const { objectId } = await post({ status: "@ben@social.test just between us", visibility: "direct" });
    const create = await arrivalOf("Create", objectId);
    expect(create.activity).toMatchObject({ to: [actorOf("ben")], cc: [] });
    expect(create.activity.object).toMatchObject({ to: [actorOf("ben")], cc: [] });
    expect((await worker(new URL(objectId).pathname, { headers: { Accept: AP } })).status).toBe(404);
  });

  it("puts the mentioned in cc of a followers-only post", async () => {
    const { objectId } = await post({ status: "@ben@social.test for followers", visibility: "private" });
    expect(await storedNote(objectId)).toMatchObject({ to: [FOLLOWERS], cc: [actorOf("ben")] });
  });

  it("sends an edit to someone the edit no longer mentions", async () => {
    const { id, objectId } = await post({ status: "@fay@social.test hello", visibility: "direct" });
    const edit = await owner(`/api/v1/statuses/${id}`, { method: "PUT", body: JSON.stringify({ status: "hello (edited)" }) });
    expect(edit.status).toBe(200);
    const update = await arrivalOf("Update", objectId);
    expect(update.activity.object).toMatchObject({ to: [actorOf("fay")], tag: [], content: "<p>hello (edited)</p>" });
  });
});

describe("replies", () => {
  it("replies to a remote post with its author in cc, delivered to their server", async () => {
    const parent = `${SOCIAL}/notes/1`;
    const { objectId } = await post({ status: "good point", in_reply_to_id: await statusIdOf(parent), visibility: "unlisted" });
    const create = await arrivalOf("Create", objectId);
    expect(create.activity.object).toMatchObject({ inReplyTo: parent, to: [FOLLOWERS], cc: [PUBLIC, actorOf("cleo")] });
  });

  it("replies to our own post without addressing ourselves", async () => {
    const first = await post({ status: "a thread" });
    const reply = await post({ status: "continued", in_reply_to_id: await statusIdOf(first.objectId) });
    expect(await storedNote(reply.objectId)).toMatchObject({ inReplyTo: first.objectId, to: [PUBLIC], cc: [FOLLOWERS] });
  });
});

describe("following", () => {
  it("follows @user@host (pending until Accept) and unfollows with an Undo of that Follow", async () => {
    const account = (await (await owner("/api/v1/accounts/lookup?acct=dan@social.test")).json()) as { id: string; uri: string };
    const actorId = account.uri;
    expect(actorId).toBe(actorOf("dan"));
    const res = await owner(`/api/v1/accounts/${account.id}/follow`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ following: false, requested: true });
    const row = await env.DB.prepare("SELECT follow_activity_id AS id FROM following WHERE actor_id = ? AND state = 'pending'").bind(actorId).first<{ id: string }>();
    const activityId = row!.id;
    const sent = await arrivalOf("Follow", actorId);
    expect(sent).toMatchObject({ path: "/ap/users/dan/inbox", activity: { id: activityId, actor: ACTOR } });

    const undo = await owner(`/api/v1/accounts/${account.id}/unfollow`, { method: "POST" });
    expect(undo.status).toBe(200);
    expect(await count("following", "actor_id = ?", actorId)).toBe(0);
    const undone = await arrivalOf("Undo", activityId);
    expect(undone.activity.object).toMatchObject({ id: activityId, type: "Follow", actor: ACTOR, object: actorId });
  });

  it("follows an actor URL through C2S and undoes it by the Follow's id", async () => {
    const res = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Follow", object: actorOf("eve") }) });
    expect(res.status).toBe(201);
    const followId = res.headers.get("Location")!;
    await arrivalOf("Follow", actorOf("eve"));
    const undo = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Undo", object: followId }) });
    expect(undo.status).toBe(201);
    expect(await count("following", "actor_id = ?", actorOf("eve"))).toBe(0);
    await arrivalOf("Undo", followId);
  });
});
