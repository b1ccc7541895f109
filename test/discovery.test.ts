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
