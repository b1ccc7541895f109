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
    const scheduled = await json(post({ status: "Published #later", scheduled_at: iso(at), media_ids: [uploaded.id], spoiler_text: "cw", visibility: "unlisted", language: "en" }));
    expect(scheduled).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      scheduled_at: iso(at),
      params: { text: "Published #later", visibility: "unlisted", spoiler_text: "cw", language: "en", in_reply_to_id: null, media_ids: [uploaded.id], poll: null, with_rate_limit: false },
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
