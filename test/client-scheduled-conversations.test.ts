// Scheduled posts (published by the PostScheduler object's alarm, with media held until then, and
// federated), direct conversations (incoming and outgoing, unread, read, removed) and followed
// hashtags (a stranger's tagged public post reaches home) through the client API.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { pruneStorage } from "../src/domain/maintenance.ts";
import type { PostScheduler } from "../src/runtime/post-scheduler.ts";
import { createServices } from "../src/runtime/services.ts";
import { api, json, signIn } from "./client-support.ts";
import { addFollowers, Sink } from "./delivery-support.ts";
import { ACTOR, count, deliverFromMastodon, MASTODON, waitFor } from "./helpers.ts";
import { png, uploadForm } from "./media-fixtures.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
let token: string;
beforeAll(async () => {
  token = await signIn("read write follow");
});

const post = (body: Record<string, unknown>) => api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify(body) });
const scheduler = () => env.POST_SCHEDULER.get(env.POST_SCHEDULER.idFromName("owner")) as DurableObjectStub<PostScheduler>;
const alarm = () => runInDurableObject(scheduler(), (_instance, state) => state.storage.getAlarm());
const iso = (ms: number) => new Date(ms).toISOString();

describe("scheduled posts", () => {
  it("keeps a post with media until its time, moves it, and publishes it from the alarm to the followers", async () => {
    const sink = await Sink.open();
    await addFollowers([{ actor: sink.actor(1, "follower"), inbox: sink.inbox(1) }]);
    const uploaded = await json(api(token, "/api/v1/media", { method: "POST", body: uploadForm(await png(16, 8, null), "later.png", "image/png", { description: "Later" }) }));

    // Mastodon's rules: at least five minutes ahead, an ISO time.
    for (const scheduled_at of [iso(Date.now() + 120_000), iso(Date.now() - 3600_000), "tomorrow"]) {
      const refused = await post({ status: "too soon", scheduled_at });
      expect(refused.status).toBe(422);
      expect((await json(refused)).error).toMatch(/Scheduled at/);
    }
    expect(await count("scheduled_statuses")).toBe(0);

    const at = Math.floor(Date.now() / 1000) * 1000 + 3600_000;
    const body = JSON.stringify({ status: "Published #later", scheduled_at: iso(at), media_ids: [uploaded.id], spoiler_text: "cw", visibility: "unlisted", language: "en" });
    const once = () => api(token, "/api/v1/statuses", { method: "POST", body, headers: { "Idempotency-Key": "later-1" } });
    const scheduled = await json(once());
    // The same Idempotency-Key again answers the same ScheduledStatus and schedules nothing more.
    expect((await json(once())).id).toBe(scheduled.id);
    expect(await count("scheduled_statuses")).toBe(1);
    expect(scheduled).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      scheduled_at: iso(at),
      params: { text: "Published #later", visibility: "unlisted", spoiler_text: "cw", language: "en", in_reply_to_id: null, media_ids: [uploaded.id], poll: null, idempotency: "later-1", with_rate_limit: false },
      media_attachments: [{ id: uploaded.id, description: "Later", type: "image" }],
    });
    expect(scheduled.params.application_id).toMatch(/^\d+$/);
    // Nothing is published, and the object's alarm is set for it.
    expect(await count("objects", "document LIKE '%Published #later%'")).toBe(0);
    expect(await alarm()).toBe(at);

    const listed = await api(token, "/api/v1/scheduled_statuses");
    expect((await json(listed)).map((s: { id: string }) => s.id)).toEqual([scheduled.id]);
    expect(listed.headers.get("Link")).toContain(`max_id=${scheduled.id}`);
    expect((await json(api(token, `/api/v1/scheduled_statuses/${scheduled.id}`))).params.text).toBe("Published #later");
    expect((await api(token, "/api/v1/scheduled_statuses/12345")).status).toBe(404);

    // PUT moves it (an earlier time moves the alarm; too soon is refused and changes nothing).
    const sooner = at - 1800_000;
    expect((await api(token, `/api/v1/scheduled_statuses/${scheduled.id}`, { method: "PUT", body: JSON.stringify({ scheduled_at: iso(Date.now() + 60_000) }) })).status).toBe(422);
    const moved = await json(api(token, `/api/v1/scheduled_statuses/${scheduled.id}`, { method: "PUT", body: JSON.stringify({ scheduled_at: iso(sooner) }) }));
    expect(moved.scheduled_at).toBe(iso(sooner));
    expect(await alarm()).toBe(sooner);

    // Two days on, the clean-up of unattached uploads leaves the held one alone.
    const s = createServices(env);
    await pruneStorage({ ...s, now: () => Date.now() + 2 * 86_400_000 });
    expect(await count("media_attachments", "id = ?", Number(uploaded.id))).toBe(1);

    // Its time: the alarm's work with the clock moved there publishes it through publishNote.
    await runInDurableObject(scheduler(), (instance) => (instance as PostScheduler).publishDue(sooner + 1000));
    expect(await json(api(token, "/api/v1/scheduled_statuses"))).toEqual([]);
    expect(await alarm()).toBeNull();
    const mine = await json(api(token, "/api/v1/accounts/1/statuses"));
    const published = mine.find((p: { content: string }) => p.content.includes("Published"));
    expect(published).toMatchObject({ visibility: "unlisted", spoiler_text: "cw", language: "en", media_attachments: [{ id: uploaded.id, description: "Later" }] });
    expect(Date.parse(published.created_at)).toBe(sooner + 1000);
    const arrival = await waitFor(async () => (await sink.arrivals()).find((a) => a.activity?.type === "Create" && (a.activity.object as { id?: string })?.id === published.uri));
    expect(arrival.verified).toBe(true);
    expect((arrival.activity!.object as { attachment: { name: string }[] }).attachment[0]!.name).toBe("Later");
  });

  it("the real alarm publishes what is due; a cancelled post publishes nothing and lets its media go", async () => {
    const uploaded = await json(api(token, "/api/v1/media", { method: "POST", body: uploadForm(await png(8, 8, null), "never.png", "image/png") }));
    const cancelled = await json(post({ status: "never", scheduled_at: iso(Date.now() + 7200_000), media_ids: [uploaded.id] }));
    expect((await api(token, `/api/v1/scheduled_statuses/${cancelled.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await api(token, `/api/v1/scheduled_statuses/${cancelled.id}`)).status).toBe(404);
    expect(await count("media_attachments", "id = ? AND status_uri IS NULL", Number(uploaded.id))).toBe(1);

    // Scheduled with the clock moved ten minutes back: due now, so the alarm fires at once.
    const behind = { ...createServices(env), now: () => Date.now() - 600_000 };
    const { schedulePost } = await import("../src/domain/posts/scheduled.ts");
    const due = await schedulePost(behind, { text: "on time", format: "plain", visibility: "public", summary: null, inReplyTo: null, language: null, addressees: [] }, {}, Date.now() - 240_000);
    expect(due.ok).toBe(true);
    // The alarm, set in the past, fires by itself (or is run here if it has not yet).
    await runDurableObjectAlarm(scheduler());
    await waitFor(async () => (await count("objects", "document LIKE '%on time%'")) === 1);
    expect(await count("scheduled_statuses")).toBe(0);
    expect(await alarm()).toBeNull();
    expect(await count("objects", "document LIKE '%never%'")).toBe(0);
  });
});

/** A Create of `note` signed by `name` on the Mastodon-style peer, delivered to our inbox. */
async function fromMastodon(name: string, note: { id: string; to: string[] } & Record<string, unknown>) {
  const actor = `${MASTODON}/users/${name}`;
  const object: Record<string, unknown> = { type: "Note", attributedTo: actor, published: new Date().toISOString(), cc: [], ...note };
  const res = await deliverFromMastodon({ "@context": "https://www.w3.org/ns/activitystreams", id: `${object.id}/activity`, type: "Create", actor, to: object.to, cc: object.cc, object }, { actor: name });
  expect(res.status).toBe(202);
}

describe("conversations", () => {
  it("direct posts in and out make one conversation per thread and participants: unread, read, last status, removed", async () => {
    const alice = `${MASTODON}/users/alice`;
    const first = `${alice}/statuses/9001`;
    const mention = { type: "Mention", href: ACTOR, name: "@me@roost.test" };
    await fromMastodon("alice", { id: first, content: "<p>@me psst</p>", to: [ACTOR], tag: [mention] });
    const conversations = async () => (await json(api(token, "/api/v1/conversations"))) as { id: string; unread: boolean; accounts: { acct: string }[]; last_status: { id: string; uri: string; visibility: string } | null }[];
    const [started] = await waitFor(async () => {
      const list = await conversations();
      return list.length > 0 && list;
    });
    expect(started).toMatchObject({ unread: true, accounts: [{ acct: "alice@mastodon.test" }], last_status: { uri: first, visibility: "direct" } });

    // The owner's direct reply joins it (same thread, same participants) and marks it read.
    const reply = await json(post({ status: "psst back", visibility: "direct", in_reply_to_id: started!.last_status!.id }));
    expect(reply.visibility).toBe("direct");
    let [current, ...others] = await conversations();
    expect(others).toEqual([]);
    expect(current).toMatchObject({ id: started!.id, unread: false, last_status: { id: reply.id } });

    // alice answers: unread again; read clears it.
    const second = `${alice}/statuses/9002`;
    await fromMastodon("alice", { id: second, content: "<p>ok</p>", to: [ACTOR], tag: [mention], inReplyTo: reply.uri });
    await waitFor(async () => (await conversations())[0]?.last_status?.uri === second);
    expect((await conversations())[0]!.unread).toBe(true);
    const read = await json(api(token, `/api/v1/conversations/${started!.id}/read`, { method: "POST" }));
    expect(read).toMatchObject({ id: started!.id, unread: false, last_status: { uri: second } });

    // A public post is no conversation.
    await post({ status: "not a conversation" });
    expect((await conversations()).length).toBe(1);

    // alice deletes her answer: the last status moves back to the owner's reply.
    const deleted = await deliverFromMastodon({ "@context": "https://www.w3.org/ns/activitystreams", id: `${second}#delete`, type: "Delete", actor: alice, to: [ACTOR], object: second }, { actor: "alice" });
    expect(deleted.status).toBe(202);
    [current] = await waitFor(async () => {
      const list = await conversations();
      // Until the Delete is applied the last status is alice's; between the rows and the render it may be null.
      return list[0]?.last_status?.id === reply.id && list;
    });
    expect(current!.last_status!.id).toBe(reply.id);

    // Removing the conversation keeps its statuses; unknown ids are 404.
    expect((await api(token, `/api/v1/conversations/${started!.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await conversations()).toEqual([]);
    expect((await api(token, `/api/v1/statuses/${reply.id}`)).status).toBe(200);
    expect((await api(token, "/api/v1/conversations/123/read", { method: "POST" })).status).toBe(404);
    expect(await count("direct_conversation_statuses")).toBe(0);
  });
});

describe("followed tags", () => {
  it("follow, unfollow and list tags; a stranger's public post with a followed tag reaches home, other posts do not", async () => {
    expect(await json(api(token, "/api/v1/tags/Roosting"))).toMatchObject({ name: "Roosting", url: expect.stringContaining("/tags/"), following: false });
    expect(await json(api(token, "/api/v1/tags/Roosting/follow", { method: "POST" }))).toMatchObject({ name: "Roosting", following: true });
    expect(await json(api(token, "/api/v1/tags/roosting/follow", { method: "POST" }))).toMatchObject({ name: "Roosting", following: true });
    expect((await json(api(token, "/api/v1/followed_tags"))).map((t: { name: string; following: boolean }) => [t.name, t.following])).toEqual([["Roosting", true]]);
    expect((await api(token, "/api/v1/tags/not%20a%20tag/follow", { method: "POST" })).status).toBe(404);
    expect(await count("followed_tags")).toBe(1);

    // dave is not followed; his tagged public post is kept for home, his unlisted one and an untagged one are not.
    const dave = `${MASTODON}/users/dave`;
    const hashtag = (name: string) => ({ type: "Hashtag", name: `#${name}`, href: `${MASTODON}/tags/${name}` });
    await fromMastodon("dave", { id: `${dave}/statuses/1`, content: "<p>#ROOSTING tonight</p>", to: [PUBLIC], cc: [`${dave}/followers`], tag: [hashtag("ROOSTING")] });
    await fromMastodon("dave", { id: `${dave}/statuses/2`, content: "<p>#roosting quietly</p>", to: [`${dave}/followers`], cc: [PUBLIC], tag: [hashtag("roosting")] });
    await fromMastodon("dave", { id: `${dave}/statuses/3`, content: "<p>#other</p>", to: [PUBLIC], tag: [hashtag("other")] });
    const home = await waitFor(async () => {
      const items = (await json(api(token, "/api/v1/timelines/home?limit=40"))) as { uri: string }[];
      return items.some((i) => i.uri === `${dave}/statuses/1`) && items;
    });
    await waitFor(async () => (await count("inbox_activities", "id LIKE ? AND state != 'queued'", `${dave}/statuses/%`)) === 3);
    expect(home.map((i) => i.uri).filter((u) => u.startsWith(dave))).toEqual([`${dave}/statuses/1`]);
    expect(await count("statuses", "uri LIKE ?", `${dave}/%`)).toBe(1);

    expect(await json(api(token, "/api/v1/tags/roosting/unfollow", { method: "POST" }))).toMatchObject({ following: false });
    expect(await json(api(token, "/api/v1/followed_tags"))).toEqual([]);
  });
});
