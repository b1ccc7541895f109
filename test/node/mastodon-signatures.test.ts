// The Mastodon-style peer must sign and judge exactly as Mastodon does, or the federation tests
// built on it prove nothing: it reproduces the generated Mastodon vectors and applies the
// signed-header, Digest and time-window rules of app/lib/signed_request.rb.
import { createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import vectors from "../fixtures/activitypub/sigvec-mastodon-profile-generated.json" with { type: "json" };
import { type MastodonVariant, signAsMastodon, verifyAsMastodon } from "../peers/mastodon-signatures.ts";

const privateKey = createPrivateKey(vectors["privateKeyPem(PKCS1)"]);
const publicKeyPem = vectors["publicKeyPem(SPKI)"];
// The JSON's cases differ in shape; the tests read signature_header only from the draft-cavage ones.
interface Vector { name: string; method: string; url: string; headers: { Date: string; [header: string]: string }; body?: string; signature_header: string }
const vector = (name: string) => (vectors.cases as unknown as Vector[]).find((c) => c.name === name)!;
const date = new Date(vector("mastodon-main POST (draft-cavage)").headers.Date);
const ALICE_KEY = "https://mastodon.example/users/alice#main-key";
const lookup = (keyId: string) => (keyId === ALICE_KEY ? { owner: "https://mastodon.example/users/alice", publicKeyPem } : null);

describe("signing as Mastodon", () => {
  it.each([
    ["mastodon-main POST (draft-cavage)", "main", ALICE_KEY],
    ["mastodon-4.5/4.6 POST (draft-cavage)", "4.5", ALICE_KEY],
    ["mastodon-main signed GET (draft-cavage)", "main", "https://mastodon.example/actor#main-key"],
    ["mastodon-4.5/4.6 signed GET (draft-cavage)", "4.5", "https://mastodon.example/actor#main-key"],
  ] as const)("%s matches the vector byte for byte", (name, variant: MastodonVariant, keyId) => {
    const c = vector(name);
    const headers = signAsMastodon({ method: c.method as "GET" | "POST", url: c.url, body: c.body ?? "", keyId, privateKey, variant, date });
    expect(headers.Signature).toBe(c.signature_header);
    for (const [header, value] of Object.entries(c.headers)) expect(headers[header]).toBe(value);
  });

  it("main's RFC 9421 retry matches the vector", () => {
    const c = vector("mastodon-main POST retry after 400/401 (RFC 9421)");
    const headers = signAsMastodon({ method: "POST", url: c.url, body: c.body!, keyId: ALICE_KEY, privateKey, variant: "main-rfc9421", date });
    expect(headers).toEqual(c.headers);
  });
});

describe("verifying as Mastodon", () => {
  const post = vector("mastodon-main POST (draft-cavage)");
  const request = (headers: Record<string, string>, method = "POST", url = post.url) => ({ method, url, headers: new Headers(headers) });
  const signed = { ...post.headers, Signature: post.signature_header };
  const now = date.getTime();

  it("accepts both POST header sets and both GET header sets", () => {
    for (const name of ["mastodon-main POST (draft-cavage)", "mastodon-4.5/4.6 POST (draft-cavage)"]) {
      const c = vector(name);
      expect(verifyAsMastodon(request({ ...c.headers, Signature: c.signature_header }), c.body!, lookup, now)).toMatchObject({ ok: true, owner: "https://mastodon.example/users/alice" });
    }
    const get = vector("mastodon-main signed GET (draft-cavage)");
    const actorKey = (keyId: string) => (keyId === "https://mastodon.example/actor#main-key" ? { owner: "https://mastodon.example/actor", publicKeyPem } : null);
    expect(verifyAsMastodon(request({ ...get.headers, Signature: get.signature_header }, "GET", get.url), "", actorKey, now)).toMatchObject({
      ok: true,
      signedHeaders: ["host", "date", "(request-target)"],
    });
  });

  it.each([
    ["a changed body", () => verifyAsMastodon(request(signed), post.body!.replace("Follow", "Block"), lookup, now), /Digest mismatch/],
    ["a Date 66 minutes old", () => verifyAsMastodon(request(signed), post.body!, lookup, now + 66 * 60_000), /outside the accepted window/],
    ["a Date over an hour ahead", () => verifyAsMastodon(request(signed), post.body!, lookup, now - 61 * 60_000), /in the future/],
    ["an unknown key", () => verifyAsMastodon(request(signed), post.body!, () => null, now), /Unable to fetch key/],
    ["a POST without a signed digest", () => verifyAsMastodon(request({ ...signed, Signature: signed.Signature.replace(" digest", "") }), post.body!, lookup, now), /Digest header to be signed/],
    [
      "a GET without a signed host",
      () => {
        const get = vector("mastodon-main signed GET (draft-cavage)");
        const sig = get.signature_header.replace('headers="host ', 'headers="');
        return verifyAsMastodon(request({ ...get.headers, Signature: sig }, "GET", get.url), "", () => ({ owner: "x", publicKeyPem }), now);
      },
      /Host header to be signed/,
    ],
    ["a signature over other bytes", () => verifyAsMastodon(request({ ...signed, Host: "elsewhere.example" }), post.body!, lookup, now), /Verification failed/],
  ])("refuses %s", (_name, verify, reason) => {
    const verdict = verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? "" : verdict.reason).toMatch(reason);
  });
});
