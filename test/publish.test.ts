import { beforeAll, describe, expect, it } from "vitest";
import { multibaseToEd25519 } from "../src/federation/encoding.ts";
import { verifyProof } from "../src/federation/proofs.ts";
import { renderMarkdown } from "../src/publish/markdown.ts";
import { addressing } from "../src/publish/compose.ts";
import { ACTOR, AP, count, deliverFromMastodon, follow, MASTODON, owner, ourPublicKey, peer, type Received, waitFor, worker } from "./helpers.ts";

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

describe("markdown to Mastodon-safe HTML", () => {
  const tag = (name: string) => `https://roost.test/tags/${name}`;
  it.each([
    ["hello **world** and *you*", "<p>hello <strong>world</strong> and <em>you</em></p>"],
    ["a\nb\n\nc", "<p>a<br>b</p><p>c</p>"],
    ["<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"],
    ['[x](javascript:alert(1)) <img src=x onerror="y">', "<p>[x](javascript:alert(1)) &lt;img src=x onerror=&quot;y&quot;&gt;</p>"],
    ["see https://example.com/a?b=1.", '<p>see <a href="https://example.com/a?b=1" rel="nofollow noopener noreferrer" target="_blank">https://example.com/a?b=1</a>.</p>'],
    ["#Roost rocks", '<p><a href="https://roost.test/tags/Roost" class="mention hashtag" rel="tag">#<span>Roost</span></a> rocks</p>'],
    ["`<b>`", "<p><code>&lt;b&gt;</code></p>"],
  ])("%s", (input, html) => {
    expect(renderMarkdown(input, new Map(), tag)).toBe(html);
  });
});

describe("addressing per visibility, as Mastodon expects", () => {
  const m = ["https://mastodon.test/users/bob"];
  it.each([
    ["public", { to: [PUBLIC], cc: [FOLLOWERS, ...m] }],
    ["unlisted", { to: [FOLLOWERS], cc: [PUBLIC, ...m] }],
    ["followers", { to: [FOLLOWERS], cc: m }],
    ["direct", { to: m, cc: [] }],
  ] as const)("%s", (visibility, expected) => {
    expect(addressing(visibility, FOLLOWERS, m)).toEqual(expected);
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

  it.each([
    ["no token", () => worker("/users/me/outbox", { method: "POST", body: "{}" }), 401],
    ["not JSON", () => owner("/users/me/outbox", { method: "POST", body: "nope" }), 400],
    ["no type", () => owner("/users/me/outbox", { method: "POST", body: "{}" }), 400],
    ["empty Note", () => owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Note", content: " " }) }), 400],
    ["Create of a Person", () => owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Create", object: { type: "Person" } }) }), 400],
    ["bad visibility", () => owner("/api/posts", { method: "POST", body: JSON.stringify({ text: "x", visibility: "everyone" }) }), 400],
    ["bad inReplyTo", () => owner("/api/posts", { method: "POST", body: JSON.stringify({ text: "x", inReplyTo: "ftp://x" }) }), 400],
    ["delete unknown", () => owner("/api/posts?id=nothing", { method: "DELETE" }), 404],
  ] as const)("%s → %i and nothing stored", async (_name, send, status) => {
    const before = [await count("objects"), await count("activities")];
    const res = await send();
    expect(res.status).toBe(status);
    expect(typeof ((await res.json()) as { error?: unknown }).error).toBe("string");
    expect([await count("objects"), await count("activities")]).toEqual(before);
  });
});

describe("outbox", () => {
  it("lists public posts newest first, without edits, deletions or direct posts", async () => {
    const kept = (await (await owner("/api/posts", { method: "POST", body: JSON.stringify({ text: "kept post" }) })).json()) as { activityId: string };
    const dm = (await (await owner("/api/posts", { method: "POST", body: JSON.stringify({ text: "secret", visibility: "direct" }) })).json()) as { activityId: string };
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

  it("refuses to like what cannot be fetched", async () => {
    const res = await owner("/users/me/outbox", { method: "POST", body: JSON.stringify({ type: "Like", object: "https://nowhere.test/x" }) });
    expect(res.status).toBe(400);
  });

  it("announces a profile change to followers", async () => {
    const res = await owner("/api/profile/announce", { method: "POST" });
    expect(res.status).toBe(201);
    const update = await receivedOf("Update", ACTOR);
    expect(update.verified).toBe(true);
    expect(update.activity.object).toMatchObject({ id: ACTOR, type: "Person", name: "Test Owner" });
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
