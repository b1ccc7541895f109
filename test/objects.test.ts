// Our objects and activities at their ids: content negotiation, counts, who may see what, 410.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTOR, AP, ORIGIN, owner, peer, postStatus, worker } from "./helpers.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const posts: Record<"public" | "unlisted" | "followers" | "direct", string> = { public: "", unlisted: "", followers: "", direct: "" };
const statusIds = new Map<string, string>();

async function post(params: Record<string, unknown>): Promise<string> {
  const { id, uri } = await postStatus({ content_type: "text/markdown", ...params });
  statusIds.set(uri, id);
  return uri;
}

const path = (id: string) => new URL(id).pathname;
const localId = (id: string) => id.split("/").pop()!;

beforeAll(async () => {
  await peer("https://social.test/__setup", { accounts: ["zed"] });
  posts.public = await post({ status: "Public **post**", spoiler_text: "<b>cw</b>" });
  posts.unlisted = await post({ status: "quiet", visibility: "unlisted" });
  posts.followers = await post({ status: "for followers", visibility: "private" });
  posts.direct = await post({ status: "@zed@social.test psst", visibility: "direct" });
  const reaction = env.DB.prepare("INSERT INTO reactions (activity_id, type, actor_id, object_id) VALUES (?, ?, ?, ?)");
  await env.DB.batch([
    reaction.bind("https://a.test/l/1", "Like", "https://a.test/u/1", posts.public),
    reaction.bind("https://a.test/l/2", "Like", "https://a.test/u/2", posts.public),
    reaction.bind("https://a.test/b/1", "Announce", "https://a.test/u/1", posts.public),
    reaction.bind("https://a.test/r/1", "EmojiReact", "https://a.test/u/3", posts.public),
    reaction.bind("https://a.test/l/3", "Like", "https://a.test/u/3", posts.unlisted),
  ]);
});

describe("objects", () => {
  it.each([
    ["application/activity+json"],
    ['application/ld+json; profile="https://www.w3.org/ns/activitystreams"'],
    ["text/html;q=0.5, application/activity+json"],
  ])("serves ActivityStreams with live like and boost counts to %s", async (accept) => {
    const res = await worker(path(posts.public), { headers: { Accept: accept } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("application/activity+json");
    expect(res.headers.get("Vary")).toBe("Accept");
    const note = (await res.json()) as Record<string, unknown>;
    expect(note).toMatchObject({
      "@context": expect.arrayContaining(["https://www.w3.org/ns/activitystreams"]),
      id: posts.public,
      type: "Note",
      attributedTo: ACTOR,
      to: [PUBLIC],
      summary: "<b>cw</b>",
      sensitive: true,
      url: `${ORIGIN}/@me/${localId(posts.public)}`,
      likes: { id: `${posts.public}/likes`, type: "Collection", totalItems: 2 },
      shares: { id: `${posts.public}/shares`, type: "Collection", totalItems: 1 },
    });
  });

  it("serves the permalink page to browsers at the id and at /@me/<id>", async () => {
    for (const url of [path(posts.public), `/@me/${localId(posts.public)}`]) {
      const res = await worker(url, { headers: { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toContain("text/html");
      expect(res.headers.get("Vary")).toBe("Accept");
      const html = await res.text();
      // The page itself is test/web-pages.test.ts's; here: the CW escaped and folding the body, the counts.
      expect(html).toContain('<span class="muted">Content warning:</span> &lt;b&gt;cw&lt;/b&gt;</summary><div class="content"><p>Public <strong>post</strong></p>');
      expect(html).toContain(`<link rel="alternate" type="application/activity+json" href="${posts.public}"/>`);
      expect(html).toContain("1 boost · 2 likes");
    }
    expect((await worker(`/@me/${localId(posts.unlisted)}`)).status).toBe(200);
  });

  it("answers the permalink with ActivityStreams too", async () => {
    const res = await worker(`/@me/${localId(posts.unlisted)}`, { headers: { Accept: AP } });
    expect(await res.json()).toMatchObject({ id: posts.unlisted, likes: { totalItems: 1 }, shares: { totalItems: 0 } });
  });

  it.each(["followers", "direct"] as const)("does not serve %s posts, nor their Create", async (visibility) => {
    const id = posts[visibility];
    for (const [url, accept] of [
      [path(id), AP],
      [path(id), "text/html"],
      [`/@me/${localId(id)}`, "text/html"],
      [`${path(id)}/activity`, AP],
    ]) {
      const res = await worker(url!, { headers: { Accept: accept! } });
      expect(res.status, url).toBe(404);
      // Servers get a JSON error, browsers a page.
      if (accept === AP) expect(await res.json()).toEqual({ error: expect.any(String) });
      else expect(await res.text()).toContain("No such post");
    }
  });

  it.each(["/objects/nothing", "/objects/nothing/activity", "/activities/nothing", "/@someone/123"])("%s is 404", async (url) => {
    expect((await worker(url, { headers: { Accept: AP } })).status).toBe(404);
  });
});

describe("activities", () => {
  it("serves the Create of a public post, with its proof", async () => {
    const res = await worker(`${path(posts.public)}/activity`, { headers: { Accept: AP } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: `${posts.public}/activity`, type: "Create", actor: ACTOR, object: { id: posts.public }, proof: { cryptosuite: "eddsa-jcs-2022" } });
  });

  it("serves public activities at /activities/<id>, not direct ones", async () => {
    const insert = env.DB.prepare("INSERT INTO activities (id, type, object_id, visibility, document, published) VALUES (?, ?, ?, ?, ?, ?)");
    const boost = { id: `${ORIGIN}/activities/boost1`, type: "Announce", actor: ACTOR, object: "https://a.test/p/1", to: [PUBLIC] };
    const like = { id: `${ORIGIN}/activities/like1`, type: "Like", actor: ACTOR, object: "https://a.test/p/1", to: ["https://a.test/u/1"] };
    await env.DB.batch([
      insert.bind(boost.id, "Announce", boost.object, "public", JSON.stringify(boost), Date.now()),
      insert.bind(like.id, "Like", like.object, "direct", JSON.stringify(like), Date.now()),
    ]);
    const served = await worker("/activities/boost1", { headers: { Accept: AP } });
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ "@context": "https://www.w3.org/ns/activitystreams", ...boost });
    expect((await worker("/activities/like1", { headers: { Accept: AP } })).status).toBe(404);
  });
});

describe("deleted posts", () => {
  it("answer 410 with a Tombstone, and so does their Create", async () => {
    const id = await post({ status: "short-lived" });
    const del = await owner(`/api/v1/statuses/${statusIds.get(id)}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ uri: id, text: "short-lived" });
    const res = await worker(path(id), { headers: { Accept: AP } });
    expect(res.status).toBe(410);
    const tombstone = (await res.json()) as Record<string, string>;
    expect(tombstone).toMatchObject({ id, type: "Tombstone", formerType: "Note" });
    expect(Date.parse(tombstone.deleted!)).toBeGreaterThan(Date.now() - 60_000);
    // A browser gets a page saying so, with the same status.
    const page = await worker(path(id), { headers: { Accept: "text/html" } });
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("This post was deleted");
    const create = await worker(`${path(id)}/activity`, { headers: { Accept: AP } });
    expect(create.status).toBe(410);
    expect(await create.json()).toMatchObject({ id: `${id}/activity`, type: "Tombstone", formerType: "Create" });
    expect((await owner(`/api/v1/statuses/${statusIds.get(id)}`, { method: "DELETE" })).status).toBe(404);
  });
});
