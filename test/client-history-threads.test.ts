// Edit history and thread parents, as apps use them: versions of our edits and of remote Updates
// in GET /statuses/:id/history, and parents we lack fetched by one queued job for the next
// GET /statuses/:id/context.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, json, signIn } from "./client-support.ts";
import { ACTOR, count, deliverFromMastodon, MASTODON, ORIGIN, peer, waitFor } from "./helpers.ts";
import { loggedEvents } from "./log-capture.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;
let token: string;

beforeAll(async () => {
  token = await signIn("read write follow");
});

const uid = () => crypto.randomUUID().slice(0, 8);

/** A post by `name` on the Mastodon-style peer mentioning us (so it is stored though we do not follow them), delivered signed. */
async function mentionFrom(name: string, extra: Record<string, unknown> = {}) {
  const author = `${MASTODON}/users/${name}`;
  const note = {
    id: `${author}/statuses/${Date.now()}${Math.floor(Math.random() * 1000)}`,
    type: "Note",
    attributedTo: author,
    content: `<p>hello from ${name}</p>`,
    to: [PUBLIC],
    cc: [`${author}/followers`, ACTOR],
    tag: [{ type: "Mention", href: ACTOR, name: "@me@roost.test" }],
    published: new Date(Date.now() - 60_000).toISOString(),
    ...extra,
  };
  const res = await deliverFromMastodon({ "@context": AS, id: `${note.id}/activity`, type: "Create", actor: author, to: note.to, cc: note.cc, object: note }, { actor: name });
  expect(res.status).toBe(202);
  const notification = await waitFor(async () => ((await json(api(token, "/api/v1/notifications?limit=80"))) as any[]).find((n) => n.status?.uri === note.id));
  return { note, status: notification.status as { id: string; in_reply_to_id: string | null } };
}

const context = (id: string) => json<{ ancestors: any[]; descendants: any[] }>(api(token, `/api/v1/statuses/${id}/context`));
const history = (id: string) => json<any[]>(api(token, `/api/v1/statuses/${id}/history`));
const queued = (uri: string) => loggedEvents("thread.queued").filter((e) => e.uri === uri);
const hits = async (url: string) => (await peer<{ hits: unknown[] }>(`https://remote.test/__hits?url=${encodeURIComponent(url)}`)).hits.length;

describe("edit history", () => {
  it("keeps every version of our edited post, oldest first, and drops them with the post", async () => {
    const created = await json(api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "first words" }) }));
    expect(created.edited_at).toBeNull();
    // Never edited: one entry, the post as it is (Mastodon's snapshot).
    expect(await history(created.id)).toMatchObject([{ content: "<p>first words</p>", created_at: created.created_at, account: { id: "1" } }]);

    const edit = (body: Record<string, string>) => json(api(token, `/api/v1/statuses/${created.id}`, { method: "PUT", body: JSON.stringify(body) }));
    const second = await edit({ status: "second words", spoiler_text: "a warning" });
    const third = await edit({ status: "third words" });
    expect(second.edited_at).not.toBeNull();
    expect(Date.parse(third.edited_at)).toBeGreaterThan(Date.parse(second.edited_at));
    // An edit that changes nothing is no edit.
    expect((await edit({ status: "third words" })).edited_at).toBe(third.edited_at);

    const versions = await history(created.id);
    expect(versions.map((v) => [v.content, v.spoiler_text, v.sensitive, v.created_at])).toEqual([
      ["<p>first words</p>", "", false, created.created_at],
      ["<p>second words</p>", "a warning", true, second.edited_at],
      ["<p>third words</p>", "", false, third.edited_at],
    ]);
    expect(versions.every((v) => v.account.id === "1" && Array.isArray(v.media_attachments) && Array.isArray(v.emojis))).toBe(true);
    expect((await json(api(token, `/api/v1/statuses/${created.id}`))).edited_at).toBe(third.edited_at);
    // The text as written is kept with each earlier version.
    const sources = await env.DB.prepare("SELECT source FROM status_edits WHERE status_uri = ? ORDER BY id").bind(created.uri).all<{ source: string }>();
    expect(sources.results.map((r) => r.source)).toEqual(["first words", "second words"]);

    expect((await api(token, `/api/v1/statuses/${created.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await count("status_edits", "status_uri = ?", created.uri)).toBe(0);
    expect((await api(token, `/api/v1/statuses/${created.id}/history`)).status).toBe(404);
  });

  it("a remote Update that changes the post adds a version; one that changes nothing does not", async () => {
    const { note, status } = await mentionFrom("erin");
    const update = (content: string, at: number) =>
      deliverFromMastodon(
        { "@context": AS, id: `${note.id}#updates/${at}`, type: "Update", actor: note.attributedTo, to: note.to, cc: note.cc, object: { ...note, content, updated: new Date(at).toISOString() } },
        { actor: "erin" },
      );
    const editedAt = Date.now() - 30_000;
    expect((await update("<p>hello again, <script>x</script>edited</p>", editedAt)).status).toBe(202);
    const versions = await waitFor(async () => {
      const list = await history(status.id);
      return list.length === 2 ? list : null;
    });
    expect(versions.map((v) => [v.content, v.created_at])).toEqual([
      ["<p>hello from erin</p>", note.published],
      ["<p>hello again, edited</p>", new Date(editedAt).toISOString()],
    ]);
    expect(versions[0].account.acct).toBe("erin@mastodon.test");
    expect((await json(api(token, `/api/v1/statuses/${status.id}`))).edited_at).toBe(new Date(editedAt).toISOString());

    // The same content again, only `updated` newer: processed, and no version.
    const same = editedAt + 10_000;
    expect((await update("<p>hello again, <script>x</script>edited</p>", same)).status).toBe(202);
    const processed = await waitFor(async () => loggedEvents("inbox.processed").find((e) => e.id === `${note.id}#updates/${same}`));
    expect(processed).toMatchObject({ outcome: "ignored", reason: "the Update changes nothing shown" });
    expect(await history(status.id)).toHaveLength(2);
  });
});

describe("thread parents through the queue", () => {
  it("fetches a parent only on its server with one job; the next context shows the chain", async () => {
    // A chain of three posts on remote.test; dave's reply to the last reaches us as a mention.
    const ann = "https://remote.test/users/ann";
    const url = (n: number) => `${ann}/statuses/${uid()}-${n}`;
    const urls = [url(1), url(2), url(3)];
    const routes = Object.fromEntries(
      urls.map((id, i) => [id, { json: { "@context": AS, id, type: "Note", attributedTo: ann, content: `<p>level ${i + 1}</p>`, to: [PUBLIC], inReplyTo: urls[i - 1] ?? null } }]),
    );
    await peer("https://remote.test/__setup", { routes });
    const { status } = await mentionFrom("dave", { inReplyTo: urls[2] });
    // Not from someone we follow: the inbox queued nothing.
    expect(queued(urls[2]!)).toEqual([]);

    expect((await context(status.id)).ancestors).toEqual([]);
    await context(status.id);
    // Two requests, one job: the second found it pending (or already done).
    expect(queued(urls[2]!)).toMatchObject([{ from: "context", depth: 0 }]);

    const shown = await waitFor(async () => {
      const { ancestors } = await context(status.id);
      return ancestors.length === 3 ? ancestors : null;
    });
    expect(shown.map((s) => s.content)).toEqual(["<p>level 1</p>", "<p>level 2</p>", "<p>level 3</p>"]);
    expect(shown.map((s) => s.account.acct)).toEqual(["ann@remote.test", "ann@remote.test", "ann@remote.test"]);
    expect(shown[1].in_reply_to_id).toBe(shown[0].id);
    expect((await json(api(token, `/api/v1/statuses/${status.id}`))).in_reply_to_id).toBe(shown[2].id);
    for (const u of urls) expect(await hits(u)).toBe(1);
    expect(queued(urls[2]!)).toHaveLength(1);
    expect(await count("thread_fetches", "uri = ?", urls[2])).toBe(0);
  });

  it("a followed account's reply brings its parent from the inbox; an unreachable parent and a cycle are fetched once", async () => {
    const bob = `${MASTODON}/users/bob`;
    await env.DB.prepare("INSERT OR REPLACE INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')")
      .bind(bob, `${bob}/inbox`, `${ORIGIN}/activities/f-bob-threads`)
      .run();
    // carol's post is served by the Mastodon-style peer; bob replies to it.
    const parent = `${MASTODON}/users/carol/statuses/${Date.now()}`;
    const reply = { id: `${bob}/statuses/${Date.now()}`, type: "Note", attributedTo: bob, content: "<p>replying to carol</p>", inReplyTo: parent, to: [PUBLIC], cc: [`${bob}/followers`], published: new Date().toISOString() };
    expect((await deliverFromMastodon({ "@context": AS, id: `${reply.id}/activity`, type: "Create", actor: bob, to: reply.to, cc: reply.cc, object: reply }, { actor: "bob" })).status).toBe(202);
    await waitFor(async () => loggedEvents("thread.fetched").find((e) => e.uri === parent));
    expect(queued(parent)).toMatchObject([{ from: "inbox" }]);
    const inHome = await waitFor(async () => ((await json(api(token, "/api/v1/timelines/home?limit=40"))) as any[]).find((s) => s.uri === reply.id));
    const { ancestors } = await context(inHome.id);
    expect(ancestors).toMatchObject([{ uri: parent, content: "<p>a post</p>", account: { acct: "carol@mastodon.test" } }]);
    expect(queued(parent)).toHaveLength(1);

    // A parent that answers 404: one job, remembered as failed, not retried by the queue or by later requests.
    const gone = `https://remote.test/users/ann/statuses/gone-${uid()}`;
    const { status: orphan } = await mentionFrom("dave", { inReplyTo: gone });
    expect((await context(orphan.id)).ancestors).toEqual([]);
    const failure = await waitFor(async () => loggedEvents("thread.failed").find((e) => e.uri === gone));
    expect(String(failure.reason)).toContain("404");
    expect((await context(orphan.id)).ancestors).toEqual([]);
    expect(queued(gone)).toHaveLength(1);
    expect(await hits(gone)).toBe(1);

    // Two posts replying to each other: each fetched once, each shown once.
    const [a, b] = [`https://remote.test/users/ann/statuses/a-${uid()}`, `https://remote.test/users/ann/statuses/b-${uid()}`];
    const cyclic = (id: string, inReplyTo: string) => ({ json: { "@context": AS, id, type: "Note", attributedTo: "https://remote.test/users/ann", content: `<p>${id.slice(-10)}</p>`, to: [PUBLIC], inReplyTo } });
    await peer("https://remote.test/__setup", { routes: { [a]: cyclic(a, b), [b]: cyclic(b, a) } });
    const { status: inCycle } = await mentionFrom("dave", { inReplyTo: a });
    await context(inCycle.id);
    const loop = await waitFor(async () => {
      const { ancestors } = await context(inCycle.id);
      return ancestors.length === 2 ? ancestors : null;
    });
    expect(loop.map((s) => s.uri)).toEqual([b, a]);
    expect([await hits(a), await hits(b)]).toEqual([1, 1]);
    expect(loggedEvents("queue.job_failed").filter((e) => e.kind === "thread")).toEqual([]);
  });
});
