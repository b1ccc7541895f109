// Emoji reactions (FEP-c0e0 EmojiReact, Misskey's Like with a reaction) both ways, and custom emoji:
// remote Emoji tags shown in the API, the owner's own uploaded, listed and sent as Emoji tags.
// Incoming shapes are the stored fixtures (Pleroma's EmojiReact, Misskey's custom-emoji Like),
// signed by the Mastodon-style peer; the Fedify peer's vocabulary reads what we send.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import fixtureEmojiReact from "./fixtures/activitypub/pleroma-emoji-react.json";
import fixtureMisskeyLike from "./fixtures/activitypub/misskey-like-custom-emoji.json";
import fixtureMisskeyLegacy from "./fixtures/activitypub/misskey-like-legacy-reaction.json";
import fixtureUnqualified from "./fixtures/activitypub/pleroma-emoji-react-unqualified.json";
import fixtureTooLong from "./fixtures/activitypub/pleroma-emoji-reaction-too-long.json";
import { ACTOR, AP, count, deliverFromMastodon, MASTODON, ORIGIN, OWNER_TOKEN, owner, peer, postStatus, waitFor, worker } from "./helpers.ts";
import { png } from "./media-fixtures.ts";

const FEDIFY = "https://fedify.test";
const WEBFINGER = "/.well-known/webfinger?resource=acct%3Ame%40roost.test";
const AS = "https://www.w3.org/ns/activitystreams";
const account = (name: string) => `${MASTODON}/users/${name}`;

interface Signed {
  id: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

interface FedifyReceived {
  path: string;
  type: string;
  id: string | null;
  activity: Record<string, any>;
  httpSignature: { verified: boolean };
  inboxStatus: number;
  listenerRan: boolean;
}

interface FedifyView {
  type: string;
  content: string | null;
  name: string | null;
  objectId: string | null;
  emojis: { id: string | null; name: string | null; url: string | null; mediaType: string | null }[];
}

async function json<T = any>(res: Response | Promise<Response>): Promise<T> {
  return (await res).json() as Promise<T>;
}

/** A multipart POST as the owner (owner() would label the body JSON). */
function upload(form: FormData) {
  return worker("/api/roost/emojis", { method: "POST", headers: { Authorization: `Bearer ${OWNER_TOKEN}` }, body: form });
}

async function statusOf(id: string) {
  const res = await owner(`/api/v1/statuses/${id}`);
  expect(res.status).toBe(200);
  return json(res);
}

/** Delivers each activity signed by the Mastodon-style peer as its account, then waits until every inbox job has run. */
async function deliverAll(...sends: [Record<string, unknown>, string][]) {
  for (const [activity, name] of sends) expect((await deliverFromMastodon(activity, { actor: name })).status).toBe(202);
  const ids = JSON.stringify(sends.map(([a]) => a.id));
  await waitFor(async () => (await count("inbox_activities", "id IN (SELECT value FROM json_each(?)) AND state <> 'queued'", ids)) === sends.length);
}

const deliver = (activity: Record<string, unknown>, name: string) => deliverAll([activity, name]);

/** A stored fixture sent by an account of the peer about `object` (the LD signature is not ours to check). */
function from(fixture: Record<string, unknown>, name: string, object: string, extra: Record<string, unknown> = {}) {
  const { signature: _signature, nickname: _nickname, ...shape } = fixture;
  return { ...shape, id: `${account(name)}#reactions/${crypto.randomUUID()}`, actor: account(name), object, ...extra };
}

const emojiReact = (name: string, object: string, content: string) => from(fixtureEmojiReact, name, object, { content });

async function fedifyArrival(type: string, check: (r: FedifyReceived) => boolean): Promise<FedifyReceived> {
  return waitFor(async () => (await peer<FedifyReceived[]>(`${FEDIFY}/__control/received`)).find((r) => r.type === type && r.inboxStatus === 202 && check(r)) ?? null);
}

async function pushOurDocuments(extra: Record<string, unknown> = {}) {
  const jrd = await json(worker(WEBFINGER));
  const actor = await json(worker("/users/me", { headers: { Accept: AP } }));
  await peer(`${FEDIFY}/__control/documents`, { [`${ORIGIN}${WEBFINGER}`]: jrd, [ACTOR]: actor, ...extra });
}

beforeAll(() => pushOurDocuments());

describe("reactions to our posts", () => {
  it("Pleroma's EmojiReact and Misskey's custom-emoji Like are counted per emoji, notified, one per actor per emoji, and undone", async () => {
    const post = await postStatus({ status: `React to this ${crypto.randomUUID()}` });
    const alice = emojiReact("alice", post.uri, "👌");
    await deliver(alice, "alice");
    const misskey = from(fixtureMisskeyLike, "carol", post.uri);
    await deliverAll(
      [emojiReact("bob", post.uri, "👌"), "bob"],
      // The same emoji again from alice under another id is not a second reaction.
      [emojiReact("alice", post.uri, "👌"), "alice"],
      [misskey, "carol"],
      // Old Misskey's named reaction; the unqualified ❤ counts with ❤️.
      [from(fixtureMisskeyLegacy, "erin", post.uri), "erin"],
      [from(fixtureUnqualified, "erin", post.uri), "erin"],
      [emojiReact("frank", post.uri, "❤️"), "frank"],
      // A plain Like stays a favourite; two emoji, or text, are no reaction.
      [{ "@context": AS, id: `${MASTODON}/likes/${crypto.randomUUID()}`, type: "Like", actor: account("dave"), object: post.uri }, "dave"],
      [from(fixtureTooLong, "dave", post.uri), "dave"],
      [emojiReact("dave", post.uri, "not an emoji"), "dave"],
    );

    const status = await statusOf(post.id);
    const hanapog = fixtureMisskeyLike.tag[0]!.icon.url;
    const expected = [
      { name: "👌", count: 2, me: false },
      { name: "❤️", count: 2, me: false },
      { name: "hanapog", count: 1, me: false, url: hanapog, static_url: hanapog },
      { name: "🍮", count: 1, me: false },
    ];
    expect(status.emoji_reactions).toEqual(expected);
    expect(status.pleroma.emoji_reactions).toEqual(expected);
    expect(status.favourites_count).toBe(1);

    const notifications = await json<any[]>(owner("/api/v1/notifications?types[]=pleroma:emoji_reaction"));
    const ours = notifications.filter((n) => n.status?.id === post.id && n.emoji !== "❤️" && n.emoji !== "🍮");
    expect(ours.map((n) => [n.type, n.emoji, n.emoji_url, n.account.acct]).sort()).toEqual([
      ["pleroma:emoji_reaction", "hanapog", hanapog, "carol@mastodon.test"],
      ["pleroma:emoji_reaction", "👌", null, "alice@mastodon.test"],
      ["pleroma:emoji_reaction", "👌", null, "bob@mastodon.test"],
    ]);
    // Mastodon clients asking for their own types do not get Pleroma's.
    const favourites = await json<any[]>(owner("/api/v1/notifications?types[]=favourite"));
    expect(favourites.filter((n) => n.status?.id === post.id).map((n) => n.account.acct)).toEqual(["dave@mastodon.test"]);

    const listed = await json<any[]>(owner(`/api/v1/pleroma/statuses/${post.id}/reactions`));
    expect(listed.map((r) => [r.name, r.count, r.accounts.map((a: any) => a.acct).sort()])).toEqual([
      ["👌", 2, ["alice@mastodon.test", "bob@mastodon.test"]],
      ["❤️", 2, ["erin@mastodon.test", "frank@mastodon.test"]],
      ["hanapog", 1, ["carol@mastodon.test"]],
      ["🍮", 1, ["erin@mastodon.test"]],
    ]);

    // Undo with the EmojiReact embedded (Pleroma), and Misskey's Undo naming its Like by id only.
    await deliverAll(
      [{ "@context": AS, id: `${alice.id}/undo`, type: "Undo", actor: alice.actor, object: alice }, "alice"],
      [{ "@context": AS, id: `${misskey.id}/undo`, type: "Undo", actor: misskey.actor, object: misskey.id }, "carol"],
    );
    expect((await statusOf(post.id)).emoji_reactions.map((r: any) => [r.name, r.count])).toEqual([["❤️", 2], ["👌", 1], ["🍮", 1]]);
    expect(await count("notifications", "activity_id IN (?, ?)", alice.id, misskey.id)).toBe(0);
  });
});

describe("custom emoji", () => {
  it("a remote post's Emoji tag shows in `emojis`", async () => {
    const post = await postStatus({ status: `Reply with emoji ${crypto.randomUUID()}` });
    const noteId = `${MASTODON}/users/alice/statuses/${crypto.randomUUID()}`;
    const blobcat = { id: `${MASTODON}/emojis/4217`, type: "Emoji", name: ":blobcat:", updated: "2024-01-02T03:04:05Z", icon: { type: "Image", mediaType: "image/png", url: `${MASTODON}/emoji/blobcat.png` } };
    const note = { id: noteId, type: "Note", attributedTo: account("alice"), inReplyTo: post.uri, content: '<p>:blobcat: nice<img src="https://evil.example/x.png" onerror="alert(1)"></p>', published: new Date().toISOString(), to: [`${AS}#Public`], cc: [ACTOR], tag: [blobcat] };
    await deliver({ "@context": [AS, { toot: "http://joinmastodon.org/ns#", Emoji: "toot:Emoji" }], id: `${noteId}/activity`, type: "Create", actor: account("alice"), to: note.to, cc: note.cc, object: note }, "alice");
    const context = await json(owner(`/api/v1/statuses/${post.id}/context`));
    const reply = context.descendants.find((d: any) => d.uri === noteId);
    expect(reply.emojis).toEqual([{ shortcode: "blobcat", url: blobcat.icon.url, static_url: blobcat.icon.url, visible_in_picker: false }]);
    // The post's page shows the reply with the emoji as a small image, and no other image from its HTML.
    const page = await (await worker(new URL(post.status.url).pathname, { headers: { Accept: "text/html" } })).text();
    expect(page).toContain(`<img class="emoji" src="${blobcat.icon.url}" alt=":blobcat:" title=":blobcat:" width="20" height="20" loading="lazy"> nice`);
    expect(page).not.toContain("evil.example");
  });

  it("the owner's emoji: uploaded to R2, listed in custom_emojis, sent as Emoji tags in posts and the actor, and read by Fedify", async () => {
    const form = new FormData();
    form.set("shortcode", "roost_party");
    form.set("category", "Roost");
    form.set("image", new File([await png(16, 16, null)], "party.png", { type: "image/png" }));
    const uploaded = await upload(form);
    expect(uploaded.status).toBe(200);
    const entity = await json(uploaded);
    expect(entity).toMatchObject({ shortcode: "roost_party", static_url: entity.url, visible_in_picker: true, category: "Roost" });
    expect(entity.url).toMatch(new RegExp(`^${ORIGIN}/media/emoji/roost_party-[0-9a-f]{24}\\.png$`));
    const image = await worker(new URL(entity.url).pathname);
    expect([image.status, image.headers.get("Content-Type")]).toEqual([200, "image/png"]);
    await image.arrayBuffer();
    expect(await json(worker("/api/v1/custom_emojis"))).toContainEqual(entity);
    // Hostile input: a bad shortcode or a file that is no image changes nothing.
    const bad = new FormData();
    bad.set("shortcode", "no spaces");
    bad.set("image", new File([await png(16, 16, null)], "x.png"));
    expect((await upload(bad)).status).toBe(422);
    const script = new FormData();
    script.set("shortcode", "script");
    script.set("image", new File(["<script>alert(1)</script>"], "x.png"));
    expect((await upload(script)).status).toBe(422);
    expect(await count("custom_emojis", "shortcode IN ('script', 'no spaces')")).toBe(0);

    const post = await postStatus({ status: "Party :roost_party: time :unknown_one:" });
    // A status lists the emoji its tags name (visible_in_picker is the custom_emojis list's business).
    expect(post.status.emojis).toEqual([{ shortcode: "roost_party", url: entity.url, static_url: entity.url, visible_in_picker: false }]);
    const note = await json(worker(new URL(post.uri).pathname, { headers: { Accept: AP } }));
    const tag = { id: `${ORIGIN}/emojis/roost_party`, type: "Emoji", name: ":roost_party:", updated: expect.any(String), icon: { type: "Image", mediaType: "image/png", url: entity.url } };
    expect(note.tag).toEqual([tag]);
    expect(await json(worker("/emojis/roost_party", { headers: { Accept: AP } }))).toMatchObject({ ...tag, "@context": expect.any(Array) });
    const page = await (await worker(new URL(post.status.url).pathname, { headers: { Accept: "text/html" } })).text();
    expect(page).toContain(`Party <img class="emoji" src="${entity.url}" alt=":roost_party:"`);
    expect(page).toContain("time :unknown_one:");
    const view = await peer<FedifyView>(`${FEDIFY}/__control/emoji-view`, { document: note });
    expect(view).toMatchObject({ type: `${AS}#Note`, emojis: [{ id: tag.id, name: ":roost_party:", url: entity.url, mediaType: "image/png" }] });

    // In the display name: the actor carries the tag, the account lists the emoji.
    const named = await owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ display_name: "Test Owner :roost_party:" }) });
    expect((await json(named)).emojis).toEqual([{ shortcode: "roost_party", url: entity.url, static_url: entity.url, visible_in_picker: true, category: "Roost" }]);
    const actor = await json(worker("/users/me", { headers: { Accept: AP } }));
    expect(actor.tag).toEqual([tag]);
    expect((await peer<FedifyView>(`${FEDIFY}/__control/emoji-view`, { document: actor })).emojis).toEqual([{ id: tag.id, name: ":roost_party:", url: entity.url, mediaType: "image/png" }]);
    await owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ display_name: "Test Owner" }) });
  });
});

describe("the owner's reactions", () => {
  it("reach the author's inbox as EmojiReact (with Misskey's field), count as `me`, and are undone", async () => {
    await pushOurDocuments();
    const post = await postStatus({ status: `Fedify, reply ${crypto.randomUUID()}` });
    const signed = await peer<Signed>(`${FEDIFY}/__control/note`, { inbox: `${ACTOR}/inbox`, content: "<p>Replying</p>", inReplyTo: post.uri, mention: ACTOR });
    expect((await worker(signed.url, { method: signed.method, headers: signed.headers, body: signed.body })).status).toBe(202);
    const noteId = signed.id.replace(/\/activity$/, "");
    const row = await waitFor(() => env.DB.prepare("SELECT id FROM statuses WHERE uri = ?").bind(noteId).first<{ id: number }>());

    const reacted = await owner(`/api/v1/pleroma/statuses/${row.id}/reactions/${encodeURIComponent("🎉")}`, { method: "PUT" });
    expect(reacted.status).toBe(200);
    expect((await json(reacted)).pleroma.emoji_reactions).toEqual([{ name: "🎉", count: 1, me: true }]);
    const arrived = await fedifyArrival("EmojiReact", (r) => r.activity.object === noteId);
    expect(arrived).toMatchObject({ path: "/users/peer/inbox", httpSignature: { verified: true }, listenerRan: true, activity: { actor: ACTOR, content: "🎉", _misskey_reaction: "🎉" } });
    expect(await peer<FedifyView>(`${FEDIFY}/__control/emoji-view`, { document: arrived.activity })).toMatchObject({ type: "http://litepub.social/ns#EmojiReact", content: "🎉", objectId: noteId });
    // Reacting again with the same emoji sends nothing more.
    expect((await owner(`/api/v1/pleroma/statuses/${row.id}/reactions/${encodeURIComponent("🎉")}`, { method: "PUT" })).status).toBe(200);
    expect(await count("activities", "type = 'EmojiReact' AND object_id = ?", noteId)).toBe(1);

    // Fedibird's endpoint, with one of our custom emoji: its Emoji tag goes along.
    const custom = await owner(`/api/v1/statuses/${row.id}/emoji_reactions/roost_party`, { method: "PUT" });
    expect(custom.status).toBe(200);
    const customArrival = await fedifyArrival("EmojiReact", (r) => r.activity.object === noteId && r.activity.content === ":roost_party:");
    expect((await peer<FedifyView>(`${FEDIFY}/__control/emoji-view`, { document: customArrival.activity })).emojis).toMatchObject([{ name: ":roost_party:", mediaType: "image/png" }]);
    expect((await owner(`/api/v1/pleroma/statuses/${row.id}/reactions/${encodeURIComponent("not one")}`, { method: "PUT" })).status).toBe(422);

    const removed = await owner(`/api/v1/pleroma/statuses/${row.id}/reactions/${encodeURIComponent("🎉")}`, { method: "DELETE" });
    expect((await json(removed)).emoji_reactions).toEqual([expect.objectContaining({ name: "roost_party", count: 1, me: true })]);
    const undo = await fedifyArrival("Undo", (r) => r.activity.object?.id === arrived.activity.id);
    expect(undo).toMatchObject({ httpSignature: { verified: true }, listenerRan: true, activity: { object: { type: "EmojiReact", content: "🎉" } } });
  });
});
