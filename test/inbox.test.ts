import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTOR, AP, count, deliverFromMastodon, follow, MASTODON, ORIGIN, type Received, ourPublicKey, peer, waitFor, worker } from "./helpers.ts";




beforeAll(async () => {
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
});

describe("follow handshake with a Mastodon-style peer", () => {
  it.each(["main", "4.5"] as const)("Mastodon %s header set: 202, follower stored, verified Accept delivered", async (variant) => {
    await peer(`${MASTODON}/__control/reset`, {});
    const name = variant === "main" ? "alice" : "bob";
    const activity = follow(name);
    const res = await deliverFromMastodon(activity, { actor: name, variant });
    expect(res.status).toBe(202);
    const accept = await waitFor(async () => {
      const received = await peer<Received[]>(`${MASTODON}/__control/received`);
      return received.find((r) => r.activity.type === "Accept") ?? null;
    });
    expect(accept.verified).toBe(true);
    expect(accept.path).toBe(`/users/${name}/inbox`);
    expect(accept.activity).toMatchObject({ actor: ACTOR, object: { id: activity.id, type: "Follow" } });
    expect(await count("followers", "actor_id = ? AND state = 'accepted'", `${MASTODON}/users/${name}`)).toBe(1);
    const followers = (await (await worker("/users/me/followers?page=1", { headers: { Accept: AP } })).json()) as { orderedItems: string[] };
    expect(followers.orderedItems).toContain(`${MASTODON}/users/${name}`);
  });

  it("a redelivered Follow is processed once", async () => {
    const activity = follow("carol");
    expect((await deliverFromMastodon(activity, { actor: "carol" })).status).toBe(202);
    const again = await deliverFromMastodon(activity, { actor: "carol" });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ result: "duplicate" });
    expect(await count("inbox_activities", "id = ?", activity.id)).toBe(1);
  });

  it("Undo{Follow} removes the follower", async () => {
    const activity = follow("dave");
    await deliverFromMastodon(activity, { actor: "dave" });
    await waitFor(() => count("followers", "actor_id = ?", `${MASTODON}/users/dave`));
    const undo = { "@context": "https://www.w3.org/ns/activitystreams", id: `${activity.id}/undo`, type: "Undo", actor: activity.actor, object: activity };
    expect((await deliverFromMastodon(undo, { actor: "dave" })).status).toBe(202);
    await waitFor(async () => (await count("followers", "actor_id = ?", `${MASTODON}/users/dave`)) === 0);
  });
});

describe("bad input is refused and changes nothing", () => {
  async function snapshot() {
    const tables = ["inbox_activities", "followers", "notifications", "reactions", "remote_objects"];
    return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)] as const)));
  }

  async function signedHeaders(body: string, actor = "erin") {
    return (
      await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, {
        method: "POST",
        url: `${ORIGIN}/users/me/inbox`,
        body,
        actor,
        variant: "main",
      })
    ).headers;
  }

  const cases: [string, number, () => Promise<Response>][] = [
    ["missing signature", 401, async () => worker("/users/me/inbox", { method: "POST", body: JSON.stringify(follow("erin")), headers: { "Content-Type": AP } })],
    [
      "unknown key",
      401,
      async () => {
        const body = JSON.stringify({ ...follow("erin"), actor: `${MASTODON}/users/erin` });
        const headers = await signedHeaders(body);
        headers.Signature = headers.Signature!.replace("/users/erin#main-key", "/nobody/x#main-key");
        return worker("/users/me/inbox", { method: "POST", headers, body });
      },
    ],
    [
      "wrong key",
      401,
      async () => {
        const body = JSON.stringify(follow("erin"));
        const headers = await signedHeaders(body);
        headers.Signature = headers.Signature!.replace(/signature="[^"]+"/, `signature="${btoa("x".repeat(256))}"`);
        return worker("/users/me/inbox", { method: "POST", headers, body });
      },
    ],
    [
      "tampered body",
      401,
      async () => {
        const body = JSON.stringify(follow("erin"));
        const headers = await signedHeaders(body);
        return worker("/users/me/inbox", { method: "POST", headers, body: body.replace("Follow", "Block") });
      },
    ],
    [
      "Date outside the window",
      401,
      async () => {
        const body = JSON.stringify(follow("erin"));
        const headers = await signedHeaders(body);
        headers.Date = new Date(Date.now() - 2 * 3600_000).toUTCString();
        return worker("/users/me/inbox", { method: "POST", headers, body });
      },
    ],
    [
      "actor is not the key owner",
      401,
      async () => {
        const body = JSON.stringify(follow("frank"));
        return worker("/users/me/inbox", { method: "POST", headers: await signedHeaders(body, "erin"), body });
      },
    ],
    ["body over 1 MB", 413, async () => worker("/users/me/inbox", { method: "POST", body: "x".repeat(1_000_001), headers: { "Content-Type": AP } })],
    ["malformed JSON", 400, async () => worker("/users/me/inbox", { method: "POST", body: "{not json", headers: { "Content-Type": AP } })],
    ["not an activity", 400, async () => worker("/users/me/inbox", { method: "POST", body: JSON.stringify({ hello: "world" }) })],
    ["no actor", 400, async () => worker("/users/me/inbox", { method: "POST", body: JSON.stringify({ type: "Follow", object: ACTOR }) })],
    [
      "blocked domain",
      403,
      async () => {
        await env.DB.prepare("INSERT OR IGNORE INTO blocks (kind, value) VALUES ('domain', 'blocked.test')").run();
        const body = JSON.stringify({ ...follow("x"), actor: "https://blocked.test/users/x" });
        return worker("/users/me/inbox", { method: "POST", body, headers: await signedHeaders(body) });
      },
    ],
  ];

  it.each(cases)("%s → %i with a JSON error", async (_name, status, send) => {
    const before = await snapshot();
    const res = await send();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error?: unknown };
    expect(typeof body.error).toBe("string");
    expect(await snapshot()).toEqual(before);
  });
});

describe("forwarded activities", () => {
  it("accepts an activity signed over HTTP by another server when it carries a valid proof by its actor", async () => {
    const { env } = await import("cloudflare:test");
    const { database } = await import("../src/db/client.ts");
    const { ed25519ToMultibase } = await import("../src/federation/encoding.ts");
    const { normalizeActor } = await import("../src/federation/normalize.ts");
    const { upsertRemoteActor } = await import("../src/federation/remote-actors.ts");
    const { createProof } = await import("../src/federation/proofs.ts");
    const pair = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    const author = "https://hollo.test/users/hana";
    const actor = normalizeActor({
      id: author,
      type: "Person",
      inbox: `${author}/inbox`,
      assertionMethod: [{ id: `${author}#ed`, type: "Multikey", controller: author, publicKeyMultibase: ed25519ToMultibase(raw) }],
    });
    if (!actor.ok) throw new Error(actor.reason);
    await upsertRemoteActor(database(env.DB), actor.value);
    const activity = await createProof(
      { "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"], id: `${author}/likes/1`, type: "Like", actor: author, object: `${ORIGIN}/objects/none` },
      { verificationMethod: `${author}#ed`, privateKey: pair.privateKey },
    );
    const res = await deliverFromMastodon(activity, { actor: "relay" });
    expect(res.status).toBe(202);
    expect(await count("inbox_activities", "id = ?", `${author}/likes/1`)).toBe(1);

    const forged = { ...activity, id: `${author}/likes/2` };
    const refused = await deliverFromMastodon(forged, { actor: "relay" });
    expect(refused.status).toBe(401);
  });
});
