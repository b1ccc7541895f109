// Portability (issue #14, docs/portability.md), against the Node-side peers: moving here from a
// Mastodon-style account, moving away to a Fedify account, and CSV exports and imports in
// Mastodon's formats.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { pruneStorage } from "../src/domain/maintenance.ts";
import { createServices } from "../src/runtime/services.ts";
import { ACTOR, AP, count, deliverFromMastodon, follow, MASTODON, ORIGIN, ourPublicKey, owner, peer, postStatus, type Received, waitFor, worker } from "./helpers.ts";

const FEDIFY = "https://fedify.test";
const FEDIFY_PEER = `${FEDIFY}/users/peer`;
const OLD = `${MASTODON}/users/oldhome`;
const WEBFINGER = "/.well-known/webfinger?resource=acct%3Ame%40roost.test";

interface FedifyReceived {
  type: string;
  id: string | null;
  activity: Record<string, any>;
  httpSignature: { verified: boolean; keyId?: string; owner?: string | null };
  inboxStatus: number;
  listenerRan: boolean;
}

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

const actorDocument = async () => json(await worker("/users/me", { headers: { Accept: AP } }));

/** Gives the offline Fedify peer our current WebFinger and actor documents. */
async function pushOurDocuments() {
  const jrd = await (await worker(WEBFINGER)).json();
  await peer(`${FEDIFY}/__control/documents`, { [`${ORIGIN}${WEBFINGER}`]: jrd, [ACTOR]: await actorDocument() });
}

/** The Fedify peer's account signs a Follow of us and sends it. */
async function followFromFedify(): Promise<number> {
  const signed = await peer<{ url: string; method: string; headers: Record<string, string>; body: string }>(`${FEDIFY}/__control/follow`, {
    object: ACTOR,
    inbox: `${ACTOR}/inbox`,
    spec: "draft-cavage-http-signatures-12",
  });
  return (await worker(signed.url, { method: signed.method, headers: signed.headers, body: signed.body })).status;
}

async function importCsv(type: string, csv: string, mode = "merge"): Promise<Response> {
  const form = new FormData();
  form.append("type", type);
  form.append("mode", mode);
  form.append("data", new File([csv], `${type}.csv`, { type: "text/csv" }));
  const request = new Request(`${ORIGIN}/api/roost/imports`, { method: "POST", body: form });
  return owner("/api/roost/imports", { method: "POST", headers: { "Content-Type": request.headers.get("Content-Type")! }, body: await request.arrayBuffer() });
}

/** Imports `csv` and waits for the import's jobs to finish; its final report. */
async function imported(type: string, csv: string, mode = "merge") {
  const started = await json(await importCsv(type, csv, mode), 202);
  return waitFor(async () => {
    const report = await json(await owner(`/api/roost/imports/${started.id}`));
    return report.state === "finished" ? report : null;
  }, 15_000);
}

const exported = async (kind: string) => {
  const res = await owner(`/api/roost/exports/${kind}.csv`);
  expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
  return res.text();
};

beforeAll(async () => {
  // Both peers must know our key before anything reaches them: a refused delivery would leave the
  // server behind a retry backlog that later activities queue after.
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
  await pushOurDocuments();
});

describe("moving here", () => {
  // Three Mastodon followers and the Fedify peer, two a page: the collection is read over two pages.
  const mastodonFollowers = Array.from({ length: 3 }, (_, i) => `mover${i}`);
  const oldFollowers = [...mastodonFollowers.map((n) => `${MASTODON}/users/${n}`), FEDIFY_PEER];

  it("an alias added through the API is in alsoKnownAs at once, its followers re-follow under manual approval and the progress reaches n/n", async () => {
    await peer(`${MASTODON}/__control/followers`, { account: "oldhome", followers: oldFollowers, perPage: 2 });
    await json(await owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ locked: true }) }));
    onTestFinished(async () => {
      await owner("/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ locked: false }) });
    });
    // The actor as cached before the change: the new alias must show anyway.
    expect((await actorDocument()).alsoKnownAs).toEqual([`${MASTODON}/users/old`]);
    // One follower is quick: their Follow arrives before the alias is added, and waits as a request.
    expect((await deliverFromMastodon(follow("mover0"), { actor: "mover0" })).status).toBe(202);
    await waitFor(async () => (await count("followers", "actor_id = ? AND state = 'pending'", `${MASTODON}/users/mover0`)) > 0);

    const added = await json(await owner("/api/roost/aliases", { method: "POST", body: JSON.stringify({ account: "@oldhome@mastodon.test" }) }));
    expect(added.aliases).toEqual([`${MASTODON}/users/old`, OLD]);
    expect((await actorDocument()).alsoKnownAs).toEqual([`${MASTODON}/users/old`, OLD]);
    expect((await owner("/api/roost/aliases", { method: "POST", body: JSON.stringify({ account: OLD }) })).status).toBe(409);
    expect((await owner("/api/roost/aliases", { method: "POST", body: JSON.stringify({ account: "@nobody@nowhere.test" }) })).status).toBe(422);

    const listed = await waitFor(async () => {
      const { aliases } = await json(await owner("/api/roost/aliases"));
      const entry = aliases.find((a: any) => a.alias === OLD);
      return entry?.state === "done" ? entry : null;
    });
    expect(listed).toMatchObject({ expected: 4, listed: 4, arrived: 0, error: null });

    // The move happened on the old server; its followers' servers send their Follows.
    const statuses = await Promise.all([
      ...mastodonFollowers.slice(1).map(async (name) => (await deliverFromMastodon(follow(name), { actor: name })).status),
      followFromFedify(),
      (await deliverFromMastodon(follow("stranger"), { actor: "stranger" })).status,
    ]);
    expect(statuses.every((s) => s === 202)).toBe(true);

    const progress = await waitFor(async () => {
      const { aliases } = await json(await owner("/api/roost/aliases"));
      const entry = aliases.find((a: any) => a.alias === OLD);
      return entry?.arrived === 4 ? entry : null;
    });
    // The alias from ALSO_KNOWN_AS, never read, was read when the first Follow under manual approval came.
    const { aliases } = await json(await owner("/api/roost/aliases"));
    expect(aliases.find((a: any) => a.alias === `${MASTODON}/users/old`)).toMatchObject({ state: "done", expected: 0, arrived: 0 });
    // mover0's early request was approved once the list was read.
    expect(progress).toMatchObject({ alias: OLD, expected: 4, listed: 4, arrived: 4, state: "done" });
    // The stranger did not follow the old account: a request waiting for the owner, as before.
    await waitFor(async () => (await count("followers", "actor_id = ?", `${MASTODON}/users/stranger`)) > 0);
    expect(await count("followers", "actor_id = ? AND state = 'pending'", `${MASTODON}/users/stranger`)).toBe(1);
    expect(await count("followers", "state = 'accepted'")).toBe(4);
    // Each was told with an Accept of their own Follow.
    const received = await peer<Received[]>(`${MASTODON}/__control/received`);
    const accepted = received.filter((r) => r.activity.type === "Accept" && r.verified && mastodonFollowers.some((n) => r.activity.object?.actor === `${MASTODON}/users/${n}`));
    expect(new Set(accepted.map((r) => r.activity.object.actor)).size).toBe(3);

    const removed = await json(await owner("/api/roost/aliases", { method: "DELETE", body: JSON.stringify({ account: `${MASTODON}/users/old` }) }));
    expect(removed.aliases).toEqual([OLD]);
  });
});

describe("moving away", () => {
  it("refuses an account that does not list us, then moves to one that does: Update and a verified Move reach every follower's server", async () => {
    // Followers from the describe above (Mastodon-style and Fedify); make sure of at least one each when run alone.
    if ((await count("followers", "actor_id = ? AND state = 'accepted'", FEDIFY_PEER)) === 0) {
      expect(await followFromFedify()).toBe(202);
      expect((await deliverFromMastodon(follow("mover0"), { actor: "mover0" })).status).toBe(202);
      await waitFor(async () => (await count("followers", "state = 'accepted'")) >= 2);
    }

    onTestFinished(async () => {
      // Later tests post: whatever happened here, the account is not left moved.
      await owner("/api/roost/move", { method: "DELETE" });
    });
    const refused = await owner("/api/roost/move", { method: "POST", body: JSON.stringify({ account: "@locked@fedify.test" }) });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: string }).error).toContain("does not list");
    expect((await actorDocument()).movedTo).toBeUndefined();

    await peer(`${FEDIFY}/__control/aliases`, { identifier: "mover", aliases: [ACTOR] });
    const moved = await json(await owner("/api/roost/move", { method: "POST", body: JSON.stringify({ account: "@mover@fedify.test" }) }));
    const target = `${FEDIFY}/users/mover`;
    expect(moved.movedTo).toBe(target);
    const moveId = moved.lastMove.activityId as string;

    expect((await actorDocument()).movedTo).toBe(target);
    const jrd = await json(await worker(WEBFINGER));
    expect(jrd.links).toContainEqual({ rel: "https://www.w3.org/ns/activitystreams#movedTo", type: AP, href: target });

    // Fedify verified our signature on the Move and ran its inbox listener.
    const atFedify = await waitFor(async () => {
      const received = await peer<FedifyReceived[]>(`${FEDIFY}/__control/received`);
      return received.find((r) => r.type === "Move" && r.id === moveId && r.inboxStatus === 202) ?? null;
    });
    expect(atFedify.httpSignature).toMatchObject({ verified: true, keyId: `${ACTOR}#main-key`, owner: ACTOR });
    expect(atFedify.listenerRan).toBe(true);
    expect(atFedify.activity).toMatchObject({ type: "Move", actor: ACTOR, object: ACTOR, target });
    // The Mastodon-style server got the Update (with movedTo) and the Move at its shared inbox, both verified.
    const atMastodon = await waitFor(async () => {
      const received = await peer<Received[]>(`${MASTODON}/__control/received`);
      const move = received.find((r) => r.activity.id === moveId);
      const update = received.find((r) => r.activity.type === "Update" && r.activity.object?.movedTo === target);
      return move && update ? { move, update } : null;
    });
    expect(atMastodon.move).toMatchObject({ path: "/inbox", verified: true });
    expect(atMastodon.update.verified).toBe(true);

    const post = await owner("/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "still here?" }) });
    expect(post.status).toBe(422);
    expect(((await post.json()) as { error: string }).error).toContain("moved to");
    // Again within 30 days: refused, with the date it may be sent.
    const again = await owner("/api/roost/move", { method: "POST", body: JSON.stringify({ account: "@mover@fedify.test" }) });
    expect(again.status).toBe(429);

    const undone = await json(await owner("/api/roost/move", { method: "DELETE" }));
    expect(undone.movedTo).toBeNull();
    expect((await actorDocument()).movedTo).toBeUndefined();
    await postStatus({ status: "back again" });
    expect((await owner("/api/roost/move", { method: "DELETE" })).status).toBe(409);
  });
});

describe("CSV exports and imports", () => {
  it("every format exports in Mastodon's shape and round-trips: exported, cleared, imported, exported again the same", async () => {
    const lookup = async (acct: string) => (await json(await owner(`/api/v1/accounts/lookup?acct=${acct}`))).id as string;
    const [a, b, c, d] = await Promise.all(["csva@mastodon.test", "csvb@mastodon.test", "csvc@mastodon.test", "csvd@mastodon.test"].map(lookup));
    await json(await owner(`/api/v1/accounts/${a}/follow`, { method: "POST", body: JSON.stringify({ reblogs: false, notify: true }) }));
    await json(await owner(`/api/v1/accounts/${b}/follow`, { method: "POST" }));
    await json(await owner(`/api/v1/accounts/${c}/block`, { method: "POST" }));
    await json(await owner(`/api/v1/accounts/${d}/mute`, { method: "POST", body: JSON.stringify({ notifications: false }) }));
    await json(await owner("/api/v1/domain_blocks", { method: "POST", body: JSON.stringify({ domain: "spam.example" }) }));
    const list = await json(await owner("/api/v1/lists", { method: "POST", body: JSON.stringify({ title: "Friends, close" }) }));
    await json(await owner(`/api/v1/lists/${list.id}/accounts`, { method: "POST", body: JSON.stringify({ account_ids: [a, b] }) }));
    const first = await postStatus({ status: "bookmark me" });
    const second = await postStatus({ status: "and me" });
    await json(await owner(`/api/v1/statuses/${first.id}/bookmark`, { method: "POST" }));
    await json(await owner(`/api/v1/statuses/${second.id}/bookmark`, { method: "POST" }));

    const files = {
      following: await exported("follows"),
      lists: await exported("lists"),
      blocking: await exported("blocks"),
      muting: await exported("mutes"),
      domain_blocking: await exported("domain_blocks"),
      bookmarks: await exported("bookmarks"),
    };
    expect(files.following.split("\n").slice(0, 3)).toEqual([
      "Account address,Show boosts,Notify on new posts,Languages",
      "csvb@mastodon.test,true,false,",
      "csva@mastodon.test,false,true,",
    ]);
    expect(files.lists).toBe('"Friends, close",csva@mastodon.test\n"Friends, close",csvb@mastodon.test\n');
    expect(files.blocking).toContain("csvc@mastodon.test\n");
    expect(files.muting).toContain("Account address,Hide notifications\ncsvd@mastodon.test,false\n");
    expect(files.domain_blocking).toContain("spam.example\n");
    expect(files.bookmarks.startsWith(`${second.uri}\n${first.uri}\n`)).toBe(true);
    expect((await deliverFromMastodon(follow("csvfan"), { actor: "csvfan" })).status).toBe(202);
    await waitFor(async () => (await count("followers", "actor_id = ? AND state = 'accepted'", `${MASTODON}/users/csvfan`)) > 0);
    expect((await exported("followers")).split("\n")[0]).toBe("csvfan@mastodon.test");

    const clear: Record<keyof typeof files, string[]> = {
      following: ["DELETE FROM following"],
      lists: ["DELETE FROM list_accounts", "DELETE FROM lists"],
      blocking: ["DELETE FROM blocks WHERE kind = 'actor'"],
      muting: ["DELETE FROM mutes"],
      domain_blocking: ["DELETE FROM blocks WHERE kind = 'domain'"],
      bookmarks: ["DELETE FROM bookmarks"],
    };
    const kinds = { following: "follows", lists: "lists", blocking: "blocks", muting: "mutes", domain_blocking: "domain_blocks", bookmarks: "bookmarks" } as const;
    for (const type of Object.keys(files) as (keyof typeof files)[]) {
      for (const statement of clear[type]) await env.DB.prepare(statement).run();
      const report = await imported(type, files[type]);
      expect(report.failures, type).toEqual([]);
      expect(await exported(kinds[type]), type).toBe(files[type]);
    }
    // The same file again changes nothing: idempotent.
    const again = await imported("following", files.following);
    expect(again).toMatchObject({ imported: again.total, failed: 0 });
    expect(await exported("follows")).toBe(files.following);
    // Seven imports one after the other, each through the queue: more than the default 20 s on a loaded machine.
  }, 60_000);

  it("overwrite: what the file does not name goes", async () => {
    await json(await owner("/api/v1/domain_blocks", { method: "POST", body: JSON.stringify({ domain: "old.example" }) }));
    const report = await imported("domain_blocking", "#domain\nNew.Example\n", "overwrite");
    expect(report).toMatchObject({ mode: "overwrite", imported: 1, failed: 0 });
    expect(await exported("domain_blocks")).toBe("new.example\n");
  });

  it("a following CSV with unresolvable accounts follows the others and reports each failure with its line; a malformed CSV is 400 with the line", async () => {
    const csv = [
      "Account address,Show boosts,Notify on new posts,Languages",
      "@imp1@mastodon.test,true,false,",
      "imp2@mastodon.test,false,false,\"en, de\"",
      "nobody@social.test,true,false,",
      "imp3@mastodon.test,true,true,",
      "ghost@nowhere.test,true,false,",
    ].join("\n");
    const report = await imported("following", csv);
    expect(report).toMatchObject({ type: "following", state: "finished", total: 5, processed: 5, imported: 3, failed: 2 });
    expect(report.failures.map((f: any) => [f.line, f.value])).toEqual([
      [4, "nobody@social.test"],
      [6, "ghost@nowhere.test"],
    ]);
    expect(report.failures[0].error).toContain("could not be resolved");
    for (const name of ["imp1", "imp2", "imp3"]) expect(await count("following", "actor_id = ?", `${MASTODON}/users/${name}`)).toBe(1);
    expect(await count("following", "actor_id = ? AND show_reblogs = 0", `${MASTODON}/users/imp2`)).toBe(1);

    const before = await count("imports");
    const malformed = await importCsv("following", 'Account address\nok@mastodon.test\n"broken@mastodon.test\n');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ line: 3, error: expect.stringContaining("line 3") });
    expect((await importCsv("following", "#domain\nexample.com\n")).status).toBe(400);
    expect(await count("imports")).toBe(before);
    expect((await importCsv("nonsense", "a@b.c\n")).status).toBe(400);

    // A month after it finished, the daily clean-up removes the import's rows and report.
    await pruneStorage({ ...createServices(env), now: () => Date.now() + 31 * 86_400_000 });
    expect(await count("import_rows", "import_id = ?", Number(report.id))).toBe(0);
    expect((await owner(`/api/roost/imports/${report.id}`)).status).toBe(404);
  });
});
