// Passkeys (WebAuthn) for the owner's sign-in, against the Worker, with a software authenticator:
// an ECDSA P-256 key made with WebCrypto, real "none" attestation objects (CBOR) and real
// assertions signed with that key, submitted as the pages' script submits them.
import { describe, expect, it } from "vitest";
import { p256SignatureFromDer } from "../src/domain/passkeys.ts";
import { allow, api, authorizePath, exchange, form, ownerCookie, registerApp } from "./client-support.ts";
import { count, ORIGIN, owner, worker } from "./helpers.ts";

// --- a software authenticator ---

/** The CBOR subset WebAuthn uses here: integers, byte and text strings, maps. */
function cbor(value: unknown): number[] {
  const head = (major: number, n: number) =>
    n < 24 ? [(major << 5) | n] : n < 256 ? [(major << 5) | 24, n] : [(major << 5) | 25, n >> 8, n & 255];
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (value instanceof Uint8Array) return [...head(2, value.length), ...value];
  if (typeof value === "string") {
    const bytes = new TextEncoder().encode(value);
    return [...head(3, bytes.length), ...bytes];
  }
  const entries = [...(value as Map<unknown, unknown>)];
  return [...head(5, entries.length), ...entries.flatMap(([k, v]) => [...cbor(k), ...cbor(v)])];
}

const b64u = (bytes: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromB64u = (text: string) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const sha256 = async (bytes: Uint8Array | string) => new Uint8Array(await crypto.subtle.digest("SHA-256", typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** WebCrypto's r || s as the DER SEQUENCE of two INTEGERs WebAuthn carries. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const body = bytes[i]! & 0x80 ? [0, ...bytes.slice(i)] : [...bytes.slice(i)];
    return [0x02, body.length, ...body];
  };
  const body = [...integer(raw.slice(0, 32)), ...integer(raw.slice(32))];
  return Uint8Array.from([0x30, body.length, ...body]);
}

interface Ceremony {
  origin?: string;
  rpId?: string;
  counter?: number;
  challenge?: string;
  badSignature?: boolean;
}

type Algorithm = "ES256" | "RS256" | "EdDSA";
const KEYS = {
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  RS256: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: "SHA-256" },
  EdDSA: { name: "Ed25519" },
};

/** The credential public key in COSE (RFC 9053), from the JWK WebCrypto exports. */
function coseKey(algorithm: Algorithm, jwk: JsonWebKey): Map<number, unknown> {
  if (algorithm === "ES256") return new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, fromB64u(jwk.x!)], [-3, fromB64u(jwk.y!)]]);
  if (algorithm === "RS256") return new Map<number, unknown>([[1, 3], [3, -257], [-1, fromB64u(jwk.n!)], [-2, fromB64u(jwk.e!)]]);
  return new Map<number, unknown>([[1, 1], [3, -8], [-1, 6], [-2, fromB64u(jwk.x!)]]);
}

class SoftAuthenticator {
  readonly credentialId = crypto.getRandomValues(new Uint8Array(16));
  counter = 0;
  private constructor(private readonly algorithm: Algorithm, private readonly keys: CryptoKeyPair) {}

  static async create(algorithm: Algorithm = "ES256") {
    return new SoftAuthenticator(algorithm, (await crypto.subtle.generateKey(KEYS[algorithm], true, ["sign", "verify"])) as CryptoKeyPair);
  }

  get id() {
    return b64u(this.credentialId);
  }

  private authenticatorData(rpId: string, flags: number, counter: number, attested: Uint8Array = new Uint8Array()) {
    return sha256(rpId).then((hash) => concat(hash, Uint8Array.of(flags, counter >>> 24, (counter >> 16) & 255, (counter >> 8) & 255, counter & 255), attested));
  }

  private clientData(type: string, challenge: string, origin: string) {
    return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(): a "none" attestation of a new credential, as the page's script posts it. */
  async attest(options: { challenge: string; rp: { id: string } }, ceremony: Ceremony = {}) {
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    const attested = concat(new Uint8Array(16), Uint8Array.of(0, this.credentialId.length), this.credentialId, Uint8Array.from(cbor(coseKey(this.algorithm, jwk))));
    // Flags: user present, user verified, attested credential data.
    const authData = await this.authenticatorData(ceremony.rpId ?? options.rp.id, 0x45, this.counter, attested);
    const attestationObject = Uint8Array.from(cbor(new Map<string, unknown>([["fmt", "none"], ["attStmt", new Map()], ["authData", authData]])));
    const clientDataJSON = this.clientData("webauthn.create", ceremony.challenge ?? options.challenge, ceremony.origin ?? ORIGIN);
    return { id: this.id, rawId: this.id, type: "public-key", response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ["internal"] } };
  }

  /** navigator.credentials.get(): an assertion signed over authenticatorData || SHA-256(clientDataJSON). */
  async assert(options: { challenge: string; rpId: string }, ceremony: Ceremony = {}) {
    const counter = ceremony.counter ?? ++this.counter;
    const authData = await this.authenticatorData(ceremony.rpId ?? options.rpId, 0x05, counter);
    const clientDataJSON = this.clientData("webauthn.get", ceremony.challenge ?? options.challenge, ceremony.origin ?? ORIGIN);
    const params = this.algorithm === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : KEYS[this.algorithm];
    const raw = new Uint8Array(await crypto.subtle.sign(params, this.keys.privateKey, concat(authData, await sha256(clientDataJSON))));
    if (ceremony.badSignature) raw[40]! ^= 1;
    // ECDSA signatures travel as DER; RSA and Ed25519 ones as they are.
    const signature = this.algorithm === "ES256" ? derSignature(raw) : raw;
    return { id: this.id, rawId: this.id, type: "public-key", response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: null } };
  }
}

// --- the pages ---

const unescape = (html: string) => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** A page's passkey button options, its CSRF token, and whether its one script runs under a nonce policy. */
async function readPage(res: Response, kind: "create" | "get") {
  const html = await res.text();
  const options = new RegExp(`data-passkey="${kind}" data-options="([^"]+)"`).exec(html)?.[1];
  const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
  return {
    html,
    options: options ? JSON.parse(unescape(options)) : null,
    csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "",
    nonceAllowed: !!nonce && (res.headers.get("Content-Security-Policy") ?? "").includes(`script-src 'nonce-${nonce}';`),
  };
}

const withCookie = (init: RequestInit, cookie: string) => ({ ...init, headers: { ...(init.headers as Record<string, string>), Cookie: cookie }, redirect: "manual" as const });

async function addPasskey(cookie: string, credential: unknown, csrf: string, name = "Laptop") {
  return worker("/oauth/passkeys", withCookie(form({ csrf, name, credential: JSON.stringify(credential) }), cookie));
}

/** The status and the page's reason of a refused registration. */
async function notAdded(res: Response) {
  return `${res.status} ${/was not added: ([^<]*)/.exec(await res.text())?.[1]}`;
}

async function passkeySignIn(next: string, credential: unknown) {
  return worker("/oauth/passkey-login", { ...form({ next, credential: JSON.stringify(credential) }), redirect: "manual" });
}

async function listed() {
  return ((await (await owner("/api/roost/passkeys")).json()) as { passkeys: { id: string; name: string; algorithm: string; transports: string[]; signCount: number; lastUsedAt: string | null }[] }).passkeys;
}

describe("passkeys", () => {
  it("read ES256 signatures only as strict DER", () => {
    // r with leading zero bytes (shorter INTEGER), s with its high bit set (a 0x00 before it).
    const raw = Uint8Array.from({ length: 64 }, (_, i) => (i < 2 ? 0 : i === 32 ? 0x80 : i));
    const der = derSignature(raw);
    expect(der[3]).toBe(30);
    expect(p256SignatureFromDer(der)).toEqual(raw);
    expect(p256SignatureFromDer(concat(der, Uint8Array.of(0)))).toBeNull();
    const nonMinimal = Uint8Array.from([0x30, der[1]! + 1, 0x02, 31, 0, ...der.slice(4)]);
    expect(p256SignatureFromDer(nonMinimal)).toBeNull();
    const negative = Uint8Array.from(der);
    negative[4] = 0x82;
    expect(p256SignatureFromDer(negative)).toBeNull();
    expect(p256SignatureFromDer(Uint8Array.from([0x30, 0x81, ...der.slice(1)]))).toBeNull();
  });

  it("are added only by the signed-in owner, from a page whose script runs under a nonce, and listed", async () => {
    const authenticator = await SoftAuthenticator.create();
    // Not signed in: the page asks for the owner token and offers nothing to register with.
    const anonymous = await worker("/oauth/passkeys");
    expect(anonymous.status).toBe(401);
    expect((await readPage(anonymous, "create")).options).toBeNull();
    expect((await addPasskey("", { id: "x" }, "")).status).toBe(401);

    const cookie = await ownerCookie("/oauth/passkeys");
    const signedIn = await worker("/oauth/passkeys", { headers: { Cookie: cookie } });
    expect(signedIn.status).toBe(200);
    const page = await readPage(signedIn, "create");
    expect(page.nonceAllowed).toBe(true);
    expect(signedIn.headers.get("Content-Security-Policy")).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.options).toMatchObject({ rp: { id: "roost.test" }, attestation: "none", pubKeyCredParams: [{ alg: -7 }, { alg: -8 }, { alg: -257 }] });

    // A stale CSRF token, another origin in the client data, another rpId: refused, nothing stored.
    expect((await addPasskey(cookie, await authenticator.attest(page.options), "stale")).status).toBe(403);
    expect(await notAdded(await addPasskey(cookie, await authenticator.attest(page.options, { origin: "https://evil.test" }), page.csrf))).toMatch(/^400 .*another origin/);
    expect(await notAdded(await addPasskey(cookie, await authenticator.attest(page.options, { rpId: "evil.test" }), page.csrf))).toMatch(/^400 .*another site/);
    // The challenge is bound to the session that got it.
    const otherSession = await ownerCookie("/oauth/passkeys");
    const otherPage = await readPage(await worker("/oauth/passkeys", { headers: { Cookie: otherSession } }), "create");
    expect(await notAdded(await addPasskey(otherSession, await authenticator.attest(page.options), otherPage.csrf))).toMatch(/^400 .*not one of ours/);
    expect(await count("passkeys")).toBe(0);

    const added = await addPasskey(cookie, await authenticator.attest(page.options), page.csrf);
    expect(added.status).toBe(303);
    expect(added.headers.get("Location")).toBe("/oauth/passkeys");
    expect(await listed()).toEqual([expect.objectContaining({ id: authenticator.id, name: "Laptop", algorithm: "ES256", transports: ["internal"], lastUsedAt: null })]);
    expect(await (await worker("/oauth/passkeys", { headers: { Cookie: cookie } })).text()).toContain("Laptop");
    // The same challenge a second time (the passkey is already there too).
    expect(await notAdded(await addPasskey(cookie, await authenticator.attest(page.options), page.csrf))).toMatch(/^400 .*already registered/);
    expect(await notAdded(await addPasskey(cookie, await (await SoftAuthenticator.create()).attest(page.options), page.csrf))).toMatch(/^400 .*already used/);
    expect((await worker("/api/roost/passkeys")).status).toBe(401);
    expect((await owner(`/api/roost/passkeys/${authenticator.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await listed()).toEqual([]);
  });

  it("sign the owner in to the consent page; the app then gets a working token", async () => {
    const authenticator = await SoftAuthenticator.create();
    const cookie = await ownerCookie("/oauth/passkeys");
    const setup = await readPage(await worker("/oauth/passkeys", { headers: { Cookie: cookie } }), "create");
    expect((await addPasskey(cookie, await authenticator.attest(setup.options), setup.csrf)).status).toBe(303);

    const app = await registerApp("read write");
    const path = authorizePath(app, { scope: "read" });
    const signInPage = await worker(path);
    const signIn = await readPage(signInPage, "get");
    expect(signIn.nonceAllowed).toBe(true);
    expect(signIn.options).toMatchObject({ rpId: "roost.test", userVerification: "preferred", allowCredentials: [{ id: authenticator.id, type: "public-key" }] });

    const signedIn = await passkeySignIn(path, await authenticator.assert(signIn.options));
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("Location")).toBe(path);
    const session = signedIn.headers.get("Set-Cookie")!;
    expect(session).toMatch(/^roost_owner=.*HttpOnly/);
    const res = await exchange(app, await allow(app, session.split(";")[0]!, { scope: "read" }));
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    expect((await api(access_token, "/api/v1/accounts/verify_credentials")).status).toBe(200);
    const [stored] = await listed();
    expect(stored).toMatchObject({ signCount: 1, lastUsedAt: expect.any(String) });

    // RS256 (Windows Hello) and EdDSA passkeys sign in too.
    for (const algorithm of ["RS256", "EdDSA"] as const) {
      const other = await SoftAuthenticator.create(algorithm);
      const page = await readPage(await worker("/oauth/passkeys", { headers: { Cookie: cookie } }), "create");
      expect((await addPasskey(cookie, await other.attest(page.options), page.csrf)).status).toBe(303);
      expect((await passkeySignIn(path, await other.assert((await readPage(await worker(path), "get")).options))).status).toBe(303);
    }
    const all = await listed();
    expect(all.map((p) => `${p.algorithm} ${p.signCount}`).sort()).toEqual(["ES256 1", "EdDSA 1", "RS256 1"]);
    for (const p of all) await owner(`/api/roost/passkeys/${p.id}`, { method: "DELETE" });
  });

  it("refuse a bad assertion without a session, and a deleted passkey signs no one in", async () => {
    const authenticator = await SoftAuthenticator.create();
    const cookie = await ownerCookie("/oauth/passkeys");
    const setup = await readPage(await worker("/oauth/passkeys", { headers: { Cookie: cookie } }), "create");
    expect((await addPasskey(cookie, await authenticator.attest(setup.options), setup.csrf)).status).toBe(303);
    const path = authorizePath(await registerApp("read"), { scope: "read" });
    const challenge = async () => (await readPage(await worker(path), "get")).options;

    const stranger = await SoftAuthenticator.create();
    /** The status and the page's reason of a sign-in that must set no cookie. */
    const refused = async (credential: unknown) => {
      const res = await passkeySignIn(path, credential);
      expect(res.headers.get("Set-Cookie")).toBeNull();
      return `${res.status} ${/did not sign you in: ([^<]*)/.exec(await res.text())?.[1]}`;
    };
    expect(await refused(await authenticator.assert(await challenge(), { badSignature: true }))).toMatch(/^401 .*signature does not verify/);
    expect(await refused(await authenticator.assert(await challenge(), { origin: "https://evil.test" }))).toMatch(/^401 .*another origin/);
    expect(await refused(await authenticator.assert(await challenge(), { rpId: "evil.test" }))).toMatch(/^401 .*another site/);
    expect(await refused(await stranger.assert(await challenge()))).toMatch(/^401 .*not registered/);
    expect(await refused(await authenticator.assert(await challenge(), { challenge: b64u(new TextEncoder().encode("1.made.up")) }))).toMatch(/^401 .*not one of ours/);
    expect(await refused({ id: authenticator.id, type: "public-key", response: {} })).toMatch(/^401 .*not a WebAuthn assertion/);
    expect((await worker("/oauth/passkey-login", { ...form({ next: path, credential: "{not json" }), redirect: "manual" })).status).toBe(400);
    expect((await passkeySignIn("https://evil.test/", await authenticator.assert(await challenge()))).status).toBe(400);

    // One challenge signs in once, even with a fresh signature and counter.
    const options = await challenge();
    expect((await passkeySignIn(path, await authenticator.assert(options))).status).toBe(303);
    const counted = authenticator.counter;
    expect(await refused(await authenticator.assert(options))).toMatch(/^401 .*already used/);
    // A counter that does not move forward: perhaps a cloned authenticator.
    expect(await refused(await authenticator.assert(await challenge(), { counter: counted }))).toMatch(/^401 .*counter went backwards/);
    expect(await listed()).toEqual([expect.objectContaining({ signCount: counted })]);

    // Deleted from the passkeys page, the passkey no longer signs in (with a challenge issued before).
    const beforeDelete = await challenge();
    const page = await readPage(await worker("/oauth/passkeys", { headers: { Cookie: cookie } }), "create");
    expect((await worker(`/oauth/passkeys/${authenticator.id}/delete`, withCookie(form({ csrf: "stale" }), cookie))).status).toBe(403);
    expect((await worker(`/oauth/passkeys/${authenticator.id}/delete`, withCookie(form({ csrf: page.csrf }), cookie))).status).toBe(303);
    expect(await listed()).toEqual([]);
    expect(await refused(await authenticator.assert(beforeDelete))).toMatch(/^401 .*not registered/);
    // With no passkey, the sign-in page has no script and keeps the no-script policy.
    const plain = await worker(path);
    expect((await readPage(plain, "get")).options).toBeNull();
    expect(plain.headers.get("Content-Security-Policy")).toContain("script-src 'none'");
  });
});
