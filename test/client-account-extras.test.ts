// Account extras of the client API as apps use them: pins (with the featured collection and the
// Add/Remove a Mastodon follower receives), private notes, follow options in relationships and
// home, read markers and the unread count, muted conversations.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, json, signIn } from "./client-support.ts";
import { ACTOR, AP, deliverFromMastodon, follow, MASTODON, ourPublicKey, peer, type Received, waitFor, worker } from "./helpers.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const AS = "https://www.w3.org/ns/activitystreams";
let token: string;

/** A 4xx answer with Mastodon's {"error": …} body. */
async function refused(res: Response | Promise<Response>, status: number) {
  const r = await res;
  expect(r.status).toBe(status);
  expect(typeof (await json(r)).error).toBe("string");
}

const post = async (text: string, visibility = "public") => json(api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: text, visibility }) }));
const action = (path: string, body?: string) => api(token, path, { method: "POST", ...(body === undefined ? {} : { body }) });
const accountOf = async (name: string) => json<{ id: string }>(api(token, `/api/v1/accounts/lookup?acct=${name}@mastodon.test`));
const relationship = async (id: string) => (await json(api(token, `/api/v1/accounts/relationships?id[]=${id}`)))[0];
const homeUris = async () => ((await json(api(token, "/api/v1/timelines/home?limit=40"))) as { uri: string }[]).map((s) => s.uri);
const arrival = (check: (r: Received) => boolean) => waitFor(async () => (await peer<Received[]>(`${MASTODON}/__control/received`)).find(check) ?? null);

beforeAll(async () => {
  token = await signIn("read write follow");
  await peer(`${MASTODON}/__control/reset`, {});
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
});

describe("pins", () => {
  it("pins and unpins own posts, lists them newest pin first, serves and federates the featured collection", async () => {
    // A Mastodon account follows us, so pins go out to it as Add and Remove.
    expect((await deliverFromMastodon(follow("pinfan"), { actor: "pinfan" })).status).toBe(202);
    await arrival((r) => r.activity.type === "Accept" && r.activity.object?.actor === `${MASTODON}/users/pinfan`);

    const first = await post("first pinned");
    const second = await post("second pinned", "unlisted");
    expect((await json(action(`/api/v1/statuses/${first.id}/pin`))).pinned).toBe(true);
    expect((await json(action(`/api/v1/statuses/${second.id}/pin`))).pinned).toBe(true);
    expect((await json(api(token, `/api/v1/statuses/${first.id}`))).pinned).toBe(true);

    const pinned = (await json(api(token, "/api/v1/accounts/1/statuses?pinned=true"))) as { id: string; pinned: boolean }[];
    expect(pinned.map((s) => s.id)).toEqual([second.id, first.id]);
    const all = (await json(api(token, "/api/v1/accounts/1/statuses?limit=40"))) as { id: string; pinned: boolean }[];
    expect(all.find((s) => s.id === first.id)?.pinned).toBe(true);

    const actor = await json(worker("/users/me", { headers: { Accept: AP } }));
    expect(actor.featured).toBe(`${ACTOR}/collections/featured`);
    const featured = async () => json(worker("/users/me/collections/featured", { headers: { Accept: AP } }));
    expect(await featured()).toMatchObject({ id: actor.featured, type: "OrderedCollection", totalItems: 2 });
    expect((await featured()).orderedItems.map((n: { id: string; type: string }) => n.id)).toEqual([second.uri, first.uri]);

    const add = await arrival((r) => r.activity.type === "Add" && r.activity.object === first.uri);
    expect(add).toMatchObject({ verified: true, activity: { actor: ACTOR, target: actor.featured } });

    // Refusals: twice, a boost, someone else's post, an unknown id, the sixth pin.
    await refused(action(`/api/v1/statuses/${first.id}/pin`), 422);
    const boost = await json(action(`/api/v1/statuses/${first.id}/reblog`));
    await refused(action(`/api/v1/statuses/${boost.id}/pin`), 422);
    await env.DB.prepare("INSERT INTO statuses (id, uri, actor_id, local, visibility, published) VALUES (?, ?, ?, 0, 'public', ?)")
      .bind(4_000_000_000_000, `${MASTODON}/users/erin/statuses/9`, `${MASTODON}/users/erin`, Date.now())
      .run();
    await refused(action("/api/v1/statuses/4000000000000/pin"), 422);
    await refused(action("/api/v1/statuses/123/pin"), 404);
    // Followers-only posts can be pinned too (Mastodon refuses only direct ones), but the public
    // collection and anonymous readers do not see them.
    const hidden = await post("for followers #RoostPins", "private");
    expect((await action(`/api/v1/statuses/${hidden.id}/pin`)).status).toBe(200);
    for (const n of [4, 5]) expect((await action(`/api/v1/statuses/${(await post(`pin ${n}`)).id}/pin`)).status).toBe(200);
    await refused(action(`/api/v1/statuses/${(await post("one too many")).id}/pin`), 422);
    expect((await featured()).totalItems).toBe(4);
    const anonymous = (await json(worker("/api/v1/accounts/1/statuses?pinned=true"))) as { id: string }[];
    expect(anonymous.map((s) => s.id)).not.toContain(hidden.id);
    expect(anonymous).toHaveLength(4);

    // tagged=: by hashtag, in any case; what cannot be a hashtag finds nothing.
    const tagged = async (tag: string) => ((await json(api(token, `/api/v1/accounts/1/statuses?tagged=${encodeURIComponent(tag)}`))) as { id: string }[]).map((s) => s.id);
    expect(await tagged("roostpins")).toEqual([hidden.id]);
    expect(await tagged("#ROOSTPINS")).toEqual([hidden.id]);
    expect(await tagged("no such tag!")).toEqual([]);

    // Unpinning sends Remove and leaves the collection (the cached copy is not served any more).
    expect((await json(action(`/api/v1/statuses/${first.id}/unpin`))).pinned).toBe(false);
    const remove = await arrival((r) => r.activity.type === "Remove" && r.activity.object === first.uri);
    expect(remove).toMatchObject({ verified: true, activity: { target: actor.featured } });
    expect((await featured()).orderedItems.map((n: { id: string }) => n.id)).not.toContain(first.uri);

    // A deleted post is unpinned with it.
    expect((await api(token, `/api/v1/statuses/${second.id}`, { method: "DELETE" })).status).toBe(200);
    const left = (await json(api(token, "/api/v1/accounts/1/statuses?pinned=true"))) as { id: string }[];
    expect(left).toHaveLength(3);
    expect(left.map((s) => s.id)).not.toContain(second.id);
    expect((await featured()).totalItems).toBe(2);
  });
});

describe("notes and follow options", () => {
  it("keeps a private note on an account, shown in relationships; blank clears it", async () => {
    const { id } = await accountOf("nora");
    expect((await json(action(`/api/v1/accounts/${id}/note`, JSON.stringify({ comment: "met at the meetup" })))).note).toBe("met at the meetup");
    expect((await relationship(id)).note).toBe("met at the meetup");
    await refused(action(`/api/v1/accounts/${id}/note`, JSON.stringify({ comment: "x".repeat(2001) })), 422);
    await refused(action("/api/v1/accounts/999999/note", JSON.stringify({ comment: "nobody" })), 404);
    expect((await relationship(id)).note).toBe("met at the meetup");
    const cleared = await api(token, `/api/v1/accounts/${id}/note`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "comment=" });
    expect((await json(cleared)).note).toBe("");
  });

  it("reblogs and notify: shown in relationships, boosts left out of home, a status notification per new post", async () => {
    const dora = `${MASTODON}/users/dora`;
    const { id } = await accountOf("dora");
    const requested = await json(action(`/api/v1/accounts/${id}/follow`, JSON.stringify({ reblogs: false, notify: true })));
    expect(requested).toMatchObject({ requested: true, following: false, showing_reblogs: false, notifying: true });
    const row = await env.DB.prepare("SELECT follow_activity_id AS id FROM following WHERE actor_id = ?").bind(dora).first<{ id: string }>();
    const accept = { "@context": AS, id: `${dora}#accepts/1`, type: "Accept", actor: dora, object: { id: row!.id, type: "Follow", actor: ACTOR, object: dora } };
    expect((await deliverFromMastodon(accept, { actor: "dora" })).status).toBe(202);
    await waitFor(async () => (await relationship(id)).following);

    // Her boost of a third account's post, then a post of hers.
    const boosted = { id: `${MASTODON}/users/erin/statuses/1`, type: "Note", attributedTo: `${MASTODON}/users/erin`, content: "<p>erin's</p>", to: [PUBLIC], published: new Date().toISOString() };
    const announce = { "@context": AS, id: `${dora}/statuses/2/activity`, type: "Announce", actor: dora, object: boosted, to: [PUBLIC], cc: [`${dora}/followers`] };
    expect((await deliverFromMastodon(announce, { actor: "dora" })).status).toBe(202);
    const note = { id: `${dora}/statuses/3`, type: "Note", attributedTo: dora, content: "<p>dora's news</p>", to: [PUBLIC], cc: [`${dora}/followers`], published: new Date().toISOString() };
    expect((await deliverFromMastodon({ "@context": AS, id: `${note.id}/activity`, type: "Create", actor: dora, to: note.to, cc: note.cc, object: note }, { actor: "dora" })).status).toBe(202);
    await waitFor(async () => (await homeUris()).includes(note.id));
    await waitFor(() => env.DB.prepare("SELECT 1 FROM statuses WHERE uri = ?").bind(announce.id).first());
    expect(await homeUris()).not.toContain(announce.id);
    const statusNotes = (await json(api(token, "/api/v1/notifications?types[]=status"))) as { type: string; status: { uri: string } }[];
    expect(statusNotes.map((n) => [n.type, n.status.uri])).toEqual([["status", note.id]]);

    // Following again (a form body this time) changes only what is sent.
    const changed = await api(token, `/api/v1/accounts/${id}/follow`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "reblogs=true" });
    expect(await json(changed)).toMatchObject({ following: true, showing_reblogs: true, notifying: true });
    expect(await homeUris()).toContain(announce.id);
  });
});

describe("markers", () => {
  it("stores home and notifications from Rails form and JSON bodies, versions changes, and counts unread notifications", async () => {
    const markers = (query = "timeline[]=home&timeline[]=notifications") => json(api(token, `/api/v1/markers?${query}`));
    expect(await markers()).toEqual({});
    const form = await api(token, "/api/v1/markers", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "home%5Blast_read_id%5D=1000&notifications[last_read_id]=0",
    });
    expect(await json(form)).toMatchObject({ home: { last_read_id: "1000", version: 1 }, notifications: { last_read_id: "0", version: 1 } });
    // Mastodon.py sends the id as a JSON number; the same position again keeps the version.
    expect((await json(action("/api/v1/markers", JSON.stringify({ home: { last_read_id: 2000 } })))).home).toMatchObject({ last_read_id: "2000", version: 2 });
    expect((await json(action("/api/v1/markers", JSON.stringify({ home: { last_read_id: "2000" } })))).home.version).toBe(2);
    await refused(action("/api/v1/markers", JSON.stringify({ home: { last_read_id: "abc" } })), 422);
    const both = await markers();
    expect(both.home).toMatchObject({ last_read_id: "2000", version: 2 });
    expect(Date.parse(both.home.updated_at)).toBeGreaterThan(0);
    expect(Object.keys(await markers("timeline[]=home"))).toEqual(["home"]);
    await refused(api(await signIn("read"), "/api/v1/markers", { method: "POST", body: JSON.stringify({ home: { last_read_id: 1 } }) }), 403);

    // Unread: what is newer than the notifications marker.
    const newest = ((await json(api(token, "/api/v1/notifications?limit=1"))) as { id: string }[])[0]?.id ?? "0";
    expect((await json(action("/api/v1/markers", JSON.stringify({ notifications: { last_read_id: newest } })))).notifications.last_read_id).toBe(newest);
    expect(await json(api(token, "/api/v1/notifications/unread_count"))).toEqual({ count: 0 });
    const mine = await post("like this");
    const like = { "@context": AS, id: `${MASTODON}/users/lia#likes/1`, type: "Like", actor: `${MASTODON}/users/lia`, object: mine.uri };
    expect((await deliverFromMastodon(like, { actor: "lia" })).status).toBe(202);
    await waitFor(async () => (await json(api(token, "/api/v1/notifications/unread_count"))).count === 1);
    expect(await json(api(token, "/api/v2/notifications/unread_count"))).toEqual({ count: 1 });
    await refused(api(token, "/api/v1/notifications/unread_count?limit=lots"), 400);
  });
});

describe("conversation mutes", () => {
  it("no notification from a reply in a muted thread, muted in the entity, and back after unmute", async () => {
    const mine = await post("a thread start");
    expect((await json(action(`/api/v1/statuses/${mine.id}/mute`))).muted).toBe(true);
    const reply = (n: number) => ({
      id: `${MASTODON}/users/rex/statuses/${n}`,
      type: "Note",
      attributedTo: `${MASTODON}/users/rex`,
      inReplyTo: mine.uri,
      content: `<p>reply ${n}</p>`,
      to: [PUBLIC],
      cc: [ACTOR],
      published: new Date().toISOString(),
    });
    const send = (note: ReturnType<typeof reply>) =>
      deliverFromMastodon({ "@context": AS, id: `${note.id}/activity`, type: "Create", actor: note.attributedTo, to: note.to, cc: note.cc, object: note }, { actor: "rex" });
    const repliesNotified = async () =>
      ((await json(api(token, "/api/v1/notifications?types[]=mention&limit=80"))) as { status: { uri: string } }[]).map((n) => n.status.uri).filter((u) => u.includes("/rex/"));
    expect((await send(reply(1))).status).toBe(202);
    // The reply is stored (it shows in the thread, muted too) but notified nobody.
    const context = await waitFor(async () => {
      const found = (await json(api(token, `/api/v1/statuses/${mine.id}/context`))).descendants as { uri: string; muted: boolean }[];
      return found.length > 0 ? found : null;
    });
    expect(context[0]).toMatchObject({ uri: reply(1).id, muted: true });
    expect(await repliesNotified()).toEqual([]);

    expect((await json(action(`/api/v1/statuses/${mine.id}/unmute`))).muted).toBe(false);
    expect((await send(reply(2))).status).toBe(202);
    await waitFor(async () => (await repliesNotified()).includes(reply(2).id));
    expect(await repliesNotified()).toEqual([reply(2).id]);
    await refused(action("/api/v1/statuses/42/mute"), 404);
  });
});
