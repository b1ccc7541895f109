import { describe, expect, it, vi } from "vitest";
import { base64ToBytes, bytesToBase64, fromPem, toPem } from "../../src/federation/encoding.ts";
import { cavageSigningString, parseCavageHeader } from "../../src/federation/signatures/cavage.ts";
import { sign, type VerificationKey, verifySignature } from "../../src/federation/signatures/crypto.ts";
import { type KeyResolver, signRequest, verifyRequest } from "../../src/federation/signatures/index.ts";
import { parseRfc9421Headers, signatureBase } from "../../src/federation/signatures/rfc9421.ts";
import appendixC from "../fixtures/activitypub/sigvec-draft-cavage-appendix-c.json";
import fedifyVector from "../fixtures/activitypub/sigvec-fedify-draft-cavage.json";
import mastodonVectors from "../fixtures/activitypub/sigvec-mastodon-profile-generated.json";
import rfc9421 from "../fixtures/activitypub/sigvec-rfc9421-appendix-b.json";

const encoder = new TextEncoder();
const MINUTE = 60_000;

function rsaKey(id: string, owner: string, publicKeyPem: string): VerificationKey {
  return { kind: "rsa", id, owner, publicKeyPem };
}

function resolverFor(...keys: VerificationKey[]): KeyResolver {
  return async (keyId) => keys.find((k) => k.id === keyId) ?? null;
}

async function sha256Base64(bytes: Uint8Array): Promise<string> {
  return bytesToBase64(await crypto.subtle.digest("SHA-256", bytes));
}

async function rsaPair() {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, pem: toPem("PUBLIC KEY", spki) };
}

async function ed25519Pair() {
  const pair = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
  return { privateKey: pair.privateKey, raw: new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer) };
}

async function rawEd25519FromPem(pem: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("spki", fromPem("PUBLIC KEY", pem)!, "Ed25519", true, ["verify"]);
  return new Uint8Array((await crypto.subtle.exportKey("raw", key)) as ArrayBuffer);
}

// One key of each kind for the whole file: RSA generation is slow in workerd.
const rsa = await rsaPair();
const otherRsa = await rsaPair();
const ed = await ed25519Pair();

const keyId = "https://peer.test/users/a#main-key";
const owner = "https://peer.test/users/a";
const inbox = "https://roost.test/users/me/inbox";
const body = encoder.encode(JSON.stringify({ type: "Follow", actor: owner }));
const rsaResolver = resolverFor(rsaKey(keyId, owner, rsa.pem));

function expectRefused(result: Awaited<ReturnType<typeof verifyRequest>>, reason: string | RegExp, status = 401) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.status).toBe(status);
  if (typeof reason === "string") expect(result.reason).toBe(reason);
  else expect(result.reason).toMatch(reason);
}

/** A draft-cavage Signature header written by hand, for header sets our signer never emits. */
async function cavageHeader(
  request: { method: string; target: string; headers: Headers },
  params: { names: string[]; algorithm?: string; created?: string; expires?: string; privateKey?: CryptoKey },
): Promise<string> {
  const text = cavageSigningString(params.names, { ...request, created: params.created, expires: params.expires })!;
  const signature = bytesToBase64(await sign(params.privateKey ?? rsa.privateKey, text));
  const extra = [
    params.algorithm ? `algorithm="${params.algorithm}"` : null,
    params.created ? `created=${params.created}` : null,
    params.expires ? `expires=${params.expires}` : null,
  ].filter(Boolean);
  return [`keyId="${keyId}"`, ...extra, `headers="${params.names.join(" ")}"`, `signature="${signature}"`].join(",");
}

/** A signed POST to our inbox at `date`, over `names`, with the Digest header given or computed. */
async function handSignedPost(names: string[], options: { date?: Date; digest?: string; algorithm?: string; created?: string; expires?: string } = {}) {
  const headers = new Headers({
    Host: "roost.test",
    Date: (options.date ?? new Date()).toUTCString(),
    "Content-Type": "application/activity+json",
    Digest: options.digest ?? `SHA-256=${await sha256Base64(body)}`,
  });
  headers.set("Signature", await cavageHeader({ method: "POST", target: "/users/me/inbox", headers }, { names, ...options }));
  return headers;
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

  it("C.3 passes the whole verifier; C.1 and C.2 are refused by Mastodon's strength rules", async () => {
    const now = Date.parse(request.headers.Date);
    const results = await Promise.all(
      appendixC.cases.map((vector) => {
        const h = new Headers(request.headers);
        h.set("Signature", vector.signature_header);
        return verifyRequest({ method: "POST", url: `https://example.com${request.path}`, headers: h }, encoder.encode(request.body), resolverFor(key), now);
      }),
    );
    expectRefused(results[0]!, "the signature must cover (request-target) or digest");
    expectRefused(results[1]!, "a signed POST must cover digest");
    expect(results[2]).toEqual({ ok: true, keyId: "Test", owner: "https://example.com/actor", scheme: "draft-cavage" });
  });
});

describe("Fedify's draft-cavage vector", () => {
  it("verifies with its key document (no algorithm parameter, lower-case sha-256 digest)", async () => {
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

describe("Mastodon's header sets (4.5/4.6 and main, POST, GET and the RFC 9421 second knock)", () => {
  const vectors = mastodonVectors as unknown as {
    "publicKeyPem(SPKI)": string;
    cases: { name: string; method: string; url: string; headers: Record<string, string>; body?: string; signing_string?: string; signature_header?: string }[];
  };

  it.each(vectors.cases)("$name verifies", async (vector) => {
    const headers = new Headers(vector.headers);
    if (vector.signature_header) headers.set("Signature", vector.signature_header);
    const scheme = headers.has("Signature-Input") ? "rfc9421" : "draft-cavage";
    const id = /keyid="([^"]+)"/i.exec(headers.get("Signature-Input") ?? headers.get("Signature")!)![1]!;
    if (scheme === "draft-cavage") {
      const parsed = parseCavageHeader(headers.get("Signature")!)!;
      const target = new URL(vector.url).pathname;
      expect(cavageSigningString(parsed.headers, { method: vector.method, target, headers })).toBe(vector.signing_string);
    }
    const result = await verifyRequest(
      { method: vector.method, url: vector.url, headers },
      encoder.encode(vector.body ?? ""),
      resolverFor(rsaKey(id, id.replace(/#.*/, ""), vectors["publicKeyPem(SPKI)"])),
      Date.parse(vector.headers.Date!),
    );
    expect(result).toEqual({ ok: true, keyId: id, owner: id.replace(/#.*/, ""), scheme });
  });
});

describe("RFC 9421 Appendix B", () => {
  const keys = rfc9421.keys as Record<string, string>;
  const { test_request: req } = rfc9421;
  const [, path] = req.start_line.split(" ");
  const message = { method: "POST", url: `https://example.com${path}`, headers: new Headers(req.headers as [string, string][]) };
  const requestExamples = rfc9421.examples.filter((e) => e.message === "test-request" && ["rsa-pss-sha512", "ed25519"].includes(e.alg));

  async function exampleKey(alg: string, id: string): Promise<VerificationKey> {
    if (alg === "ed25519") return { kind: "ed25519", id, owner: "x", publicKey: await rawEd25519FromPem(keys["test-key-ed25519.pub"]!) };
    return rsaKey(id, "x", keys["test-key-rsa-pss.pub"]!);
  }

  it("covers B.2.1, B.2.2, B.2.3 (RSA-PSS) and B.2.6 (Ed25519)", () => {
    expect(requestExamples.map((e) => e.name.slice(0, 5))).toEqual(["B.2.1", "B.2.2", "B.2.3", "B.2.6"]);
  });

  it.each(requestExamples)("$name: signature base and signature", async (example) => {
    const [sig] = parseRfc9421Headers(example.signature_input, example.signature)!;
    expect(signatureBase(sig!.input, message)).toBe(example.signature_base);
    const key = await exampleKey(example.alg, example.keyid);
    expect(await verifySignature(key, example.alg as "ed25519" | "rsa-pss-sha512", sig!.signature, example.signature_base)).toBe(true);
    expect(await verifySignature(key, example.alg as "ed25519" | "rsa-pss-sha512", sig!.signature, `${example.signature_base} `)).toBe(false);
  });

  it("B.2.6 is refused by the whole verifier: a POST must cover content-digest", async () => {
    const example = rfc9421.examples.find((e) => e.alg === "ed25519")!;
    const headers = new Headers(message.headers);
    headers.set("Signature-Input", example.signature_input);
    headers.set("Signature", example.signature);
    const key = await exampleKey("ed25519", example.keyid);
    const result = await verifyRequest({ ...message, headers }, encoder.encode(req.body), resolverFor(key), 1618884473_000);
    expectRefused(result, "a signed POST must cover content-digest");
  });
});

describe("signRequest", () => {
  it("signs a POST as Mastodon does: (request-target) host date digest content-type, Digest SHA-256", async () => {
    const headers = new Headers({ "Content-Type": "application/activity+json" });
    const returned = await signRequest({ method: "POST", url: inbox, headers, body }, { keyId, privateKey: rsa.privateKey });
    expect(returned).toBe(headers);
    expect(headers.get("Host")).toBe("roost.test");
    expect(Math.abs(Date.parse(headers.get("Date")!) - Date.now())).toBeLessThan(5000);
    expect(headers.get("Digest")).toBe(`SHA-256=${await sha256Base64(body)}`);
    const sig = parseCavageHeader(headers.get("Signature")!)!;
    expect(sig).toMatchObject({ keyId, algorithm: "rsa-sha256", headers: ["(request-target)", "host", "date", "digest", "content-type"] });
  });

  it("signs a GET over (request-target) host date, plus accept when present", async () => {
    const bare = await signRequest({ method: "GET", url: "https://peer.test/users/a" , headers: new Headers() }, { keyId, privateKey: rsa.privateKey });
    expect(bare.has("Digest")).toBe(false);
    expect(bare.get("Signature")).toContain('headers="(request-target) host date"');
    const withAccept = await signRequest(
      { method: "GET", url: "https://peer.test/users/a", headers: new Headers({ Accept: "application/activity+json" }) },
      { keyId, privateKey: rsa.privateKey },
    );
    expect(withAccept.get("Signature")).toContain('headers="(request-target) host date accept"');
  });

  it("signs RFC 9421 with one label sig1, created and keyid, no alg, and Content-Digest", async () => {
    const post = await signRequest({ method: "POST", url: inbox, headers: new Headers(), body }, { keyId, privateKey: rsa.privateKey }, "rfc9421");
    const created = /;created=(\d+);/.exec(post.get("Signature-Input")!)?.[1];
    expect(post.get("Signature-Input")).toBe(`sig1=("@method" "@target-uri" "content-digest");created=${created};keyid="${keyId}"`);
    expect(Math.abs(Number(created) * 1000 - Date.now())).toBeLessThan(5000);
    expect(post.get("Content-Digest")).toBe(`sha-256=:${await sha256Base64(body)}:`);
    expect(post.get("Signature")).toMatch(/^sig1=:[A-Za-z0-9+/]+=*:$/);
    expect(post.has("Digest")).toBe(false);
    const get = await signRequest({ method: "GET", url: inbox, headers: new Headers() }, { keyId, privateKey: rsa.privateKey }, "rfc9421");
    expect(get.get("Signature-Input")).toMatch(/^sig1=\("@method" "@target-uri"\);created=\d+;keyid=/);
    expect(get.has("Content-Digest")).toBe(false);
  });

  it("names Ed25519 cavage signatures hs2019", async () => {
    const headers = await signRequest({ method: "POST", url: inbox, headers: new Headers(), body }, { keyId, privateKey: ed.privateKey });
    expect(parseCavageHeader(headers.get("Signature")!)!.algorithm).toBe("hs2019");
  });
});

describe("sign then verify", () => {
  const keysByKind = {
    rsa: () => ({ privateKey: rsa.privateKey, key: rsaKey(keyId, owner, rsa.pem) }),
    ed25519: () => ({ privateKey: ed.privateKey, key: { kind: "ed25519", id: keyId, owner, publicKey: ed.raw } as VerificationKey }),
  };
  const cases = (["draft-cavage", "rfc9421"] as const).flatMap((scheme) =>
    (["rsa", "ed25519"] as const).flatMap((kind) => (["POST", "GET"] as const).map((method) => ({ scheme, kind, method }))),
  );

  it.each(cases)("$scheme $kind $method", async ({ scheme, kind, method }) => {
    const { privateKey, key } = keysByKind[kind]();
    const url = `${inbox}?page=2&x=%20y`;
    const headers = new Headers({ "Content-Type": "application/activity+json" });
    const payload = method === "POST" ? body : null;
    await signRequest({ method, url, headers, body: payload }, { keyId, privateKey }, scheme);
    const result = await verifyRequest({ method, url, headers }, payload ?? new Uint8Array(), resolverFor(key));
    expect(result).toEqual({ ok: true, keyId, owner, scheme });
  });
});

describe("refusals", () => {
  async function signed(scheme: "draft-cavage" | "rfc9421", method = "POST") {
    const headers = new Headers({ "Content-Type": "application/activity+json" });
    await signRequest({ method, url: inbox, headers, body: method === "POST" ? body : null }, { keyId, privateKey: rsa.privateKey }, scheme);
    return headers;
  }
  const post = (headers: Headers, payload = body, resolve = rsaResolver) => verifyRequest({ method: "POST", url: inbox, headers }, payload, resolve);

  it("a tampered body fails the Digest and the Content-Digest", async () => {
    expectRefused(await post(await signed("draft-cavage"), encoder.encode("{}")), "the Digest header does not match the body");
    expectRefused(await post(await signed("rfc9421"), encoder.encode("{}")), "the Content-Digest header does not match the body");
  });

  it("a tampered signed header, or another key, fails the signature", async () => {
    for (const scheme of ["draft-cavage", "rfc9421"] as const) {
      const headers = await signed(scheme);
      expectRefused(await post(headers, body, resolverFor(rsaKey(keyId, owner, otherRsa.pem))), "the signature does not verify with the actor's key");
    }
    const headers = await signed("draft-cavage");
    headers.set("Content-Type", "text/plain");
    expectRefused(await post(headers), "the signature does not verify with the actor's key");
    const moved = await signed("rfc9421");
    expectRefused(await verifyRequest({ method: "POST", url: "https://roost.test/other/inbox", headers: moved }, body, rsaResolver), "the signature does not verify with the actor's key");
  });

  it("missing headers", async () => {
    expectRefused(await post(new Headers()), "the request is not signed (no Signature header)");
    const noContentType = await signed("draft-cavage");
    noContentType.delete("Content-Type");
    expectRefused(await post(noContentType), "a header listed in the signature is missing from the request");
    const noDigest = await signed("draft-cavage");
    noDigest.delete("Digest");
    expectRefused(await post(noDigest), "the Digest header is missing");
    const noDate = await signed("draft-cavage");
    noDate.delete("Date");
    expectRefused(await post(noDate), /no creation time/);
    const noContentDigest = await signed("rfc9421");
    noContentDigest.delete("Content-Digest");
    expectRefused(await post(noContentDigest), "the Content-Digest header is missing");
    const noSignature = await signed("rfc9421");
    noSignature.delete("Signature");
    expectRefused(await post(noSignature), "Signature-Input without a Signature header");
  });

  it("draft-cavage strength rules and algorithms", async () => {
    expectRefused(await post(await handSignedPost(["(request-target)", "host", "digest"])), "the signature must cover date or (created)");
    expectRefused(await post(await handSignedPost(["host", "date"])), "the signature must cover (request-target) or digest");
    expectRefused(await post(await handSignedPost(["(request-target)", "host", "date"])), "a signed POST must cover digest");
    expectRefused(await post(await handSignedPost(["date", "digest", "(created)"], { algorithm: "rsa-sha256", created: "1" })), "(created) and (expires) may only be signed with hs2019");
    expectRefused(await post(await handSignedPost(["(request-target)", "host", "date", "digest"], { algorithm: "hmac-sha256" })), /^unsupported algorithm hmac-sha256/);
    expect((await post(await handSignedPost(["(request-target)", "host", "date", "digest"], { algorithm: "hs2019" }))).ok).toBe(true);
    expect((await post(await handSignedPost(["(request-target)", "host", "date", "digest"]))).ok).toBe(true);
    // Rule 7 (docs/inbox.md): a signed POST covers the whole request.
    expectRefused(await post(await handSignedPost(["host", "date", "digest"])), "a signed POST must cover (request-target)");
    expectRefused(await post(await handSignedPost(["(request-target)", "date", "digest"])), "a signed POST must cover host");

    const get = new Headers({ Date: new Date().toUTCString(), Host: "roost.test" });
    get.set("Signature", await cavageHeader({ method: "GET", target: "/users/me", headers: get }, { names: ["(request-target)", "date"] }));
    expectRefused(await verifyRequest({ method: "GET", url: "https://roost.test/users/me", headers: get }, new Uint8Array(), rsaResolver), "a signed GET must cover host");
  });

  it("a Digest needs a SHA-256 entry in any case, among others or alone", async () => {
    const sha = await sha256Base64(body);
    expectRefused(await post(await handSignedPost(["(request-target)", "host", "date", "digest"], { digest: "SHA-512=abc" })), /no SHA-256 entry/);
    expect((await post(await handSignedPost(["(request-target)", "host", "date", "digest"], { digest: `SHA-512=abc, sha-256=${sha}` }))).ok).toBe(true);
    expect((await post(await handSignedPost(["(request-target)", "host", "date", "digest"], { digest: `Sha-256=${sha}` }))).ok).toBe(true);
  });

  it("RFC 9421 rules: keyid, created, @method and @target-uri, content-digest on POST, known alg", async () => {
    async function withInput(components: string, params: string, method = "POST") {
      const headers = new Headers({ "Content-Digest": `sha-256=:${await sha256Base64(body)}:` });
      const input = `(${components})${params}`;
      const [parsed] = parseRfc9421Headers(`s=${input}`, "s=:AA==:")!;
      const base = signatureBase(parsed!.input, { method, url: inbox, headers })!;
      headers.set("Signature-Input", `s=${input}`);
      headers.set("Signature", `s=:${bytesToBase64(await sign(rsa.privateKey, base))}:`);
      return verifyRequest({ method, url: inbox, headers }, method === "POST" ? body : new Uint8Array(), rsaResolver);
    }
    const now = Math.floor(Date.now() / 1000);
    const all = '"@method" "@target-uri" "content-digest"';
    expect(await withInput(all, `;created=${now};keyid="${keyId}"`)).toMatchObject({ ok: true });
    expect(await withInput(all, `;created=${now};keyid="${keyId}";alg="rsa-v1_5-sha256"`)).toMatchObject({ ok: true });
    expect(await withInput('"@method" "@target-uri"', `;created=${now};keyid="${keyId}"`, "GET")).toMatchObject({ ok: true });
    expectRefused(await withInput(all, `;created=${now}`), "the signature has no keyid parameter");
    expectRefused(await withInput(all, `;keyid="${keyId}"`), "the signature has no created parameter");
    expectRefused(await withInput('"@target-uri" "content-digest"', `;created=${now};keyid="${keyId}"`), "the signature must cover @method and @target-uri");
    expectRefused(await withInput('"@method" "@path" "content-digest"', `;created=${now};keyid="${keyId}"`), "the signature must cover @method and @target-uri");
    expectRefused(await withInput('"@method" "@authority" "content-digest"', `;created=${now};keyid="${keyId}"`), "the signature must cover @method and @target-uri");
    expect(await withInput('"@method" "@authority" "@path" "content-digest"', `;created=${now};keyid="${keyId}"`)).toMatchObject({ ok: true });
    expectRefused(await withInput('"@method" "@target-uri"', `;created=${now};keyid="${keyId}"`), "a signed POST must cover content-digest");
    expectRefused(await withInput(all, `;created=${now};keyid="${keyId}";alg="hmac-sha256"`), /^unsupported alg hmac-sha256/);
    expectRefused(await withInput(all, `;created=${now};keyid="${keyId}";alg="ed25519"`), "the signature does not verify with the actor's key");
  });

  it("a malformed Content-Digest is a 400, a Content-Digest without sha-256 a 401", async () => {
    const malformed = await signed("rfc9421");
    malformed.set("Content-Digest", "sha-256=not base64");
    expectRefused(await post(malformed, body, async () => null), "the Content-Digest header is malformed", 400);
    const notBytes = await signed("rfc9421");
    notBytes.set("Content-Digest", 'sha-256="abc"');
    expectRefused(await post(notBytes), "the Content-Digest sha-256 entry is not a byte sequence", 400);
    const sha512 = await signed("rfc9421");
    sha512.set("Content-Digest", "sha-512=:AAAA:");
    expectRefused(await post(sha512), /no sha-256 entry/);
  });

  it("garbage in any header is a refusal, never an exception", async () => {
    const garbage: Record<string, string>[] = [
      { Signature: "nonsense" },
      { Signature: 'keyId="k",signature="***"', Date: new Date().toUTCString() },
      { Signature: `keyId="${keyId}",headers="(request-target) date digest",signature="AAAA"`, Date: "yesterday", Digest: "x" },
      { "Signature-Input": 'sig1=("@method"', Signature: "sig1=:AA==:" },
      { "Signature-Input": "sig1=(1 2);created=1;keyid=\"k\"", Signature: "sig1=:AA==:" },
      { "Signature-Input": 'sig1=("@method" "@target-uri" "@query-param";name="q");created=9999999999;keyid="k"', Signature: "sig1=:%%:" },
    ];
    for (const headers of garbage) {
      const result = await verifyRequest({ method: "POST", url: inbox, headers: new Headers(headers) }, body, rsaResolver);
      expect(result).toMatchObject({ ok: false });
    }
    const badUrl = await verifyRequest({ method: "POST", url: "not a url", headers: await signed("draft-cavage") }, body, rsaResolver);
    expectRefused(badUrl, /could not be checked/);
  });

  it("tolerates Mastodon's legacy 'Signature ' prefix and an empty Signature-Input", async () => {
    const headers = await signed("draft-cavage");
    headers.set("Signature", `Signature ${headers.get("Signature")}`);
    headers.set("Signature-Input", " ");
    expect(await post(headers)).toMatchObject({ ok: true, scheme: "draft-cavage" });
  });
});

describe("time window (Mastodon: 5 min default expiry, 12 h cap, 1 h skew)", () => {
  it("accepts a Date from 65 minutes ago to an hour ahead", async () => {
    const headers = new Headers({ "Content-Type": "application/activity+json" });
    await signRequest({ method: "POST", url: inbox, headers, body }, { keyId, privateKey: rsa.privateKey });
    const signedAt = Date.parse(headers.get("Date")!);
    const at = (offset: number) => verifyRequest({ method: "POST", url: inbox, headers }, body, rsaResolver, signedAt + offset);
    expect((await at(64 * MINUTE)).ok).toBe(true);
    expectRefused(await at(66 * MINUTE), /expired/);
    expect((await at(-59 * MINUTE)).ok).toBe(true);
    expectRefused(await at(-61 * MINUTE), "the signature was created more than an hour in the future");
  });

  it("applies the same window to RFC 9421 created", async () => {
    const headers = new Headers();
    await signRequest({ method: "POST", url: inbox, headers, body }, { keyId, privateKey: rsa.privateKey }, "rfc9421");
    const created = Number(/created=(\d+)/.exec(headers.get("Signature-Input")!)![1]) * 1000;
    const at = (offset: number) => verifyRequest({ method: "POST", url: inbox, headers }, body, rsaResolver, created + offset);
    expect((await at(64 * MINUTE)).ok).toBe(true);
    expectRefused(await at(66 * MINUTE), /expired/);
    expectRefused(await at(-61 * MINUTE), /future/);
  });

  it("honours signed (created) and (expires) with hs2019, capping expiry at 12 hours", async () => {
    const created = Math.floor(Date.now() / 1000);
    const names = ["(request-target)", "host", "(created)", "(expires)", "digest"];
    const long = await handSignedPost(names, { algorithm: "hs2019", created: String(created), expires: String(created + 24 * 3600) });
    const at = (headers: Headers, seconds: number) => verifyRequest({ method: "POST", url: inbox, headers }, body, rsaResolver, (created + seconds) * 1000);
    expect((await at(long, 12 * 3600 + 59 * 60)).ok).toBe(true);
    expectRefused(await at(long, 13 * 3600 + 60), /expired/);
    const short = await handSignedPost(names, { algorithm: "hs2019", created: String(created), expires: `${created + 60}.5` });
    expect((await at(short, 61 * 60)).ok).toBe(true);
    expectRefused(await at(short, 62 * 60), /expired/);
  });

  it("ignores an unsigned created parameter that would rescue an old Date", async () => {
    const date = new Date(Date.now() - 2 * 3600_000);
    const headers = await handSignedPost(["(request-target)", "host", "date", "digest"], { date, algorithm: "hs2019" });
    headers.set("Signature", `${headers.get("Signature")},created=${Math.floor(Date.now() / 1000)}`);
    expectRefused(await verifyRequest({ method: "POST", url: inbox, headers }, body, rsaResolver), /expired/);
  });
});

describe("(request-target) and the query string", () => {
  const url = "https://roost.test/users/me/outbox?page=true";

  async function signedGet(target: string) {
    const headers = new Headers({ Host: "roost.test", Date: new Date().toUTCString() });
    headers.set("Signature", await cavageHeader({ method: "GET", target, headers }, { names: ["(request-target)", "host", "date"] }));
    return headers;
  }
  const get = (headers: Headers) => verifyRequest({ method: "GET", url, headers }, new Uint8Array(), rsaResolver);

  it("verifies a target signed with its query, and one signed without (older Mastodon)", async () => {
    expect((await get(await signedGet("/users/me/outbox?page=true"))).ok).toBe(true);
    expect((await get(await signedGet("/users/me/outbox"))).ok).toBe(true);
  });

  it("refuses a target signed with another query", async () => {
    expectRefused(await get(await signedGet("/users/me/outbox?page=false")), "the signature does not verify with the actor's key");
  });
});

describe("key rotation", () => {
  async function signedPost(privateKey: CryptoKey) {
    const headers = new Headers({ "Content-Type": "application/activity+json" });
    await signRequest({ method: "POST", url: inbox, headers, body }, { keyId, privateKey });
    return headers;
  }

  it("refetches the key once when the known one fails", async () => {
    const headers = await signedPost(rsa.privateKey);
    const resolve = vi.fn<KeyResolver>(async (_id, { refresh }) => rsaKey(keyId, owner, refresh ? rsa.pem : otherRsa.pem));
    expect(await verifyRequest({ method: "POST", url: inbox, headers }, body, resolve)).toMatchObject({ ok: true, owner });
    expect(resolve.mock.calls).toEqual([[keyId, { refresh: false }], [keyId, { refresh: true }]]);
  });

  it("refetches when the key is not known yet", async () => {
    const headers = await signedPost(rsa.privateKey);
    const resolve = vi.fn<KeyResolver>(async (_id, { refresh }) => (refresh ? rsaKey(keyId, owner, rsa.pem) : null));
    expect((await verifyRequest({ method: "POST", url: inbox, headers }, body, resolve)).ok).toBe(true);
    expect(resolve).toHaveBeenCalledTimes(2);
  });

  it("asks once when the known key verifies, and at most twice when nothing does", async () => {
    const headers = await signedPost(rsa.privateKey);
    const good = vi.fn<KeyResolver>(async () => rsaKey(keyId, owner, rsa.pem));
    expect((await verifyRequest({ method: "POST", url: inbox, headers }, body, good)).ok).toBe(true);
    expect(good).toHaveBeenCalledTimes(1);
    const wrong = vi.fn<KeyResolver>(async () => rsaKey(keyId, owner, otherRsa.pem));
    expectRefused(await verifyRequest({ method: "POST", url: inbox, headers }, body, wrong), "the signature does not verify with the actor's key");
    expect(wrong).toHaveBeenCalledTimes(2);
    const unknown = vi.fn<KeyResolver>(async () => null);
    expectRefused(await verifyRequest({ method: "POST", url: inbox, headers }, body, unknown), `the key ${keyId} is unknown or could not be fetched`);
    expect(unknown).toHaveBeenCalledTimes(2);
  });
});
