import { describe, expect, it, vi } from "vitest";
import { fromPem } from "../src/federation/encoding.ts";
import { cavageSigningString, parseCavageHeader } from "../src/federation/signatures/cavage.ts";
import { verifySignature, type VerificationKey } from "../src/federation/signatures/crypto.ts";
import { type KeyResolver, signRequest, verifyRequest } from "../src/federation/signatures/index.ts";
import { parseRfc9421Headers, signatureBase } from "../src/federation/signatures/rfc9421.ts";
import appendixC from "./fixtures/activitypub/sigvec-draft-cavage-appendix-c.json";
import fedifyVector from "./fixtures/activitypub/sigvec-fedify-draft-cavage.json";
import mastodonVectors from "./fixtures/activitypub/sigvec-mastodon-profile-generated.json";
import rfc9421 from "./fixtures/activitypub/sigvec-rfc9421-appendix-b.json";
import { base64ToBytes } from "../src/federation/encoding.ts";

const encoder = new TextEncoder();

function rsaKey(id: string, owner: string, publicKeyPem: string): VerificationKey {
  return { kind: "rsa", id, owner, publicKeyPem };
}

function resolverFor(...keys: VerificationKey[]): KeyResolver {
  return async (keyId) => keys.find((k) => k.id === keyId) ?? null;
}

describe("draft-cavage vectors (Appendix C)", () => {
  const key = rsaKey("Test", "https://example.com/actor", appendixC.publicKeyPem);
  const { request } = appendixC;
  const headers = new Headers(request.headers);

  it.each(appendixC.cases)("$name: signing string and signature verify", async (vector) => {
    const parsed = parseCavageHeader(vector.signature_header)!;
    const text = cavageSigningString(parsed.headers, { method: request.method, target: request.path, headers });
    expect(text).toBe(vector.signing_string);
    expect(await verifySignature(key, "rsa-v1_5-sha256", base64ToBytes(parsed.signature)!, text!)).toBe(true);
  });

  it("C.3 passes the whole verifier; C.1/C.2 are refused by Mastodon's strength rules", async () => {
    const now = Date.parse(request.headers.Date);
    const body = encoder.encode(request.body);
    const results = await Promise.all(
      appendixC.cases.map((vector) => {
        const h = new Headers(request.headers);
        h.set("Signature", vector.signature_header);
        return verifyRequest({ method: "POST", url: `https://example.com${request.path}`, headers: h }, body, resolverFor(key), now);
      }),
    );
    expect(results[2]).toMatchObject({ ok: true, keyId: "Test", scheme: "draft-cavage" });
    expect(results[0]).toMatchObject({ ok: false, status: 401 });
    expect(results[1]).toMatchObject({ ok: false, reason: "a signed POST must cover digest" });
  });
});

describe("Fedify's draft-cavage vector", () => {
  it("verifies (no algorithm parameter, lower-case sha-256 digest)", async () => {
    const doc = fedifyVector.key_document;
    const headers = new Headers(fedifyVector.request.headers);
    headers.set("Signature", fedifyVector.signature_header);
    const result = await verifyRequest(
      { method: "POST", url: fedifyVector.request.url, headers },
      encoder.encode(fedifyVector.request.body),
      resolverFor(rsaKey(doc.id, doc.owner, doc.publicKeyPem)),
      Date.parse(fedifyVector.verify_at),
    );
    expect(result).toEqual({ ok: true, keyId: doc.id, owner: doc.owner, scheme: "draft-cavage" });
  });
});

describe("Mastodon's header sets", () => {
  const vectors = mastodonVectors as unknown as {
    "publicKeyPem(SPKI)": string;
    cases: { name: string; method: string; url: string; headers: Record<string, string>; body?: string; signature_header?: string }[];
  };

  it.each(vectors.cases)("$name verifies", async (vector) => {
    const headers = new Headers(vector.headers);
    if (vector.signature_header) headers.set("Signature", vector.signature_header);
    const keyIdMatch = /keyid="([^"]+)"/i.exec(headers.get("Signature-Input") ?? headers.get("Signature") ?? "");
    const keyId = keyIdMatch![1]!;
    const result = await verifyRequest(
      { method: vector.method, url: vector.url, headers },
      encoder.encode(vector.body ?? ""),
      resolverFor(rsaKey(keyId, keyId.replace(/#.*/, ""), vectors["publicKeyPem(SPKI)"])),
      Date.parse(vector.headers.Date!),
    );
    expect(result).toMatchObject({ ok: true, keyId });
  });
});

describe("RFC 9421 Appendix B", () => {
  const keys = rfc9421.keys as Record<string, string>;
  const { test_request: req } = rfc9421;
  const [, path] = req.start_line.split(" ");
  const message = { method: "POST", url: `https://example.com${path}`, headers: new Headers(req.headers as [string, string][]) };

  const supported = rfc9421.examples.filter((e) => e.message === "test-request" && ["rsa-pss-sha512", "ed25519"].includes(e.alg));

  it.each(supported)("$name: signature base and signature", async (example) => {
    const [sig] = parseRfc9421Headers(example.signature_input, example.signature)!;
    expect(signatureBase(sig!.input, message)).toBe(example.signature_base);
    const key: VerificationKey =
      example.alg === "ed25519"
        ? {
            kind: "ed25519",
            id: example.keyid,
            owner: "x",
            publicKey: new Uint8Array(
              (await crypto.subtle.exportKey(
                "raw",
                await crypto.subtle.importKey("spki", fromPem("PUBLIC KEY", keys["test-key-ed25519.pub"]!)!, "Ed25519", true, ["verify"]),
              )) as ArrayBuffer,
            ),
          }
        : rsaKey(example.keyid, "x", keys["test-key-rsa-pss.pub"]!);
    expect(await verifySignature(key, example.alg as "ed25519", sig!.signature, example.signature_base)).toBe(true);
  });
});

async function rsaPair() {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  const { toPem } = await import("../src/federation/encoding.ts");
  return { privateKey: pair.privateKey, pem: toPem("PUBLIC KEY", spki) };
}

describe("sign then verify", () => {
  const keyId = "https://peer.test/users/a#main-key";
  const owner = "https://peer.test/users/a";
  const body = encoder.encode(JSON.stringify({ type: "Follow" }));
  const url = "https://roost.test/users/me/inbox?x=1";

  async function signed(scheme: "draft-cavage" | "rfc9421", privateKey: CryptoKey) {
    const headers = new Headers({ "Content-Type": "application/activity+json" });
    await signRequest({ method: "POST", url, headers, body }, { keyId, privateKey }, scheme);
    return headers;
  }

  it.each(["draft-cavage", "rfc9421"] as const)("%s round trip with RSA", async (scheme) => {
    const { privateKey, pem } = await rsaPair();
    const headers = await signed(scheme, privateKey);
    const result = await verifyRequest({ method: "POST", url, headers }, body, resolverFor(rsaKey(keyId, owner, pem)));
    expect(result).toEqual({ ok: true, keyId, owner, scheme });
  });

  it("RFC 9421 round trip with Ed25519", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    const headers = await signed("rfc9421", pair.privateKey);
    const result = await verifyRequest(
      { method: "POST", url, headers },
      body,
      resolverFor({ kind: "ed25519", id: keyId, owner, publicKey: raw }),
    );
    expect(result).toMatchObject({ ok: true, scheme: "rfc9421" });
  });

  it("refuses a tampered body, a wrong key, a stale Date and a missing signature", async () => {
    const { privateKey, pem } = await rsaPair();
    const other = await rsaPair();
    const resolve = resolverFor(rsaKey(keyId, owner, pem));
    const headers = await signed("draft-cavage", privateKey);
    const tampered = await verifyRequest({ method: "POST", url, headers }, encoder.encode("{}"), resolve);
    expect(tampered).toMatchObject({ ok: false, status: 401, reason: "the Digest header does not match the body" });
    const wrongKey = await verifyRequest({ method: "POST", url, headers }, body, resolverFor(rsaKey(keyId, owner, other.pem)));
    expect(wrongKey).toMatchObject({ ok: false, status: 401, reason: "the signature does not verify with the actor's key" });
    const late = await verifyRequest({ method: "POST", url, headers }, body, resolve, Date.now() + 66 * 60_000);
    expect(late).toMatchObject({ ok: false, status: 401 });
    expect(late.ok ? "" : late.reason).toContain("expired");
    const early = await verifyRequest({ method: "POST", url, headers }, body, resolve, Date.now() - 61 * 60_000);
    expect(early).toMatchObject({ ok: false, status: 401 });
    const unsigned = await verifyRequest({ method: "POST", url, headers: new Headers() }, body, resolve);
    expect(unsigned).toMatchObject({ ok: false, status: 401, reason: "the request is not signed (no Signature header)" });
  });

  it("accepts a Date up to 65 minutes old, as Mastodon does", async () => {
    const { privateKey, pem } = await rsaPair();
    const headers = await signed("draft-cavage", privateKey);
    const result = await verifyRequest({ method: "POST", url, headers }, body, resolverFor(rsaKey(keyId, owner, pem)), Date.now() + 64 * 60_000);
    expect(result.ok).toBe(true);
  });

  it("refetches the key once when the cached one fails (rotation)", async () => {
    const old = await rsaPair();
    const current = await rsaPair();
    const headers = await signed("draft-cavage", current.privateKey);
    const resolve = vi.fn<KeyResolver>(async (_id, { refresh }) => rsaKey(keyId, owner, refresh ? current.pem : old.pem));
    const result = await verifyRequest({ method: "POST", url, headers }, body, resolve);
    expect(result.ok).toBe(true);
    expect(resolve.mock.calls.map((c) => c[1].refresh)).toEqual([false, true]);
  });

  it("reports an unknown key and a malformed Content-Digest", async () => {
    const { privateKey } = await rsaPair();
    const headers = await signed("draft-cavage", privateKey);
    const unknown = await verifyRequest({ method: "POST", url, headers }, body, async () => null);
    expect(unknown).toMatchObject({ ok: false, status: 401, reason: `the key ${keyId} is unknown or could not be fetched` });
    const nine = await signed("rfc9421", privateKey);
    nine.set("Content-Digest", "sha-256=not base64");
    const malformed = await verifyRequest({ method: "POST", url, headers: nine }, body, async () => null);
    expect(malformed).toMatchObject({ ok: false, status: 400 });
  });

  it("signs GETs over (request-target) host date accept", async () => {
    const { privateKey, pem } = await rsaPair();
    const headers = new Headers({ Accept: "application/activity+json" });
    await signRequest({ method: "GET", url: "https://peer.test/users/a", headers }, { keyId, privateKey });
    expect(headers.get("Signature")).toContain('headers="(request-target) host date accept"');
    const result = await verifyRequest(
      { method: "GET", url: "https://peer.test/users/a", headers },
      new Uint8Array(),
      resolverFor(rsaKey(keyId, owner, pem)),
    );
    expect(result.ok).toBe(true);
  });
});
