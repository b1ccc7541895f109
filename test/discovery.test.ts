import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const ORIGIN = "https://roost.test";
const AP = "application/activity+json";

function get(path: string, headers: Record<string, string> = {}) {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { headers }));
}

describe("webfinger", () => {
  it("resolves the handle to the actor", async () => {
    const res = await get("/.well-known/webfinger?resource=acct:me@roost.test");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/jrd+json");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const jrd = (await res.json()) as { subject: string; links: { rel: string; href?: string; type?: string }[] };
    expect(jrd.subject).toBe("acct:me@roost.test");
    expect(jrd.links.find((l) => l.rel === "self")).toEqual({ rel: "self", type: AP, href: `${ORIGIN}/users/me` });
  });

  it("answers 404 JSON for an unknown user and 400 JSON for malformed input", async () => {
    const unknown = await get("/.well-known/webfinger?resource=acct:someone@roost.test");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toHaveProperty("error");
    for (const q of ["", "?resource=", "?resource=acct:nohost", "?resource=mailto:x@y"]) {
      const res = await get(`/.well-known/webfinger${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json(), q).toHaveProperty("error");
    }
  });
});

describe("actor", () => {
  it("serves ActivityStreams to ActivityPub clients", async () => {
    const res = await get("/users/me", { Accept: AP });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain(AP);
    const actor = (await res.json()) as Record<string, any>;
    expect(actor.id).toBe(`${ORIGIN}/users/me`);
    expect(actor.type).toBe("Person");
    expect(actor.publicKey.owner).toBe(actor.id);
    expect(actor.publicKey.publicKeyPem).toContain("BEGIN PUBLIC KEY");
  });

  it("serves HTML to browsers", async () => {
    const res = await get("/users/me", { Accept: "text/html" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("vary")).toContain("Accept");
    expect(await res.text()).toContain('rel="alternate" type="application/activity+json"');
  });
});

describe("webfinger variants", () => {
  it("answers for the actor URL, the profile URL and mixed case", async () => {
    for (const resource of [`${ORIGIN}/users/me`, `${ORIGIN}/@me`, "acct:ME@Roost.Test", "acct%3Ame%40roost.test"]) {
      const res = await get(`/.well-known/webfinger?resource=${resource}`);
      expect(res.status, resource).toBe(200);
      expect(((await res.json()) as { subject: string }).subject).toBe("acct:me@roost.test");
    }
  });

  it("serves host-meta with an lrdd template", async () => {
    const res = await get("/.well-known/host-meta");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/xrd+xml");
    expect(await res.text()).toContain(`template="${ORIGIN}/.well-known/webfinger?resource={uri}"`);
  });
});

describe("actor document", () => {
  async function actor() {
    const res = await get("/users/me", { Accept: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"' });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, any>;
  }

  it("answers ld+json with the AS profile as ActivityStreams", async () => {
    const doc = await actor();
    expect(doc["@context"]).toContain("https://www.w3.org/ns/activitystreams");
  });

  it("carries every field Mastodon reads", async () => {
    const doc = await actor();
    expect(doc).toMatchObject({
      id: `${ORIGIN}/users/me`,
      type: "Person",
      preferredUsername: "me",
      webfinger: "me@roost.test",
      name: "Test Owner",
      url: `${ORIGIN}/@me`,
      inbox: `${ORIGIN}/users/me/inbox`,
      outbox: `${ORIGIN}/users/me/outbox`,
      followers: `${ORIGIN}/users/me/followers`,
      following: `${ORIGIN}/users/me/following`,
      featured: `${ORIGIN}/users/me/collections/featured`,
      endpoints: { sharedInbox: `${ORIGIN}/inbox` },
      manuallyApprovesFollowers: false,
      discoverable: true,
      indexable: true,
      alsoKnownAs: ["https://mastodon.test/users/old"],
      publicKey: { id: `${ORIGIN}/users/me#main-key`, owner: `${ORIGIN}/users/me` },
    });
    expect(doc.summary).toBe(
      '<p>Hello from the tests.</p><p>See <a href="https://example.com/about" rel="nofollow noopener noreferrer" target="_blank">https://example.com/about</a></p>',
    );
    expect(doc.attachment).toEqual([
      {
        type: "PropertyValue",
        name: "Site",
        value: '<a href="https://example.com" rel="me nofollow noopener noreferrer" target="_blank">https://example.com</a>',
      },
    ]);
    expect(doc.assertionMethod[0]).toMatchObject({ type: "Multikey", controller: doc.id, id: `${doc.id}#ed25519-key` });
    expect(doc.assertionMethod[0].publicKeyMultibase).toMatch(/^z6Mk/);
    expect(Date.parse(doc.published)).not.toBeNaN();
  });

  it("keeps the same keys across requests", async () => {
    const a = await actor();
    const b = await actor();
    expect(a.publicKey.publicKeyPem).toBe(b.publicKey.publicKeyPem);
  });

  it("answers 404 JSON for another user", async () => {
    const res = await get("/users/someone", { Accept: AP });
    expect(res.status).toBe(404);
    expect(await res.json()).toHaveProperty("error");
  });

  it("answers 404 JSON for another /@handle", async () => {
    const res = await get("/@someone", { Accept: "text/html" });
    expect(res.status).toBe(404);
    expect(await res.json()).toHaveProperty("error");
  });

  it("serves the profile page at /@me with the alternate link", async () => {
    const res = await get("/@me", { Accept: "text/html" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("@me@roost.test");
    expect(html).toContain(`href="${ORIGIN}/users/me"`);
  });
});

describe("collections", () => {
  it.each(["outbox", "followers", "following", "collections/featured"])("%s is a valid empty collection", async (name) => {
    const res = await get(`/users/me/${name}`, { Accept: AP });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain(AP);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({ id: `${ORIGIN}/users/me/${name}`, type: "OrderedCollection", totalItems: 0 });
    expect(doc.orderedItems).toEqual([]);
  });

  it("pages followers newest first by keyset: the first page numbered, next links carry a cursor; counts from the counters", async () => {
    const { env } = await import("cloudflare:test");
    const statements = Array.from({ length: 25 }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO followers (actor_id, inbox, shared_inbox, follow_activity_id, state, created_at) VALUES (?, ?, ?, ?, 'accepted', ?)",
      ).bind(`https://peer${i}.test/users/u`, `https://peer${i}.test/users/u/inbox`, null, `https://peer${i}.test/f/1`, 1000 + i),
    );
    await env.DB.batch(statements);
    const collection = (await (await get("/users/me/followers", { Accept: AP })).json()) as Record<string, any>;
    expect(collection.totalItems).toBe(25);
    expect(collection.first).toBe(`${ORIGIN}/users/me/followers?page=1`);
    const page1 = (await (await get("/users/me/followers?page=1", { Accept: AP })).json()) as Record<string, any>;
    expect(page1.type).toBe("OrderedCollectionPage");
    expect(page1.orderedItems).toHaveLength(20);
    expect(page1.orderedItems[0]).toBe("https://peer24.test/users/u");
    expect(page1.totalItems).toBe(25);
    expect(page1.next).toBe(`${ORIGIN}/users/me/followers?before=${encodeURIComponent("1005|https://peer5.test/users/u")}`);
    const page2 = (await (await get(new URL(page1.next).pathname + new URL(page1.next).search, { Accept: AP })).json()) as Record<string, any>;
    expect(page2.id).toBe(page1.next);
    expect(page2.orderedItems).toEqual(["https://peer4.test/users/u", "https://peer3.test/users/u", "https://peer2.test/users/u", "https://peer1.test/users/u", "https://peer0.test/users/u"]);
    expect(page2.next).toBeUndefined();
    expect((await get("/users/me/followers?page=2", { Accept: AP })).status).toBe(400);
    expect((await get("/users/me/followers?before=nonsense", { Accept: AP })).status).toBe(400);
    const targets = await env.DB.prepare("SELECT count(*) AS n FROM delivery_targets").first<{ n: number }>();
    expect(targets?.n).toBe(25);
    await env.DB.prepare("DELETE FROM followers").run();
    expect((await env.DB.prepare("SELECT n FROM counters WHERE name = 'followers'").first<{ n: number }>())?.n).toBe(0);
  });

  it("rejects a malformed page number with 400 JSON", async () => {
    const res = await get("/users/me/outbox?page=-3", { Accept: AP });
    expect(res.status).toBe(400);
    expect(await res.json()).toHaveProperty("error");
  });
});

describe("nodeinfo", () => {
  it("links to NodeInfo 2.1 and describes the node", async () => {
    const links = (await (await get("/.well-known/nodeinfo")).json()) as { links: { rel: string; href: string }[] };
    expect(links.links[0]).toEqual({ rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", href: `${ORIGIN}/nodeinfo/2.1` });
    const info = (await (await get("/nodeinfo/2.1")).json()) as Record<string, any>;
    expect(info).toMatchObject({
      version: "2.1",
      software: { name: "roost" },
      protocols: ["activitypub"],
      openRegistrations: false,
      usage: { users: { total: 1 }, localPosts: 0 },
    });
  });
});
