// The public web pages (#13): the profile, a post's permalink with its thread, hashtag pages, the
// feeds, the follow/interact forms that send a visitor to their own server, and the page cache.
// The same pages in a real browser: test/node/web-browser.test.ts.
import { env } from "cloudflare:test";
import { XMLParser } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { form } from "./client-support.ts";
import { ACTOR, ORIGIN, OWNER_TOKEN, owner, peer, postStatus, waitFor, worker } from "./helpers.ts";
import { png, uploadForm } from "./media-fixtures.ts";

const HTML = { headers: { Accept: "text/html" } };
const page = async (path: string) => {
  const res = await worker(path, HTML);
  return { res, html: await res.text() };
};
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const uid = () => crypto.randomUUID().slice(0, 8);

/** Stores a remote post as if it had reached us (a reply, or a post of someone we follow). */
async function remotePost(note: Record<string, unknown> & { id: string; attributedTo: string }) {
  const published = Date.now();
  const doc: Record<string, unknown> = { "@context": "https://www.w3.org/ns/activitystreams", type: "Note", to: [PUBLIC], published: new Date(published).toISOString(), ...note };
  await env.DB.prepare("INSERT INTO remote_objects (id, actor_id, type, in_reply_to, document, published) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(doc.id, doc.attributedTo, doc.type, (doc.inReplyTo as string) ?? null, JSON.stringify(doc), published)
    .run();
  await env.DB.prepare("INSERT INTO statuses (id, uri, actor_id, local, visibility, in_reply_to, published, home) VALUES (?, ?, ?, 0, 'public', ?, ?, 0)")
    .bind(published * 2048 + Math.floor(Math.random() * 2048), doc.id, doc.attributedTo, (doc.inReplyTo as string) ?? null, published)
    .run();
  const row = await env.DB.prepare("SELECT id FROM statuses WHERE uri = ?").bind(doc.id).first<{ id: number }>();
  return String(row!.id);
}

/** `n` public posts of ours at once, stored as publishing stores them (a Note row and its index entry): pages to page through. */
async function fillerPosts(n: number) {
  const now = Date.now();
  const statements = [];
  for (let i = 0; i < n; i++) {
    const key = `filler${uid()}${i}`;
    const id = `${ORIGIN}/objects/${key}`;
    const published = now + i;
    const note = { id, type: "Note", attributedTo: ACTOR, to: [PUBLIC], cc: [`${ACTOR}/followers`], url: `${ORIGIN}/@me/${key}`, content: `<p>Filler ${i}</p>`, published: new Date(published).toISOString() };
    statements.push(
      env.DB.prepare("INSERT INTO objects (id, type, visibility, document, published) VALUES (?, 'Note', 'public', ?, ?)").bind(id, JSON.stringify(note), published),
      env.DB.prepare("INSERT INTO statuses (id, uri, actor_id, local, visibility, published) VALUES (?, ?, ?, 1, 'public', ?)").bind(published * 2048 + i, id, ACTOR, published),
    );
  }
  await env.DB.batch(statements);
}

const relMePage = (href: string) => `<!doctype html><html><head><link rel="me" href="${href}"></head><body>me</body></html>`;

let pinned: string;
let cwPost: { uri: string; id: string };

beforeAll(async () => {
  // A profile with an avatar, a header, a link field that links back (rel="me") and one that does not.
  const home = `https://remote.test/home-${uid()}`;
  const elsewhere = `https://remote.test/elsewhere-${uid()}`;
  await peer("https://remote.test/__setup", {
    routes: {
      [home]: { headers: { "Content-Type": "text/html; charset=utf-8" }, text: relMePage(`${ORIGIN}/@me`) },
      [elsewhere]: { headers: { "Content-Type": "text/html" }, text: relMePage("https://other.test/@someone") },
    },
  });
  const res = await owner("/api/v1/accounts/update_credentials", {
    method: "PATCH",
    body: JSON.stringify({ fields_attributes: [{ name: "Home", value: home }, { name: "Elsewhere", value: elsewhere }, { name: "Pronouns", value: "they/them" }] }),
  });
  expect(res.status).toBe(200);
  await env.DB.prepare("UPDATE profile SET data = json_set(data, '$.avatarUrl', ?, '$.headerUrl', ?)").bind(`${ORIGIN}/images/missing.png`, `${ORIGIN}/images/missing.png`).run();
  await waitFor(async () => (await env.DB.prepare("SELECT count(*) AS n FROM profile_links").first<{ n: number }>())?.n === 2);

  const first = await postStatus({ status: "The very first post #Roost", visibility: "public" });
  pinned = first.uri;
  expect((await owner(`/api/v1/statuses/${first.id}/pin`, { method: "POST" })).status).toBe(200);
  const media = await worker("/api/v1/media", {
    method: "POST",
    headers: { Authorization: `Bearer ${OWNER_TOKEN}` },
    body: uploadForm(await png(8, 6, null), "sky.png", "image/png", { description: "A grey sky over the sea" }),
  });
  expect(media.status).toBe(200);
  const posted = await postStatus({ status: "Spoilers for the film", spoiler_text: "film ending", media_ids: [((await media.json()) as { id: string }).id] });
  cwPost = { uri: posted.uri, id: posted.uri.split("/").pop()! };
});

describe("the profile page", () => {
  it("shows avatar, header, handle, bio, fields with rel=me and the verified mark, counts, pinned posts, boosts, replies", async () => {
    // A boost of a remote post and a reply to one.
    const ann = "https://remote.test/users/ann";
    const theirs = `${ann}/statuses/${uid()}`;
    const statusId = await remotePost({ id: theirs, attributedTo: ann, content: "<p>Ann's post</p>" });
    expect((await owner(`/api/v1/statuses/${statusId}/reblog`, { method: "POST" })).status).toBe(200);
    await postStatus({ status: "A reply to Ann", in_reply_to_id: statusId });
    await postStatus({ status: "Only for those with the link", visibility: "unlisted" });
    await postStatus({ status: "Followers only", visibility: "private" });

    const { res, html } = await page("/@me");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/html");
    expect(html).toMatch(/^<!doctype html><html lang="en">/);
    expect(html).toContain('<img class="avatar" src="https://roost.test/images/missing.png" alt="Avatar of Test Owner"');
    expect(html).toContain('alt="Header image of Test Owner"');
    expect(html).toContain('value="@me@roost.test"');
    expect(html).toContain("Hello from the tests.");
    // Both link fields carry rel="me"; only the one whose page links back is marked verified.
    expect(html.match(/rel="me nofollow noopener noreferrer"/g)).toHaveLength(2);
    expect(html.match(/aria-label="Verified link"/g)).toHaveLength(1);
    expect(html).toMatch(/<dd class="verified"><span [^>]*>✓ <\/span><a href="https:\/\/remote\.test\/home-/);
    expect(html).toContain("<dd>they/them</dd>");
    // The client API shows the same verification.
    const me = (await (await owner("/api/v1/accounts/verify_credentials")).json()) as { fields: { verified_at: string | null }[] };
    expect(me.fields.map((f) => f.verified_at !== null)).toEqual([true, false, false]);
    // Public and unlisted posts (the trigger-kept counter NodeInfo shows too); boosts are not posts of ours.
    expect(html).toContain("<strong>4</strong> posts");
    // Pinned first, then the posts newest first; the followers-only post is not on a public page.
    const pinnedAt = html.indexOf('id="pinned"');
    const postsAt = html.indexOf('id="posts"');
    expect(pinnedAt).toBeGreaterThan(0);
    expect(html.slice(pinnedAt, postsAt)).toContain("The very first post");
    const list = html.slice(postsAt);
    expect(list.indexOf("Only for those with the link")).toBeLessThan(list.indexOf("A reply to Ann"));
    expect(list.indexOf("A reply to Ann")).toBeLessThan(list.indexOf("Ann's post"));
    expect(list).toContain("Test Owner</a> boosted");
    expect(list).toContain(`In reply to <a href="${theirs}">`);
    expect(html).not.toContain("Followers only");
    // The preview meta tags and the alternates.
    expect(html).toContain(`<link rel="alternate" type="application/activity+json" href="${ACTOR}"/>`);
    expect(html).toContain('<link rel="alternate" type="application/atom+xml" title="Atom" href="https://roost.test/@me/feed.atom"/>');
    expect(html).toContain('<meta property="og:type" content="profile"/>');
    expect(html).toContain('<meta name="fediverse:creator" content="@me@roost.test"/>');
    // A strict CSP: the inline script by hash, styles only from the served stylesheet.
    const csp = res.headers.get("Content-Security-Policy")!;
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+';/);
    expect(csp).not.toContain("unsafe-inline");
    expect(html).not.toMatch(/<style|style="/);
    const css = /<link rel="stylesheet" href="([^"]+)"/.exec(html)![1]!;
    const sheet = await worker(css);
    expect(sheet.headers.get("Content-Type")).toContain("text/css");
    expect(sheet.headers.get("Cache-Control")).toContain("immutable");
    expect(await sheet.text()).toContain("prefers-color-scheme:dark");
  });

  it("pages by keyset: 'Older posts' leads to the next 20, and a bad cursor is a 400", async () => {
    await fillerPosts(21);
    const first = await page("/@me");
    expect(first.html.match(/Filler \d+/g)).toHaveLength(20);
    const older = /href="https:\/\/roost\.test\/@me\?older=(\d+)" rel="next"/.exec(first.html)![1];
    const second = await page(`/@me?older=${older}`);
    expect(second.res.status).toBe(200);
    expect(second.html).toContain("Filler 0");
    expect(second.html).not.toContain("Filler 20");
    expect(second.html).not.toContain('id="pinned"');
    expect((await page("/@me?older=x")).res.status).toBe(400);
  });
});

describe("a post's page", () => {
  it("shows the thread around it, the CW folded in a closed <details>, media with alt text, poll results, tag links", async () => {
    // Our post replies to a remote one; a remote reply with a poll answers ours.
    const bo = "https://remote.test/users/bo";
    const parent = `${bo}/statuses/${uid()}`;
    const parentId = await remotePost({ id: parent, attributedTo: bo, content: "<p>What should I watch?</p>" });
    const ours = await postStatus({ status: "This one #Films", in_reply_to_id: parentId });
    const before = await page(`/@me/${ours.uri.split("/").pop()}`);
    expect(before.res.headers.get("X-Roost-Cache")).toBeNull();
    expect((await page(`/@me/${ours.uri.split("/").pop()}`)).res.headers.get("X-Roost-Cache")).toBe("hit");
    await remotePost({
      id: `${bo}/statuses/${uid()}`,
      attributedTo: bo,
      type: "Question",
      inReplyTo: ours.uri,
      content: "<p>Which night?</p><script>alert(1)</script>",
      oneOf: [
        { type: "Note", name: "Friday", replies: { type: "Collection", totalItems: 3 } },
        { type: "Note", name: "Saturday", replies: { type: "Collection", totalItems: 1 } },
      ],
    });
    // The reply made the cached page stale.
    const { res, html: whole } = await page(`/@me/${ours.uri.split("/").pop()}`);
    expect(res.headers.get("X-Roost-Cache")).toBeNull();
    const html = whole.slice(whole.indexOf("<main>"));
    expect(html.indexOf("What should I watch?")).toBeLessThan(html.indexOf("This one"));
    expect(html.indexOf("This one")).toBeLessThan(html.indexOf("Which night?"));
    expect(html).not.toContain("<script>alert");
    expect(html).toMatch(/Friday <span class="muted">75%<\/span><br\/><progress max="4" value="3">/);
    expect(html).toContain('href="https://roost.test/tags/films"');
    expect(whole).toContain('<meta property="og:type" content="article"/>');
    expect(whole).toContain(`<link rel="alternate" type="application/activity+json" href="${ours.uri}"/>`);
    expect(html).toContain('<form class="interact" method="post" action="/interact">');

    const cw = await page(`/@me/${cwPost.id}`);
    expect(cw.html).toMatch(/<details class="cw"><summary><span class="muted">Content warning:<\/span> film ending<\/summary>/);
    const details = cw.html.slice(cw.html.indexOf('<details class="cw">'));
    expect(details).toMatch(/<img src="https:\/\/roost\.test\/media\/[^"]+" alt="A grey sky over the sea" width="8" height="6"/);
    // The preview names only the warning, and no image of a sensitive post.
    expect(cw.html).toContain('<meta name="description" content="Content warning: film ending"/>');
    expect(cw.html).not.toContain('property="og:image" content="https://roost.test/media/');

    expect((await page("/@me/nothing-here")).res.status).toBe(404);
    // The Note itself is still served as ActivityStreams at the same URL.
    expect((await worker(`/@me/${cwPost.id}`, { headers: { Accept: "application/activity+json" } })).headers.get("Content-Type")).toContain("activity+json");
  });

  it("the tag page lists our public posts with the hashtag, not unlisted ones", async () => {
    await postStatus({ status: "Quiet #Roost note", visibility: "unlisted" });
    const { res, html } = await page("/tags/roost");
    expect(res.status).toBe(200);
    expect(html).toContain("<h1>#roost</h1>");
    expect(html).toContain("The very first post");
    expect(html).not.toContain("Quiet");
    expect((await page("/tags/not%20a%20tag")).res.status).toBe(404);
    // Hono has decoded the tag once: a malformed escape is no tag (it was a 500), and %2523 is not "#".
    expect((await page("/tags/%FF")).res.status).toBe(404);
    expect((await page("/tags/%2523")).res.status).toBe(404);
  });

  it("a follow or interact form whose body cannot be read is a 400 page, not a 500", async () => {
    const cut = { "Content-Type": "multipart/form-data; boundary=x" };
    const body = '--x\r\nContent-Disposition: form-data; name="handle"\r\n\r\n@a@b.test';
    const interact = await worker("/interact", { method: "POST", headers: cut, body });
    expect(interact.status).toBe(400);
    expect(await interact.text()).toContain("The form could not be read.");
    const authorize = await worker("/authorize_interaction", { method: "POST", headers: { ...cut, Origin: ORIGIN }, body });
    expect(authorize.status).toBe(400);
  });
});

describe("feeds", () => {
  it("Atom and RSS carry the public posts (not replies or boosts) with the elements the formats require", async () => {
    await postStatus({ status: "The twist is *fine*", spoiler_text: "another ending", content_type: "text/markdown" });
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" });
    const atomRes = await worker("/@me/feed.atom");
    expect(atomRes.headers.get("Content-Type")).toContain("application/atom+xml");
    const atom = parser.parse(await atomRes.text()).feed;
    expect(atom["@xmlns"]).toBe("http://www.w3.org/2005/Atom");
    for (const key of ["id", "title", "updated", "author"]) expect(atom[key]).toBeTruthy();
    expect([atom.link].flat().find((l: Record<string, string>) => l["@rel"] === "self")["@href"]).toBe(`${ORIGIN}/@me/feed.atom`);
    const entries = [atom.entry].flat();
    expect(entries).toHaveLength(20);
    for (const e of entries) {
      for (const key of ["id", "title", "updated", "link", "content"]) expect(e[key]).toBeTruthy();
      expect(Number.isNaN(Date.parse(e.updated))).toBe(false);
    }
    const titles = entries.map((e: { title: string }) => String(e.title));
    expect(titles).not.toContain("A reply to Ann");
    expect(titles).not.toContain("Only for those with the link");

    const rssRes = await worker("/@me/feed.rss");
    expect(rssRes.headers.get("Content-Type")).toContain("application/rss+xml");
    const rss = parser.parse(await rssRes.text()).rss;
    expect(rss["@version"]).toBe("2.0");
    for (const key of ["title", "link", "description"]) expect(rss.channel[key]).toBeTruthy();
    const items = [rss.channel.item].flat();
    expect(items.length).toBe(20);
    for (const item of items) {
      expect(item.link).toMatch(/^https:\/\/roost\.test\/@me\//);
      expect(new Date(item.pubDate).toUTCString()).toBe(item.pubDate);
      expect(item.guid["#text"]).toMatch(/^https:\/\/roost\.test\/objects\//);
    }
    // A content warning is the title; the body is in the description.
    expect(items[0].title).toBe("Content warning: another ending");
    expect(items[0].description).toContain("<em>fine</em>");
  });
});

describe("follow and interact from any server", () => {
  const webfinger = (user: string) => `https://remote.test/.well-known/webfinger?resource=acct:${user}@remote.test`;
  const jrd = (links: Record<string, string>[]) => ({ headers: { "Content-Type": "application/jrd+json" }, json: { subject: "acct:x@remote.test", links } });

  it("sends the visitor to their server's subscribe template with our handle, or its FEP-3b86 intent when offered", async () => {
    const [plain, fep, none] = [`v${uid()}`, `f${uid()}`, `n${uid()}`];
    await peer("https://remote.test/__setup", {
      routes: {
        [webfinger(plain)]: jrd([{ rel: "http://ostatus.org/schema/1.0/subscribe", template: "https://remote.test/authorize_interaction?uri={uri}" }]),
        [webfinger(fep)]: jrd([
          { rel: "http://ostatus.org/schema/1.0/subscribe", template: "https://remote.test/authorize_interaction?uri={uri}" },
          { rel: "https://w3id.org/fep/3b86/Like", template: "https://remote.test/intents/like?id={object}&back={on-success}" },
        ]),
        [webfinger(none)]: jrd([{ rel: "self", type: "application/activity+json", href: "https://remote.test/users/n" }]),
      },
    });
    const follow = await worker("/interact", { ...form({ handle: `@${plain}@remote.test`, intent: "follow", object: ACTOR }), redirect: "manual" });
    expect(follow.status).toBe(303);
    expect(follow.headers.get("Location")).toBe("https://remote.test/authorize_interaction?uri=me%40roost.test");

    const like = await worker("/interact", { ...form({ handle: `${fep}@remote.test`, intent: "like", object: pinned }), redirect: "manual" });
    expect(like.headers.get("Location")).toBe(`https://remote.test/intents/like?id=${encodeURIComponent(pinned)}&back=`);
    // No Announce intent there: the subscribe template gets the post.
    const boost = await worker("/interact", { ...form({ handle: `${fep}@remote.test`, intent: "boost", object: pinned }), redirect: "manual" });
    expect(boost.headers.get("Location")).toBe(`https://remote.test/authorize_interaction?uri=${encodeURIComponent(pinned)}`);

    // No template: our handle to paste instead.
    const fallback = await worker("/interact", form({ handle: `${none}@remote.test`, intent: "follow", object: ACTOR }));
    expect(fallback.status).toBe(502);
    const text = await fallback.text();
    expect(text).toContain('value="@me@roost.test"');
    expect(text).toContain("offers no way to follow");

    // Not ours, not a handle, another site's form: refused without a lookup.
    expect((await worker("/interact", form({ handle: `${plain}@remote.test`, intent: "like", object: "https://elsewhere.test/x" }))).status).toBe(400);
    expect((await worker("/interact", form({ handle: "nobody", intent: "follow", object: ACTOR }))).status).toBe(400);
    const crossSite = await worker("/interact", { ...form({ handle: `${plain}@remote.test`, intent: "follow", object: ACTOR }), headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.test" } });
    expect(crossSite.status).toBe(403);
  });
});
