// Cheap public reads: the cacheable documents go through the Cache API with a versioned key, so a
// repeat costs one counter row, and any change the document shows makes the next GET fresh.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AP, postStatus, worker } from "./helpers.ts";

async function get(path: string, accept = AP) {
  const res = await worker(path, { headers: { Accept: accept } });
  return { res, cache: res.headers.get("X-Roost-Cache"), body: await res.text() };
}

describe("public documents through the Cache API", () => {
  it("the actor, collections, NodeInfo and the profile page: a repeat is a hit; a new follower or post makes them fresh", async () => {
    const paths = ["/users/me", "/users/me/followers", "/users/me/outbox?page=1", "/nodeinfo/2.1"];
    for (const path of paths) {
      expect((await get(path)).cache).toBeNull();
      const again = await get(path);
      expect(again.res.status).toBe(200);
      expect(again.cache).toBe("hit");
    }
    const page = await get("/@me", "text/html");
    expect(page.res.headers.get("content-type")).toContain("text/html");
    expect((await get("/@me", "text/html")).cache).toBe("hit");
    // The two representations of one URL are cached apart.
    expect(JSON.parse((await get("/users/me")).body)).toMatchObject({ type: "Person" });

    await env.DB.prepare(
      "INSERT INTO followers (actor_id, inbox, follow_activity_id, state) VALUES ('https://peer.test/users/new', 'https://peer.test/inbox', 'https://peer.test/f', 'accepted')",
    ).run();
    const followers = await get("/users/me/followers");
    expect(followers.cache).toBeNull();
    expect(JSON.parse(followers.body).totalItems).toBe(1);
    expect((await get("/@me", "text/html")).cache).toBeNull();

    await postStatus({ status: "fresh", visibility: "public" });
    const outbox = await get("/users/me/outbox?page=1");
    expect(outbox.cache).toBeNull();
    expect(JSON.parse(outbox.body).orderedItems).toHaveLength(1);
    expect(JSON.parse((await get("/nodeinfo/2.1")).body).usage.localPosts).toBe(1);
  });

  it("errors are not cached", async () => {
    expect((await get("/users/me/outbox?page=7")).res.status).toBe(400);
    expect((await get("/users/me/outbox?page=7")).cache).toBeNull();
  });
});
