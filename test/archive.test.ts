// Account archives (issue #14 item 4, docs/portability.md): an export in the shape of Mastodon's
// archive, built by `archive` jobs into R2 and downloaded by the owner; the same archive imported
// into a node whose posts are gone; an archive shaped exactly as Mastodon's BackupService writes it
// (deflated entries, test/fixtures/archive/) imported; damaged zips refused with the reason.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newSession } from "../src/domain/owner-session.ts";
import { createServices } from "../src/runtime/services.ts";
import { crc32, dataOffset, END_MAX, findCentralDirectory, readCentralDirectory } from "../src/media/zip.ts";
import { signRequest } from "../src/federation/signatures/index.ts";
import { ACTOR, count, MASTODON, ORIGIN, owner, peer, postStatus, waitFor, worker } from "./helpers.ts";
import { png, uploadForm } from "./media-fixtures.ts";
import mastodonOutbox from "./fixtures/archive/mastodon-outbox.json";
import mastodonActor from "./fixtures/archive/mastodon-actor.json";

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function finished(id: string) {
  return waitFor(async () => {
    const report = await json(await owner(`/api/roost/archives/${id}`));
    return report.state === "finished" || report.state === "failed" ? report : null;
  }, 20_000);
}

const importZip = (zip: Uint8Array) => owner("/api/roost/archives/import", { method: "POST", headers: { "Content-Type": "application/zip" }, body: zip });

/** The zip's entries by name, each checked against its CRC-32 — read with the same range logic the import uses. */
function entries(zip: Uint8Array): Map<string, Uint8Array> {
  const end = findCentralDirectory(zip.subarray(Math.max(0, zip.length - END_MAX)), zip.length);
  if (!end.ok) throw new Error(end.error);
  const listed = readCentralDirectory(zip.subarray(end.value.offset, end.value.offset + end.value.length), end.value.entries, zip.length);
  if (!listed.ok) throw new Error(listed.error);
  const out = new Map<string, Uint8Array>();
  for (const e of listed.value) {
    const start = dataOffset(e, zip.subarray(e.offset, e.offset + 30));
    if (!start.ok) throw new Error(start.error);
    expect(e.method, e.name).toBe(0);
    const bytes = zip.subarray(start.value, start.value + e.size);
    expect(crc32(bytes), `${e.name} CRC`).toBe(e.crc);
    out.set(e.name, bytes);
  }
  return out;
}

/** A zip as rubyzip writes Mastodon's: every entry deflated, sizes and CRC in the local header. */
async function deflatedZip(files: Record<string, Uint8Array>): Promise<Uint8Array> {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const deflated = new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(new CompressionStream("deflate-raw"))).arrayBuffer());
    const nameBytes = new TextEncoder().encode(name);
    const header = new Uint8Array(30 + nameBytes.length);
    const h = new DataView(header.buffer);
    h.setUint32(0, 0x04034b50, true);
    h.setUint16(4, 20, true);
    h.setUint16(8, 8, true);
    h.setUint32(14, crc32(data), true);
    h.setUint32(18, deflated.length, true);
    h.setUint32(22, data.length, true);
    h.setUint16(26, nameBytes.length, true);
    header.set(nameBytes, 30);
    const central = new Uint8Array(46 + nameBytes.length);
    const c = new DataView(central.buffer);
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(10, 8, true);
    c.setUint32(16, crc32(data), true);
    c.setUint32(20, deflated.length, true);
    c.setUint32(24, data.length, true);
    c.setUint16(28, nameBytes.length, true);
    c.setUint32(42, offset, true);
    central.set(nameBytes, 46);
    locals.push(header, deflated);
    centrals.push(central);
    offset += header.length + deflated.length;
  }
  const directory = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const e = new DataView(end.buffer);
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, centrals.length, true);
  e.setUint16(10, centrals.length, true);
  e.setUint32(12, directory, true);
  e.setUint32(16, offset, true);
  return new Uint8Array(await new Blob([...locals, ...centrals, end]).arrayBuffer());
}

/** A multipart body as an app sends it (update_credentials' avatar and header). */
async function multipart(form: FormData): Promise<RequestInit> {
  const request = new Request(`${ORIGIN}/`, { method: "POST", body: form });
  return { headers: { "Content-Type": request.headers.get("Content-Type")! }, body: await request.arrayBuffer() };
}

/** The bytes the bucket holds at a media URL of ours. */
async function stored(url: string): Promise<Uint8Array> {
  const object = await env.MEDIA.get(new URL(url).pathname.replace(/^\/media\//, ""));
  return new Uint8Array(await object!.arrayBuffer());
}

/** Our outbox collection's first page, as a follower's server reads it. */
async function outboxItems(): Promise<any[]> {
  const collection = await json(await worker("/users/me/outbox", { headers: { Accept: "application/activity+json" } }));
  return (await json(await worker(new URL(collection.first).pathname + new URL(collection.first).search, { headers: { Accept: "application/activity+json" } }))).orderedItems;
}

const ownPosts = () => env.DB.prepare("SELECT s.id, s.uri, s.visibility, s.published, s.in_reply_to, o.document FROM statuses s JOIN objects o ON o.id = s.uri WHERE s.local = 1 AND s.reblog_of_uri IS NULL ORDER BY s.published").all<{ id: number; uri: string; visibility: string; published: number; in_reply_to: string | null; document: string }>();

describe("account archive", () => {
  it("exports posts, media, likes, bookmarks and the actor as a zip the owner downloads; re-imported where the posts are gone, it yields the same posts (ids mapped), dates and media, sending nothing; a second import changes nothing", async () => {
    const image = await png(20, 12, null);
    const form = uploadForm(image, "red.png", "image/png", { description: "A red rectangle" });
    const request = new Request(`${ORIGIN}/api/v1/media`, { method: "POST", body: form });
    const media = await json(await owner("/api/v1/media", { method: "POST", headers: { "Content-Type": request.headers.get("Content-Type")! }, body: await request.arrayBuffer() }));
    const first = await postStatus({ status: "The first post #archives", visibility: "public", spoiler_text: "a warning" });
    const second = await postStatus({ status: "Followers only, with a picture", visibility: "private", media_ids: [media.id] });
    const reply = await postStatus({ status: "A reply to myself", visibility: "unlisted", in_reply_to_id: first.id });
    await json(await owner(`/api/v1/statuses/${second.id}/bookmark`, { method: "POST" }));
    const images = new FormData();
    images.set("avatar", new File([await png(16, 16, null)], "me.png", { type: "image/png" }));
    images.set("header", new File([await png(30, 10, null)], "wide.png", { type: "image/png" }));
    const account = await json(await owner("/api/v1/accounts/update_credentials", { method: "PATCH", ...(await multipart(images)) }));
    expect(account.avatar).toMatch(/\/media\/profile\/avatar-[0-9a-f]{24}\.png$/);

    const started = await json(await owner("/api/roost/archives/export", { method: "POST" }), 202);
    expect((await owner("/api/roost/archives/export", { method: "POST" })).status).toBe(409);
    const report = await finished(started.id);
    expect(report).toMatchObject({ kind: "export", state: "finished", processed: report.total, error: null });
    expect(report.total).toBeGreaterThanOrEqual(3);
    expect(report.download).toBe(`${ORIGIN}/api/roost/archives/${started.id}/download`);

    // The download: the owner token, or the owner's session in a browser; nobody else.
    expect((await worker(`/api/roost/archives/${started.id}/download`)).status).toBe(401);
    expect((await worker(`/oauth/archives/${started.id}/download`)).status).toBe(401);
    const session = await newSession(createServices(env));
    const viaSession = await worker(`/oauth/archives/${started.id}/download`, { headers: { Cookie: `roost_owner=${session}` } });
    expect(viaSession.status).toBe(200);
    await viaSession.arrayBuffer();
    const res = await owner(`/api/roost/archives/${started.id}/download`);
    expect(res.headers.get("Content-Type")).toBe("application/zip");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="archive-\d{14}\.zip"$/);
    const zip = new Uint8Array(await res.arrayBuffer());
    expect(zip.length).toBe(report.size);
    const files = entries(zip);
    const text = (name: string) => JSON.parse(new TextDecoder().decode(files.get(name)));
    const outbox = text("outbox.json");
    expect(outbox).toMatchObject({ id: "outbox.json", type: "OrderedCollection", totalItems: report.total });
    const items = outbox.orderedItems as any[];
    const created = (uri: string) => items.find((i) => i.object?.id === uri);
    expect(created(first.uri)).toMatchObject({ type: "Create", id: first.activityId, object: { summary: "a warning", to: ["https://www.w3.org/ns/activitystreams#Public"] } });
    const attachment = created(second.uri).object.attachment[0];
    expect(attachment.url).toMatch(/^media_attachments\/files\/(\d{3}\/){3,}original\/[0-9a-f]{24}\.png$/);
    expect(attachment.name).toBe("A red rectangle");
    expect(files.get(attachment.url)).toEqual(image);
    expect(text("bookmarks.json")).toEqual({ "@context": "https://www.w3.org/ns/activitystreams", id: "bookmarks.json", type: "OrderedCollection", orderedItems: [second.uri] });
    expect(text("likes.json")).toMatchObject({ id: "likes.json", orderedItems: [] });
    // The avatar and header as BackupService writes them, actor.json pointing at them.
    expect(text("actor.json")).toMatchObject({ id: `${ORIGIN}/users/me`, outbox: "outbox.json", likes: "likes.json", bookmarks: "bookmarks.json", icon: { type: "Image", url: "avatar.png" }, image: { type: "Image", url: "header.png" } });
    expect(files.get("avatar.png")).toEqual(await stored(account.avatar));
    expect(files.get("header.png")).toEqual(await stored(account.header));
    expect([...files.keys()].slice(-3)).toEqual(["avatar.png", "header.png", "actor.json"]);

    // A fresh node: our posts, their media and what was sent are gone.
    const before = (await ownPosts()).results;
    await env.DB.batch([
      env.DB.prepare("DELETE FROM statuses WHERE local = 1"),
      env.DB.prepare("DELETE FROM objects"),
      env.DB.prepare("DELETE FROM media_attachments"),
      env.DB.prepare("DELETE FROM activities"),
      env.DB.prepare("DELETE FROM fanouts"),
    ]);
    const imported = await finished((await json(await importZip(zip), 202)).id);
    expect(imported).toMatchObject({ kind: "import", state: "finished", total: report.total, imported: before.length, failed: 0, failures: [] });
    const after = (await ownPosts()).results;
    expect(after.map((p) => [p.published, p.visibility])).toEqual(before.map((p) => [p.published, p.visibility]));
    expect(after.map((p) => p.uri)).not.toEqual(expect.arrayContaining([first.uri]));
    const note = (uri: string) => JSON.parse(after.find((p) => p.uri === uri)!.document);
    const byContent = (needle: string) => after.find((p) => JSON.parse(p.document).content.includes(needle))!;
    const [newFirst, newSecond, newReply] = [byContent("The first post"), byContent("Followers only"), byContent("A reply to myself")];
    expect(note(newFirst.uri)).toMatchObject({ summary: "a warning", sensitive: true, attributedTo: `${ORIGIN}/users/me`, tag: [{ type: "Hashtag", name: "#archives", href: `${ORIGIN}/tags/archives` }] });
    expect(newReply.in_reply_to).toBe(newFirst.uri);
    expect(note(newReply.uri).inReplyTo).toBe(newFirst.uri);
    // The picture was copied into our media and is served from there.
    const copied = note(newSecond.uri).attachment[0];
    expect(copied).toMatchObject({ type: "Document", mediaType: "image/png", name: "A red rectangle", width: 20, height: 12 });
    expect(new Uint8Array(await (await worker(new URL(copied.url).pathname)).arrayBuffer())).toEqual(image);
    // The client API shows them with their old dates, and nothing was sent to anyone.
    const shown = await json(await owner(`/api/v1/statuses/${newSecond.id}`));
    expect(shown).toMatchObject({ visibility: "private", created_at: new Date(before.find((p) => p.uri === second.uri)!.published).toISOString(), media_attachments: [{ description: "A red rectangle" }] });
    expect(await count("activities", "type <> 'Create'")).toBe(0);
    expect(await count("fanouts")).toBe(0);
    // Served like any post: the Note at its id, its page, and the outbox (its Create stored, unsent) newest first.
    expect(await json(await worker(new URL(newFirst.uri).pathname, { headers: { Accept: "application/activity+json" } }))).toMatchObject({ id: newFirst.uri, type: "Note", published: new Date(newFirst.published).toISOString() });
    const page = await worker(new URL(note(newFirst.uri).url).pathname, { headers: { Accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("The first post");
    const listed = (await outboxItems()).filter((i) => after.some((p) => p.uri === i.object?.id));
    expect(listed.map((i) => i.object.id)).toEqual([newReply.uri, newFirst.uri]);
    expect(listed[0]).toMatchObject({ type: "Create", id: `${newReply.uri}/activity`, actor: `${ORIGIN}/users/me` });
    const profilePage = await (await worker("/@me", { headers: { Accept: "text/html" } })).text();
    expect(profilePage.indexOf("A reply to myself")).toBeGreaterThan(-1);
    expect(profilePage.indexOf("A reply to myself")).toBeLessThan(profilePage.indexOf("The first post"));
    // The upload is gone from the bucket once imported.
    expect((await env.MEDIA.list({ prefix: "archives/" })).objects.filter((o) => o.key.includes("upload-"))).toEqual([]);

    // The bookmark of the archive's own post now marks its copy here (through the bookmarks import).
    expect(imported.bookmarksImport).toMatch(/^\d+$/);
    await waitFor(async () => (await json(await owner(`/api/roost/imports/${imported.bookmarksImport}`))).state === "finished");
    expect((await json(await owner("/api/v1/bookmarks"))).map((s: any) => s.id)).toContain(String(newSecond.id));

    const again = await finished((await json(await importZip(zip), 202)).id);
    expect(again).toMatchObject({ state: "finished", imported: 0, skipped: report.total });
    expect((await ownPosts()).results.length).toBe(after.length);
    expect(await count("activities", "type = 'Create'")).toBe(after.length);
  });

  it("imports an archive in the exact shape Mastodon's BackupService writes (deflated entries): dates, visibility, content warning, mentions, media; boosts skipped; the profile left alone unless asked", async () => {
    const image = await png(8, 8, null);
    const profileBefore = await json(await owner("/api/v1/accounts/verify_credentials"));
    const updatesBefore = await count("activities", "type = 'Update'");
    const zip = await deflatedZip({
      "outbox.json": new TextEncoder().encode(JSON.stringify(mastodonOutbox)),
      "media_attachments/files/110/000/000/000/000/001/original/3f1a2b4c5d6e7f80.png": image,
      "likes.json": new TextEncoder().encode(JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: "likes.json", type: "OrderedCollection", orderedItems: [] })),
      "actor.json": new TextEncoder().encode(JSON.stringify(mastodonActor)),
    });
    const report = await finished((await json(await importZip(zip), 202)).id);
    expect(report).toMatchObject({ state: "finished", total: 5, processed: 5, imported: 4, skipped: 1, failed: 0 });
    const posts = (await ownPosts()).results.map((p) => ({ ...p, note: JSON.parse(p.document) }));
    const find = (published: string) => posts.find((p) => p.published === Date.parse(published))!;
    const hello = find("2023-04-02T10:15:00Z");
    expect(hello.visibility).toBe("public");
    expect(hello.note).toMatchObject({ content: '<p>Hello from the old home <a href="https://old.example/tags/fediverse" rel="nofollow noopener noreferrer" target="_blank" class="mention hashtag">#<span>fediverse</span></a></p>', contentMap: { en: expect.any(String) } });
    expect(hello.note.tag).toEqual([{ type: "Hashtag", href: `${ORIGIN}/tags/fediverse`, name: "#fediverse" }]);
    const warned = find("2023-05-10T08:00:00Z");
    expect(warned).toMatchObject({ visibility: "unlisted" });
    expect(warned.note).toMatchObject({ summary: "spoilers", sensitive: true, attachment: [{ mediaType: "image/png", name: "Eight by eight", blurhash: "UEHLh[WB2yk8pyoJadR*.7kCMdnjS#M|%1%2", focalPoint: [0.5, -0.25] }] });
    const followersOnly = find("2023-05-11T09:30:00Z");
    expect(followersOnly.visibility).toBe("followers");
    expect(followersOnly.in_reply_to).toBe(hello.uri);
    expect(followersOnly.note.cc).toEqual([]);
    expect(followersOnly.note.to).toEqual([`${ORIGIN}/users/me/followers`]);
    const direct = find("2023-06-01T12:00:00Z");
    expect(direct.visibility).toBe("direct");
    expect(direct.note).toMatchObject({ to: ["https://elsewhere.example/users/bob"], tag: [{ type: "Mention", href: "https://elsewhere.example/users/bob", name: "@bob@elsewhere.example" }] });
    // Script in the old content does not survive the sanitiser.
    expect(direct.note.content).not.toContain("<script");
    // Without profile=true actor.json only says whose the posts are.
    expect(await json(await owner("/api/v1/accounts/verify_credentials"))).toMatchObject({ display_name: profileBefore.display_name, note: profileBefore.note, avatar: profileBefore.avatar, fields: profileBefore.fields });
    expect(await count("activities", "type = 'Update'")).toBe(updatesBefore);
  });

  it("with profile=true takes the name, bio (sanitised), fields, avatar and header of actor.json in one Update; bookmarks.json bookmarks the posts it can resolve", { timeout: 40_000 }, async () => {
    const ann = "https://remote.test/users/ann-archive";
    const remote = `${ann}/statuses/${crypto.randomUUID()}`;
    await peer("https://remote.test/__setup", {
      routes: {
        [ann]: { json: { "@context": "https://www.w3.org/ns/activitystreams", id: ann, type: "Person", preferredUsername: "ann-archive", inbox: `${ann}/inbox` } },
        [remote]: { json: { "@context": "https://www.w3.org/ns/activitystreams", id: remote, type: "Note", attributedTo: ann, content: "<p>worth keeping</p>", to: ["https://www.w3.org/ns/activitystreams#Public"], published: "2023-01-01T00:00:00Z" } },
      },
    });
    const [avatar, header] = [await png(12, 12, null), await png(40, 10, null)];
    const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const actor = {
      ...mastodonActor,
      name: "Alice Archived",
      summary: '<p>Moving on.<br>Find me <a href="https://alice.example" rel="me">alice.example</a><script>alert(1)</script></p>',
      attachment: [{ type: "PropertyValue", name: "Site", value: '<a href="https://alice.example" rel="me nofollow noopener noreferrer" target="_blank"><span class="invisible">https://</span><span>alice.example</span></a>' }],
      image: { type: "Image", mediaType: "image/png", url: "header.png" },
    };
    const hello = "https://old.example/users/alice/statuses/110000000000000001";
    const zip = await deflatedZip({
      "outbox.json": encode(mastodonOutbox),
      "bookmarks.json": encode({ "@context": "https://www.w3.org/ns/activitystreams", id: "bookmarks.json", type: "OrderedCollection", orderedItems: [hello, remote, "https://nowhere.test/statuses/1"] }),
      "avatar.png": avatar,
      "header.png": header,
      "actor.json": encode(actor),
    });
    expect((await json(await owner("/api/roost/archives/import?profile=maybe", { method: "POST", headers: { "Content-Type": "application/zip" }, body: zip }), 400)).error).toBe("profile must be true or false");
    const updatesBefore = await count("activities", "type = 'Update'");
    const report = await finished((await json(await owner("/api/roost/archives/import?profile=true", { method: "POST", headers: { "Content-Type": "application/zip" }, body: zip }), 202)).id);
    // The posts came with the previous test's import of the same archive.
    expect(report).toMatchObject({ state: "finished", imported: 0, skipped: 5, failures: [] });
    const account = await json(await owner("/api/v1/accounts/verify_credentials"));
    expect(account).toMatchObject({ display_name: "Alice Archived", source: { note: "Moving on.\nFind me alice.example", fields: [{ name: "Site", value: "https://alice.example" }] } });
    expect(account.note).not.toContain("script");
    expect(account.avatar).toMatch(/\/media\/profile\/avatar-[0-9a-f]{24}\.png$/);
    expect(account.header).toMatch(/\/media\/profile\/header-[0-9a-f]{24}\.png$/);
    expect(await stored(account.avatar)).toEqual(avatar);
    expect(await stored(account.header)).toEqual(header);
    // One Update{Person} for all of it.
    const updates = await env.DB.prepare("SELECT document FROM activities WHERE type = 'Update' ORDER BY published").all<{ document: string }>();
    expect(updates.results.length).toBe(updatesBefore + 1);
    expect(JSON.parse(updates.results.at(-1)!.document).object).toMatchObject({ type: "Person", name: "Alice Archived", icon: { url: account.avatar }, image: { url: account.header } });

    const bookmarks = await waitFor(async () => {
      const r = await json(await owner(`/api/roost/imports/${report.bookmarksImport}`));
      return r.state === "finished" ? r : null;
    }, 20_000);
    expect(bookmarks).toMatchObject({ type: "bookmarks", total: 3, imported: 2, failed: 1, failures: [{ value: "https://nowhere.test/statuses/1" }] });
    const marked = (await json(await owner("/api/v1/bookmarks"))) as any[];
    const copy = (await env.DB.prepare("SELECT object_id FROM archive_posts WHERE source_uri = ?").bind(hello).first<{ object_id: string }>())!.object_id;
    // Newest first, as bookmarks.json listed them oldest first.
    expect(marked.slice(0, 2).map((s) => s.uri)).toEqual([remote, copy]);
  });

  it("refuses a damaged or foreign zip with the reason, keeping nothing", async () => {
    const archivesBefore = await count("archives");
    const objectsBefore = (await env.MEDIA.list({ prefix: "archives/" })).objects.length;
    const notZip = await json(await importZip(new TextEncoder().encode("this is not a zip file, just some text pretending to be one")), 400);
    expect(notZip.error).toBe("not a usable archive: not a zip file: no end of central directory record");
    const foreign = await deflatedZip({ "notes.txt": new TextEncoder().encode("hello") });
    expect((await json(await importZip(foreign), 400)).error).toBe("not a usable archive: this is not an account archive: it has no outbox.json");
    // The end record survives but points at a central directory past it.
    const good = await deflatedZip({ "outbox.json": new TextEncoder().encode("{}") });
    const damaged = good.slice();
    new DataView(damaged.buffer).setUint32(damaged.length - 6, damaged.length, true);
    expect((await json(await importZip(damaged), 400)).error).toBe("not a usable archive: the central directory lies outside the file");
    const form = new Request(`${ORIGIN}/`, { method: "POST", body: (() => { const f = new FormData(); f.set("file", new File([good], "archive.zip")); return f; })() });
    const asForm = await owner("/api/roost/archives/import", { method: "POST", headers: { "Content-Type": form.headers.get("Content-Type")! }, body: await form.arrayBuffer() });
    expect((await json(asForm, 415)).error).toMatch(/not a form/);
    expect(await count("archives")).toBe(archivesBefore);
    expect((await env.MEDIA.list({ prefix: "archives/" })).objects.length).toBe(objectsBefore);
  });
});

// The issue's scale for moving here and for CSV imports (test/portability.test.ts has the flows
// with a few accounts). The accounts live on the static peers' three hosts, scripted in one
// request each; their Follows are signed here with one shared key.
describe("portability at scale", () => {
  const HOSTS = ["remote.test", "redirect.test", "other.test"];
  const run = crypto.randomUUID().slice(0, 8);
  const actorUrl = (host: string, name: string) => `https://${host}/users/${name}-${run}`;

  async function keyPair() {
    const pair = (await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
    const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spki)).replace(/.{64}/g, "$&\n")}\n-----END PUBLIC KEY-----\n`;
    return { privateKey: pair.privateKey, pem };
  }

  /** Actor documents, WebFinger answers and 202 inboxes for `accounts` on the static peers (one setup call per host). */
  async function script(accounts: { host: string; name: string }[], pem: string) {
    for (const host of HOSTS) {
      const routes: Record<string, unknown> = {};
      for (const a of accounts.filter((x) => x.host === host)) {
        const id = actorUrl(a.host, a.name);
        routes[id] = { json: { "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"], id, type: "Person", preferredUsername: `${a.name}-${run}`, inbox: `${id}/inbox`, publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: pem } } };
        routes[`${id}/inbox`] = { status: 202, text: "" };
        routes[`https://${host}/.well-known/webfinger?resource=acct:${a.name}-${run}@${host}`] = { json: { subject: `acct:${a.name}-${run}@${host}`, links: [{ rel: "self", type: "application/activity+json", href: id }] }, headers: { "Content-Type": "application/jrd+json" } };
      }
      await peer(`https://${host}/__setup`, { routes });
    }
  }

  it("a Mastodon-style account with 20 followers on 3 servers moves here: each re-follows, is accepted under manual approval, and the progress shows 20/20", { timeout: 60_000 }, async () => {
    const { privateKey, pem } = await keyPair();
    const accounts = Array.from({ length: 20 }, (_, i) => ({ host: HOSTS[i % 3]!, name: `mover${i}` }));
    await script(accounts, pem);
    const old = `bigmove${run}`;
    await peer(`${MASTODON}/__control/followers`, { account: old, followers: accounts.map((a) => actorUrl(a.host, a.name)) });
    await json(await owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ locked: true }) }));
    try {
      await json(await owner("/api/roost/aliases", { method: "POST", body: JSON.stringify({ account: `@${old}@mastodon.test` }) }));
      const alias = `${MASTODON}/users/${old}`;
      const progress = async () => ((await json(await owner("/api/roost/aliases"))).aliases as any[]).find((a) => a.alias === alias);
      expect(await waitFor(async () => ((await progress())?.state === "done" ? progress() : null), 20_000)).toMatchObject({ expected: 20, listed: 20, arrived: 0 });
      const statuses = await Promise.all(
        accounts.map(async (a) => {
          const actor = actorUrl(a.host, a.name);
          const body = new TextEncoder().encode(JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${actor}#follows/${run}`, type: "Follow", actor, object: ACTOR }));
          const url = `${ORIGIN}/users/me/inbox`;
          const headers = await signRequest({ method: "POST", url, headers: new Headers({ "Content-Type": "application/activity+json" }), body }, { keyId: `${actor}#main-key`, privateKey });
          return (await worker(url, { method: "POST", headers, body })).status;
        }),
      );
      expect(statuses.every((st) => st === 202)).toBe(true);
      expect(await waitFor(async () => ((await progress())?.arrived === 20 ? progress() : null), 50_000)).toMatchObject({ expected: 20, listed: 20, arrived: 20 });
      expect(await count("followers", "actor_id LIKE ? AND state = 'accepted'", `%-${run}`)).toBe(20);
    } finally {
      await owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ locked: false }) });
    }
  });

  it("a following CSV of 50 accounts, 5 of them unresolvable, ends with 45 follows sent and 5 failures with their reasons", { timeout: 60_000 }, async () => {
    const { pem } = await keyPair();
    const accounts = Array.from({ length: 45 }, (_, i) => ({ host: HOSTS[i % 3]!, name: `csv${i}` }));
    await script(accounts, pem);
    const lines = [...accounts.map((a) => `${a.name}-${run}@${a.host}`), ...Array.from({ length: 5 }, (_, i) => `gone${i}-${run}@${HOSTS[i % 3]}`)];
    const csv = `Account address,Show boosts,Notify on new posts,Languages\n${lines.map((l) => `${l},true,false,`).join("\n")}\n`;
    const form = new FormData();
    form.append("type", "following");
    form.append("data", new File([csv], "following.csv", { type: "text/csv" }));
    const request = new Request(`${ORIGIN}/api/roost/imports`, { method: "POST", body: form });
    const started = await json(await owner("/api/roost/imports", { method: "POST", headers: { "Content-Type": request.headers.get("Content-Type")! }, body: await request.arrayBuffer() }), 202);
    const report = await waitFor(async () => {
      const r = await json(await owner(`/api/roost/imports/${started.id}`));
      return r.state === "finished" ? r : null;
    }, 60_000);
    expect(report).toMatchObject({ total: 50, processed: 50, imported: 45, failed: 5 });
    expect(report.failures.map((f: any) => f.line)).toEqual([47, 48, 49, 50, 51]);
    for (const f of report.failures) expect(f.error).toMatch(/could not be resolved/);
    expect(await count("following", "actor_id LIKE ?", `%/users/csv%-${run}`)).toBe(45);
    // Each account's server received its Follow.
    const posted = await Promise.all(accounts.map(async (a) => ((await peer<{ hits: { method: string }[] }>(`https://${a.host}/__hits?url=${encodeURIComponent(`${actorUrl(a.host, a.name)}/inbox`)}`)).hits.some((h) => h.method === "POST"))));
    expect(posted.filter(Boolean).length).toBe(45);
  });
});

