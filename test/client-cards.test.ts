// Link preview cards: the first link of a post, ours or remote, gets a `card` from its page's
// OpenGraph / Twitter / oEmbed tags, fetched once per URL by a queued job (pages served by the
// Node-side static peer), never before the post is answered.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, json, signIn } from "./client-support.ts";
import { recordingOutbox } from "./fakes.ts";
import { eq } from "drizzle-orm";
import { statusEntity } from "../src/api/entities/status.ts";
import { database } from "../src/db/client.ts";
import { statuses } from "../src/db/schema.ts";
import type { Job } from "../src/delivery/jobs.ts";
import { fetchLinkCard } from "../src/domain/cards.ts";
import { pruneStorage } from "../src/domain/maintenance.ts";
import { publishNote } from "../src/domain/posts/compose.ts";
import { createServices } from "../src/runtime/services.ts";
import { ACTOR, count, deliverFromMastodon, MASTODON, peer, waitFor, worker } from "./helpers.ts";
import { loggedEvents } from "./log-capture.ts";

const AS = "https://www.w3.org/ns/activitystreams";
let token: string;

beforeAll(async () => {
  token = await signIn("read write follow");
});

const uid = () => crypto.randomUUID().slice(0, 8);
const hits = async (url: string) => (await peer<{ hits: unknown[] }>(`https://remote.test/__hits?url=${encodeURIComponent(url)}`)).hits.length;
const html = (text: string) => ({ headers: { "Content-Type": "text/html; charset=utf-8" }, text });
const serve = (routes: Record<string, unknown>) => peer("https://remote.test/__setup", { routes });
const post = (status: string) => json(api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status }) }));
const status = (id: string) => json(api(token, `/api/v1/statuses/${id}`));
/** Waits for the card job of `url` to end; returns its log event. */
const jobDone = (url: string) => waitFor(async () => [...loggedEvents("card.fetched"), ...loggedEvents("card.failed")].find((e) => e.url === url));

const ARTICLE = `<!doctype html><html lang="en-GB"><head>
  <title>Fallback title</title>
  <meta property="og:title" content="Roosts &amp; &lt;b&gt;perches&lt;/b&gt;">
  <meta property="og:description" content="Where   birds
    sleep &#8212; a <i>guide</i>">
  <meta property="og:image" content="/img/roost.jpg"><meta property="og:image:alt" content="A hen house">
  <meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">
  <meta property="og:site_name" content="Bird Weekly"><meta name="author" content="Ada">
  <meta property="article:published_time" content="2026-11-30T08:00:00Z">
</head><body><p>${"Body text. ".repeat(2000)}</p></body></html>`;

describe("link cards on our posts", () => {
  it("the post is answered without a card; the job fetches the page once and every post linking it shows the card", async () => {
    const page = `https://remote.test/cards/${uid()}/article`;
    await serve({ [page]: html(ARTICLE) });
    const created = await post(`Look #birds ${page}#comments and https://remote.test/second`);
    // Answered before the page is fetched: the card comes from the queue.
    expect(created.card).toBeNull();
    expect(await jobDone(page)).toMatchObject({ card: true });
    const card = (await status(created.id)).card;
    expect(card).toEqual({
      url: page,
      title: "Roosts & perches",
      description: "Where birds sleep — a guide",
      language: "en",
      type: "link",
      author_name: "Ada",
      author_url: "",
      provider_name: "Bird Weekly",
      provider_url: "",
      html: "",
      width: 1200,
      height: 630,
      image: "https://remote.test/img/roost.jpg",
      image_description: "A hen house",
      embed_url: "",
      blurhash: null,
      published_at: "2026-11-30T08:00:00.000Z",
      authors: [{ name: "Ada", url: "", account: null }],
    });
    // A second post with the same link: the stored card at once, no second fetch, no job.
    const again = await post(`again ${page}`);
    expect(again.card).toEqual(card);
    expect(await hits(page)).toBe(1);
    expect(loggedEvents("card.queued").filter((e) => e.url === page)).toHaveLength(1);
    // Timelines carry it too.
    const home = await json<any[]>(api(token, "/api/v1/timelines/home?limit=5"));
    expect(home.find((s) => s.id === again.id)?.card?.title).toBe("Roosts & perches");
    // Deleting a post removes its link; the other keeps the card.
    await api(token, `/api/v1/statuses/${again.id}`, { method: "DELETE" });
    expect(await count("status_cards", "url = ?", page)).toBe(1);
    // Once no post links it, the daily clean-up drops the card after its refresh time.
    await api(token, `/api/v1/statuses/${created.id}`, { method: "DELETE" });
    await pruneStorage({ ...createServices(env), now: () => Date.now() + 15 * 86_400_000 });
    expect(await count("preview_cards", "url = ?", page)).toBe(0);
  });

  it("the post is stored and shown while its card job is still waiting in the queue", async () => {
    const page = `https://remote.test/cards/${uid()}/held`;
    await serve({ [page]: html(ARTICLE) });
    const held: Job[] = [];
    const s = { ...createServices(env), outbox: recordingOutbox(), jobs: {
      send: async (job: Job) => (held.push(job), {} as QueueSendResponse),
      sendBatch: async () => ({}) as QueueSendBatchResponse,
    } };
    const published = await publishNote(s, { text: `held ${page}`, format: "plain", visibility: "public", summary: null, inReplyTo: null, language: null, addressees: [] });
    if (!published.ok) throw new Error(published.error);
    expect(held).toEqual([{ kind: "card", url: page }]);
    const [row] = await database(env.DB).select().from(statuses).where(eq(statuses.uri, published.objectId));
    expect((await statusEntity(s, row!))?.card).toBeNull();
    // The post's web page, cached without the card, is made fresh when the card arrives.
    const pageUrl = `/@me/${published.objectId.split("/").pop()}`;
    const before = await (await worker(pageUrl, { headers: { Accept: "text/html" } })).text();
    expect(before).not.toContain("link-card");
    await fetchLinkCard(held[0] as Extract<Job, { kind: "card" }>, s);
    expect((await statusEntity(s, row!))?.card).toMatchObject({ url: page, title: "Roosts & perches" });
    const after = await (await worker(pageUrl, { headers: { Accept: "text/html" } })).text();
    expect(after).toContain(`<a class="link-card" href="${page}"`);
    expect(after).toContain("Roosts &amp; perches");
    expect(after).toContain('alt="A hen house"');
  });

  it("a page without tags gives no card, a private address is refused, and neither is fetched again", async () => {
    const bare = `https://remote.test/cards/${uid()}/bare`;
    await serve({ [bare]: html("<html><body><p>nothing here</p></body></html>") });
    const first = await post(`see ${bare}`);
    expect(await jobDone(bare)).toMatchObject({ card: false });
    expect((await status(first.id)).card).toBeNull();

    const inside = `https://10.0.0.1/${uid()}`;
    const second = await post(`and ${inside}`);
    expect((await jobDone(inside)).reason).toMatch(/10\.0\.0\.1|address|not allowed|private/i);
    expect((await status(second.id)).card).toBeNull();
    const row = await env.DB.prepare("SELECT card, failure, retry_after FROM preview_cards WHERE url = ?").bind(inside).first<{ card: string | null; failure: string; retry_after: number }>();
    expect(row).toMatchObject({ card: null, failure: expect.any(String) });
    expect(row!.retry_after).toBeGreaterThan(Date.now() + 3_600_000);

    // Both remembered: posting them again queues nothing.
    await post(`${bare} ${inside}`);
    await post(inside);
    expect(loggedEvents("card.queued").filter((e) => e.url === bare || e.url === inside)).toHaveLength(2);
    expect(await hits(bare)).toBe(1);
  });
});

describe("link cards on remote posts", () => {
  it("skips the mention and the post's own media, and takes a video card from the page's oEmbed", async () => {
    const id = uid();
    const page = `https://remote.test/cards/${id}/watch`;
    const oembed = `https://remote.test/cards/${id}/oembed.json`;
    const photo = `https://remote.test/cards/${id}/photo.jpg`;
    await serve({
      [page]: html(`<html><head><meta property="og:title" content="Tags title"><meta property="og:image" content="https://remote.test/t.jpg">
        <link rel="alternate" type="application/json+oembed" href="/cards/${id}/oembed.json"></head><body><script>alert(1)</script></body></html>`),
      [oembed]: {
        headers: { "Content-Type": "application/json" },
        json: { type: "video", version: "1.0", title: "A <b>hen</b> film", author_name: "Hen Films", author_url: "https://remote.test/hen", provider_name: "RemoteTube", width: 640, height: 360, thumbnail_url: "/thumb.jpg", html: `<iframe src="https://remote.test/embed/${id}" onload="alert(1)"></iframe><script>alert(2)</script>` },
      },
    });
    const author = `${MASTODON}/users/vid${id}`;
    const note = {
      id: `${author}/statuses/${Date.now()}`,
      type: "Note",
      attributedTo: author,
      content: `<p><span class="h-card"><a href="${ACTOR}" class="u-url mention">@<span>me</span></a></span> <a href="${photo}">the photo</a> <a href="${page}">watch</a></p>`,
      to: [`${AS}#Public`],
      cc: [ACTOR],
      tag: [{ type: "Mention", href: ACTOR, name: "@me@roost.test" }],
      attachment: [{ type: "Document", mediaType: "image/jpeg", url: photo, name: "photo" }],
      published: new Date().toISOString(),
    };
    const res = await deliverFromMastodon({ "@context": AS, id: `${note.id}/activity`, type: "Create", actor: author, to: note.to, cc: note.cc, object: note }, { actor: `vid${id}` });
    expect(res.status).toBe(202);
    expect(await jobDone(page)).toMatchObject({ card: true });
    const notification = await waitFor(async () => (await json<any[]>(api(token, "/api/v1/notifications?limit=40"))).find((n) => n.status?.uri === note.id));
    expect(notification.status.card).toMatchObject({
      url: page,
      type: "video",
      title: "A hen film",
      author_name: "Hen Films",
      author_url: "https://remote.test/hen",
      provider_name: "RemoteTube",
      width: 640,
      height: 360,
      image: "https://remote.test/thumb.jpg",
      html: `<iframe src="https://remote.test/embed/${id}" width="640" height="360" allowfullscreen="true" frameborder="0" scrolling="no"></iframe>`,
    });
    expect(await hits(photo)).toBe(0);
  });
});
