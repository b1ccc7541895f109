import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { multibaseToEd25519 } from "../src/federation/encoding.ts";
import { verifyProof } from "../src/federation/proofs.ts";
import { addressing, visibilityOf } from "../src/federation/addressing.ts";
import { ACTOR, AP, ORIGIN, count, deliverFromMastodon, follow, MASTODON, owner, ourPublicKey, peer, postStatus, type Received, waitFor, worker } from "./helpers.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const FOLLOWERS = `${ACTOR}/followers`;

async function receivedOf(type: string, objectId: string) {
  return waitFor(async () => {
    const received = await peer<Received[]>(`${MASTODON}/__control/received`);
    return received.find((r) => r.activity.type === type && (r.activity.object?.id ?? r.activity.object) === objectId) ?? null;
  });
}

beforeAll(async () => {
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
  await deliverFromMastodon(follow("alice"));
  await waitFor(() => count("followers", "actor_id = ? AND state = 'accepted'", `${MASTODON}/users/alice`));
});

describe("addressing per visibility, as Mastodon expects", () => {
  const m = ["https://mastodon.test/users/bob"];
  it.each([
    ["public", { to: [PUBLIC], cc: [FOLLOWERS, ...m] }],
    ["unlisted", { to: [FOLLOWERS], cc: [PUBLIC, ...m] }],
    ["followers", { to: [FOLLOWERS], cc: m }],
    ["direct", { to: m, cc: [] }],
  ] as const)("%s", (visibility, expected) => {
    const written = addressing(visibility, FOLLOWERS, m);
    expect(written).toEqual(expected);
    expect(visibilityOf(written.to, written.cc, FOLLOWERS)).toBe(visibility);
  });
});

describe("publishing through the C2S outbox", () => {
  it("creates, edits and deletes a post, each delivered signed to a follower's server", async () => {
    const res = await owner("/users/me/outbox", {
      method: "POST",
      body: JSON.stringify({ type: "Note", content: "Hello @bob@mastodon.test #fediverse", to: [PUBLIC], contentMap: { en: "" } }),
    });
    expect(res.status).toBe(201);
    const { objectId, activityId } = (await res.json()) as { objectId: string; activityId: string };
    expect(res.headers.get("Location")).toBe(activityId);
    expect(objectId.startsWith("https://roost.test/objects/")).toBe(true);

    const create = await receivedOf("Create", objectId);
    expect(create.verified).toBe(true);
    expect(create.path).toBe("/inbox");
    const note = create.activity.object;
    expect(note).toMatchObject({ attributedTo: ACTOR, to: [PUBLIC], contentMap: { en: note.content } });
    expect(note.cc).toEqual([FOLLOWERS, `${MASTODON}/users/bob`]);
    expect(note.tag).toEqual([
      { type: "Mention", href: `${MASTODON}/users/bob`, name: "@bob@mastodon.test" },
      { type: "Hashtag", href: "https://roost.test/tags/fediverse", name: "#fediverse" },
    ]);
    expect(note.content).toContain('class="u-url mention">@<span>bob</span></a>');

    const actor = (await (await worker("/users/me", { headers: { Accept: AP } })).json()) as any;
    const publicKey = multibaseToEd25519(actor.assertionMethod[0].publicKeyMultibase)!;
    expect(await verifyProof(create.activity, async () => ({ owner: ACTOR, publicKey }))).toMatchObject({ ok: true, owner: ACTOR });

    const fetched = await worker(new URL(objectId).pathname, { headers: { Accept: AP } });
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toMatchObject({ id: objectId, likes: { totalItems: 0 }, shares: { totalItems: 0 } });
    const page = await worker(new URL(objectId).pathname, { headers: { Accept: "text/html" } });
    expect(await page.text()).toContain("fediverse");

    const edit = await owner("/users/me/outbox", {
      method: "POST",
      body: JSON.stringify({ type: "Update", object: { id: objectId, type: "Note", content: "Hello again", to: [PUBLIC] } }),
    });
    expect(edit.status).toBe(201);
    const update = await receivedOf("Update", objectId);
    expect(update.verified).toBe(true);
    expect(update.activity.object.updated).toBeTruthy();

    const del = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Delete", object: objectId }) });
    expect(del.status).toBe(201);
    const deleted = await receivedOf("Delete", objectId);
    expect(deleted.activity.object).toMatchObject({ id: objectId, type: "Tombstone" });
    const gone = await worker(new URL(objectId).pathname, { headers: { Accept: AP } });
    expect(gone.status).toBe(410);
    expect(await gone.json()).toMatchObject({ id: objectId, type: "Tombstone" });
  });

  async function stored(objectId: string) {
    const row = await env.DB.prepare("SELECT visibility, document FROM objects WHERE id = ?").bind(objectId).first<{ visibility: string; document: string }>();
    return { visibility: row!.visibility, note: JSON.parse(row!.document) };
  }
  const posted = async (res: Response) => {
    expect(res.status).toBe(201);
    return (await res.json()) as { objectId: string; activityId: string };
  };

  it("reads Markdown source, HTML content and the Create's addressing", async () => {
    const markdown = await posted(
      await owner("/users/me/outbox", {
        method: "POST",
        body: JSON.stringify({ type: "Create", to: [FOLLOWERS], cc: [PUBLIC], object: { type: "Note", source: { content: "**hi** there", mediaType: "text/markdown" } } }),
      }),
    );
    expect(await stored(markdown.objectId)).toMatchObject({ visibility: "unlisted", note: { to: [FOLLOWERS], cc: [PUBLIC], content: "<p><strong>hi</strong> there</p>" } });

    const html = await posted(await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Note", content: "<p>Hello <b>there</b></p><script>x</script>", to: [FOLLOWERS] }) }));
    expect(await stored(html.objectId)).toMatchObject({ visibility: "followers", note: { to: [FOLLOWERS], cc: [], content: "<p>Hello there</p><p>x</p>" } });

    const bare = await posted(await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Note", content: "no addressing" }) }));
    expect(await stored(bare.objectId)).toMatchObject({ visibility: "public", note: { to: [PUBLIC], cc: [FOLLOWERS] } });
  });

  it("stores the signed Create and fans it out once; content warning, language and Markdown from the Mastodon API", async () => {
    const { uri: objectId, activityId } = await postStatus({ status: "Hallo *Welt*", spoiler_text: " spoilers ", language: "de", visibility: "public", content_type: "text/markdown" });
    const row = await env.DB.prepare("SELECT type, object_id, visibility, document FROM activities WHERE id = ?").bind(activityId).first<{ type: string; object_id: string; visibility: string; document: string }>();
    expect(row).toMatchObject({ type: "Create", object_id: objectId, visibility: "public" });
    const activity = JSON.parse(row!.document);
    expect(activity.proof).toMatchObject({ type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022", verificationMethod: `${ACTOR}#ed25519-key` });
    expect(activity.object).toMatchObject({
      summary: "spoilers",
      sensitive: true,
      content: "<p>Hallo <em>Welt</em></p>",
      contentMap: { de: "<p>Hallo <em>Welt</em></p>" },
      url: `${ORIGIN}/@me/${objectId.split("/").pop()}`,
    });
    await waitFor(() => count("fanouts", "activity_id = ?", activityId));
    const create = await receivedOf("Create", objectId);
    expect(create.path).toBe("/inbox");
  });

  it("content_type: plain text by default as Mastodon, Markdown when asked, an edit keeps the post's own; source and instance say so", async () => {
    const plain = await postStatus({ status: "**as typed**" });
    const markdown = await postStatus({ status: "**bold**", content_type: "text/markdown; charset=utf-8" });
    expect([plain.status.content, markdown.status.content]).toEqual(["<p>**as typed**</p>", "<p><strong>bold</strong></p>"]);
    const edited = await owner(`/api/v1/statuses/${markdown.id}`, { method: "PUT", body: JSON.stringify({ status: "*still* Markdown" }) });
    expect(((await edited.json()) as { content: string }).content).toBe("<p><em>still</em> Markdown</p>");
    const flattened = await owner(`/api/v1/statuses/${markdown.id}`, { method: "PUT", body: JSON.stringify({ status: "*now* plain", content_type: "text/plain" }) });
    expect(((await flattened.json()) as { content: string }).content).toBe("<p>*now* plain</p>");
    expect(await (await owner(`/api/v1/statuses/${plain.id}/source`)).json()).toMatchObject({ text: "**as typed**", content_type: "text/plain" });
    const instance = (await (await worker("/api/v2/instance")).json()) as { configuration: { statuses: { supported_mime_types: string[] } } };
    expect(instance.configuration.statuses.supported_mime_types).toEqual(["text/plain", "text/markdown"]);
  });

  it("sends a post addressed to an actor in to/cc to that actor, mentioned or not", async () => {
    const erin = `${MASTODON}/users/erin`;
    const { objectId } = await posted(await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Note", content: "just for you", to: [erin] }) }));
    const create = await receivedOf("Create", objectId);
    expect(create.activity.object).toMatchObject({ to: [erin], cc: [], tag: [] });
    expect((await stored(objectId)).visibility).toBe("direct");
  });

  it("gives two edits within one second distinct ids, each later than the last", async () => {
    const { uri: objectId } = await postStatus({ status: "v1" });
    const edit = (text: string) => owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Update", object: { id: objectId, type: "Note", content: text } }) });
    const first = await posted(await edit("v2"));
    const second = await posted(await edit("v3"));
    expect(first.activityId).toMatch(new RegExp(`^${objectId}#updates/\\d+$`));
    expect(second.activityId).not.toBe(first.activityId);
    const { note } = await stored(objectId);
    expect(note).toMatchObject({ content: "<p>v3</p>", to: [PUBLIC] });
    expect(Date.parse(note.updated)).toBeGreaterThan(Date.parse(note.published));
  });

  const c2s = (body: unknown) => () => owner("/users/me/outbox", { method: "POST", body: JSON.stringify(body) });
  const api = (body: unknown) => () => owner("/api/v1/statuses", { method: "POST", body: JSON.stringify(body) });
  it.each([
    ["no token", 401, () => worker("/users/me/outbox", { method: "POST", body: "{}" })],
    ["wrong token", 401, () => worker("/users/me/outbox", { method: "POST", body: "{}", headers: { Authorization: "Bearer nope" } })],
    ["not JSON", 400, () => owner("/users/me/outbox", { method: "POST", body: "nope" })],
    ["a JSON array", 400, c2s([{ type: "Note", content: "x" }])],
    ["no type", 400, c2s({})],
    ["an unknown type", 400, c2s({ type: "Question", content: "x" })],
    ["empty Note", 400, c2s({ type: "Note", content: " " })],
    ["Note without content", 400, c2s({ type: "Note", to: [PUBLIC] })],
    ["content that is not text", 400, c2s({ type: "Note", content: { en: "x" } })],
    ["summary that is not text", 400, c2s({ type: "Note", content: "x", summary: 3 })],
    ["to that is not a URL", 400, c2s({ type: "Note", content: "x", to: ["bob"] })],
    ["to holding a number", 400, c2s({ type: "Note", content: "x", to: [7] })],
    ["direct to nobody but us", 400, c2s({ type: "Note", content: "just me", to: [ACTOR] })],
    ["Create of a Person", 400, c2s({ type: "Create", object: { type: "Person" } })],
    ["Create without object", 400, c2s({ type: "Create" })],
    ["Update without id", 400, c2s({ type: "Update", object: { type: "Note", content: "x" } })],
    ["Update of an unknown post", 404, c2s({ type: "Update", object: { id: "https://roost.test/objects/nothing", type: "Note", content: "x" } })],
    ["Update of someone else's post", 404, c2s({ type: "Update", object: { id: `${MASTODON}/users/dora/statuses/7`, type: "Note", content: "x" } })],
    ["Delete without object", 400, c2s({ type: "Delete" })],
    ["Delete of an unknown post", 404, c2s({ type: "Delete", object: "https://roost.test/objects/nothing" })],
    ["Like of a non-URL", 400, c2s({ type: "Like", object: "dora" })],
    ["Follow without object", 400, c2s({ type: "Follow" })],
    ["Follow of ourselves", 400, c2s({ type: "Follow", object: ACTOR })],
    ["Follow of an unknown handle", 400, c2s({ type: "Follow", object: "@nobody@nowhere.test" })],
    ["Block of a non-URL", 400, c2s({ type: "Block", object: "bob" })],
    ["Undo of an unknown activity", 404, c2s({ type: "Undo", object: "https://roost.test/activities/nothing" })],
    ["Undo of nothing", 400, c2s({ type: "Undo" })],
    ["Undo of a Follow never sent", 404, c2s({ type: "Undo", object: { type: "Follow", object: `${MASTODON}/users/nobody` } })],
    ["reply to a post that cannot be fetched", 400, c2s({ type: "Note", content: "re", inReplyTo: "https://nowhere.test/p/1", to: [PUBLIC] })],
    ["API: no text", 422, api({ visibility: "public" })],
    ["API: text not a string", 422, api({ status: ["x"] })],
    ["API: bad visibility", 422, api({ status: "x", visibility: "everyone" })],
    ["API: bad language", 422, api({ status: "x", language: "english!" })],
    ["API: text too long", 422, api({ status: "x".repeat(20_001) })],
    ["API: warning too long", 422, api({ status: "x", spoiler_text: "w".repeat(1_001) })],
    ["API: direct to nobody", 422, api({ status: "hello @nobody@nowhere.test", visibility: "direct" })],
    ["API: a content_type we do not render", 422, api({ status: "x", content_type: "text/html" })],
    ["API: delete an unknown status", 404, () => owner("/api/v1/statuses/999", { method: "DELETE" })],
    ["API: follow an unknown account", 404, () => owner("/api/v1/accounts/999999/follow", { method: "POST" })],
  ] as const)("%s → %i and nothing stored", async (_name, status, send) => {
    const before = [await count("objects"), await count("activities"), await count("following")];
    const res = await send();
    expect(res.status).toBe(status);
    expect(typeof ((await res.json()) as { error?: unknown }).error).toBe("string");
    expect([await count("objects"), await count("activities"), await count("following")]).toEqual(before);
  });
});

describe("outbox", () => {
  it("lists public posts newest first, without edits, deletions or direct posts", async () => {
    const kept = await postStatus({ status: "kept post" });
    const dm = await postStatus({ status: "secret @bob@mastodon.test", visibility: "direct" });
    const outbox = (await (await worker("/users/me/outbox?page=1", { headers: { Accept: AP } })).json()) as { orderedItems: { id: string; type: string }[] };
    const ids = outbox.orderedItems.map((i) => i.id);
    expect(ids[0]).toBe(kept.activityId);
    expect(ids).not.toContain(dm.activityId);
    expect(outbox.orderedItems.every((i) => i.type === "Create")).toBe(true);
    expect(outbox.orderedItems.some((i) => i.id.endsWith("#delete"))).toBe(false);
  });
});

describe("subscribe template", () => {
  it("asks the owner to confirm, and follows with the right token only", async () => {
    const page = await worker("/authorize_interaction?uri=acct:carol@mastodon.test", { headers: { Accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('value="acct:carol@mastodon.test"');
    const wrong = await worker("/authorize_interaction", { method: "POST", body: new URLSearchParams({ uri: "@carol@mastodon.test", token: "nope" }) });
    expect(wrong.status).toBe(401);
    expect(await count("following", "actor_id = ?", `${MASTODON}/users/carol`)).toBe(0);
    const ok = await worker("/authorize_interaction", {
      method: "POST",
      body: new URLSearchParams({ uri: "acct:carol@mastodon.test", token: "test-owner-token-0123456789" }),
    });
    expect(ok.status).toBe(200);
    expect(await count("following", "actor_id = ? AND state = 'pending'", `${MASTODON}/users/carol`)).toBe(1);
    const sent = await waitFor(async () =>
      (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.type === "Follow" && r.activity.object === `${MASTODON}/users/carol`),
    );
    expect(sent.path).toBe("/users/carol/inbox");
    expect(sent.verified).toBe(true);
  });
});

describe("likes, boosts and profile updates", () => {
  const status = `${MASTODON}/users/dora/statuses/7`;

  it("likes and boosts a remote post, then undoes the boost", async () => {
    const like = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Like", object: status }) });
    expect(like.status).toBe(201);
    const liked = await receivedOf("Like", status);
    expect(liked).toMatchObject({ verified: true, activity: { actor: ACTOR, to: [`${MASTODON}/users/dora`] } });

    const boost = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Announce", object: status }) });
    const { activityId } = (await boost.json()) as { activityId: string };
    const boosted = await receivedOf("Announce", status);
    expect(boosted.activity).toMatchObject({ to: [PUBLIC], cc: [FOLLOWERS, `${MASTODON}/users/dora`] });

    const undo = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Undo", object: activityId }) });
    expect(undo.status).toBe(201);
    const undone = await receivedOf("Undo", activityId);
    expect(undone.activity.object).toMatchObject({ id: activityId, type: "Announce", object: status });
  });

  it("boosts our own public post to our followers, but not a followers-only one", async () => {
    const post = async (visibility: string) => (await postStatus({ status: `mine, ${visibility}`, visibility })).uri;
    const open = await post("public");
    const boost = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Announce", object: open }) });
    expect(boost.status).toBe(201);
    const boosted = await receivedOf("Announce", open);
    expect(boosted.activity).toMatchObject({ actor: ACTOR, to: [PUBLIC], cc: [FOLLOWERS, ACTOR] });

    const closed = await post("private");
    const before = await count("activities");
    const refused = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Announce", object: closed }) });
    expect(refused.status).toBe(400);
    expect(await count("activities")).toBe(before);
  });

  it("refuses to like what cannot be fetched", async () => {
    const res = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Like", object: "https://nowhere.test/x" }) });
    expect(res.status).toBe(400);
  });

  it("announces the profile to followers on an update_credentials with no change (the CLI's announce)", async () => {
    const res = await owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: "{}" });
    expect(res.status).toBe(200);
    const update = await receivedOf("Update", ACTOR);
    expect(update.verified).toBe(true);
    expect(update.activity.object).toMatchObject({ id: ACTOR, type: "Person", name: "Test Owner" });
  });

  it("two saves of the profile at once both answer 200: the second's Update races the first's id and is the refusal, not a 500", async () => {
    const save = () => owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: "{}" });
    const answers = await Promise.all([save(), save(), save()]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
  });
});

describe("C2S Block", () => {
  it("blocks and unblocks an actor through the outbox", async () => {
    const actor = `${MASTODON}/users/ursula`;
    const res = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Block", object: actor }) });
    expect(res.status).toBe(201);
    expect(await count("blocks", "kind = 'actor' AND value = ?", actor)).toBe(1);
    const blocked = await waitFor(async () =>
      (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.type === "Block" && r.activity.object === actor),
    );
    expect(blocked.path).toBe("/users/ursula/inbox");
    const undo = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Undo", object: { type: "Block", object: actor } }) });
    expect(undo.status).toBe(201);
    expect(await count("blocks", "value = ?", actor)).toBe(0);
  });
});
