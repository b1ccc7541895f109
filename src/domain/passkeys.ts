// Passkeys (WebAuthn) for the owner's sign-in to the OAuth pages: the options the browser's
// navigator.credentials.create()/get() take, and the checks of what comes back (Web
// Authentication Level 3, §7.1 registering a credential, §7.2 verifying an assertion).
//
// Attestation is "none": a passkey is added only by an owner already signed in, so where the
// authenticator comes from is not checked and any attestation statement is ignored.
// CBOR, COSE keys and authenticator data are parsed by @oslojs/webauthn, loaded with import() by
// the two functions that verify, so the Worker does not evaluate it at startup. Signatures are
// checked with WebCrypto.
//
// Challenges are issued without a write: each carries its expiry and an HMAC (keyed by the owner
// token) over what it is for — signing in, or adding a passkey within one session. A challenge
// that was used is recorded in `passkey_challenges` until it expires, so none counts twice; only
// a ceremony that passed every other check records one, so a failure changes nothing.
import { and, eq, lt } from "drizzle-orm";
import { passkeyChallenges, passkeys } from "../db/schema.ts";
import { base64ToBytes, bytesToBase64url } from "../federation/encoding.ts";
import type { Services } from "../services.ts";
import { ownerMac, sameText } from "./owner-session.ts";

export const CHALLENGE_TTL_MS = 5 * 60_000;
const ES256 = -7;
const EDDSA = -8;
const RS256 = -257;
const ALGORITHM_NAMES: Record<number, string> = { [ES256]: "ES256", [EDDSA]: "EdDSA", [RS256]: "RS256" };
const TRANSPORTS = new Set(["usb", "nfc", "ble", "internal", "hybrid", "smart-card"]);
const MAX_NAME = 64;
/** WebAuthn caps credential ids at 1023 bytes. */
const MAX_CREDENTIAL_ID = 1023;

export type Passkey = typeof passkeys.$inferSelect;
type Result<T> = { ok: true; value: T } | { ok: false; error: string };
const fail = (error: string) => ({ ok: false as const, error });

/** What a challenge may be used for: signing in, or adding a passkey within the session it names. */
export type ChallengePurpose = { kind: "sign-in" } | { kind: "register"; session: string };
const purposeText = (p: ChallengePurpose) => (p.kind === "sign-in" ? "sign-in" : `register:${p.session}`);

export const algorithmName = (algorithm: number) => ALGORITHM_NAMES[algorithm] ?? String(algorithm);
export const transportsOf = (passkey: Passkey): string[] => JSON.parse(passkey.transports) as string[];

const rpIdOf = (s: Pick<Services, "urls">) => new URL(s.urls.origin).hostname;

/** The WebAuthn user handle: the same for every passkey of this node, and no personal data. */
async function userHandle(s: Pick<Services, "urls">): Promise<Uint8Array> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${s.urls.origin} owner`));
  return new Uint8Array(digest).slice(0, 16);
}

/** `expires.nonce.mac`, sent to the browser as the base64url of its UTF-8 bytes. */
async function issueChallenge(s: Pick<Services, "config" | "now">, purpose: ChallengePurpose): Promise<string> {
  const expires = s.now() + CHALLENGE_TTL_MS;
  const nonce = bytesToBase64url(crypto.getRandomValues(new Uint8Array(16)));
  const mac = await ownerMac(s, `passkey:${purposeText(purpose)}:${expires}.${nonce}`);
  return bytesToBase64url(new TextEncoder().encode(`${expires}.${nonce}.${mac}`));
}

/** The challenge the browser signed, if it is one of ours, live, and for this purpose. */
async function checkChallenge(s: Pick<Services, "config" | "now">, challenge: Uint8Array, purpose: ChallengePurpose): Promise<{ nonce: string; expires: number } | null> {
  const [expires, nonce, mac, extra] = new TextDecoder().decode(challenge).split(".");
  if (!expires || !nonce || !mac || extra !== undefined || !/^\d{1,15}$/.test(expires) || Number(expires) < s.now()) return null;
  const expected = await ownerMac(s, `passkey:${purposeText(purpose)}:${expires}.${nonce}`);
  return sameText(mac, expected) ? { nonce, expires: Number(expires) } : null;
}

/** Records the challenge as used (and forgets expired ones); false when it was used before. */
async function claimChallenge(s: Services, challenge: { nonce: string; expires: number }): Promise<boolean> {
  const [, claimed] = await s.db.batch([
    s.db.delete(passkeyChallenges).where(lt(passkeyChallenges.expiresAt, s.now())),
    s.db.insert(passkeyChallenges).values({ challenge: challenge.nonce, expiresAt: challenge.expires }).onConflictDoNothing().returning(),
  ]);
  return claimed.length === 1;
}

export function listPasskeys(s: Services): Promise<Passkey[]> {
  return s.db.select().from(passkeys).orderBy(passkeys.createdAt);
}

export async function deletePasskey(s: Services, id: string): Promise<boolean> {
  return (await s.db.delete(passkeys).where(eq(passkeys.id, id)).returning()).length === 1;
}

const descriptor = (p: Passkey) => ({ type: "public-key", id: p.id, transports: transportsOf(p) });

/** PublicKeyCredentialCreationOptions (JSON form: bytes as base64url) for adding a passkey in `session`. */
export async function registrationOptions(s: Services, session: string) {
  const [profile, existing, user] = await Promise.all([s.profile(), listPasskeys(s), userHandle(s)]);
  return {
    challenge: await issueChallenge(s, { kind: "register", session }),
    rp: { id: rpIdOf(s), name: profile.displayName || s.config.username },
    user: { id: bytesToBase64url(user), name: `${s.config.username}@${s.config.handleDomain}`, displayName: profile.displayName || s.config.username },
    pubKeyCredParams: [ES256, EDDSA, RS256].map((alg) => ({ type: "public-key", alg })),
    timeout: CHALLENGE_TTL_MS,
    attestation: "none",
    authenticatorSelection: { residentKey: "preferred", requireResidentKey: false, userVerification: "preferred" },
    // The same authenticator twice would only be a second row for one key.
    excludeCredentials: existing.map(descriptor),
  };
}

/** PublicKeyCredentialRequestOptions (JSON form) for signing in; null while no passkey is registered. */
export async function signInOptions(s: Services) {
  const existing = await listPasskeys(s);
  if (existing.length === 0) return null;
  return {
    challenge: await issueChallenge(s, { kind: "sign-in" }),
    rpId: rpIdOf(s),
    timeout: CHALLENGE_TTL_MS,
    userVerification: "preferred",
    // Listed so that passkeys that are not discoverable (security keys) work too; one owner, so the list tells no one anything new.
    allowCredentials: existing.map(descriptor),
  };
}

/** The browser's PublicKeyCredential as JSON (toJSON()'s shape): the id and the named response fields, decoded. */
function readCredential<K extends string>(input: unknown, fields: readonly K[]): { id: string; response: Record<K, Uint8Array>; transports: string[]; userHandle: Uint8Array | null } | null {
  if (!input || typeof input !== "object") return null;
  const { id, rawId, type, response } = input as Record<string, unknown>;
  if (typeof id !== "string" || !/^[A-Za-z0-9_-]{1,1400}$/.test(id) || (rawId !== undefined && rawId !== id) || type !== "public-key") return null;
  if (!response || typeof response !== "object") return null;
  const r = response as Record<string, unknown>;
  const decoded = {} as Record<K, Uint8Array>;
  for (const field of fields) {
    const bytes = typeof r[field] === "string" ? base64ToBytes(r[field]) : null;
    if (!bytes) return null;
    decoded[field] = bytes;
  }
  const transports = Array.isArray(r.transports) ? [...new Set(r.transports.filter((t): t is string => typeof t === "string" && TRANSPORTS.has(t)))] : [];
  const handle = typeof r.userHandle === "string" && r.userHandle !== "" ? base64ToBytes(r.userHandle) : null;
  return { id, response: decoded, transports, userHandle: handle };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

async function sha256(bytes: Uint8Array | string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes));
}

type WebAuthn = typeof import("@oslojs/webauthn");
type ClientData = ReturnType<WebAuthn["parseClientDataJSON"]>;
type AuthenticatorData = ReturnType<WebAuthn["parseAuthenticatorData"]>;

/** §7.1 steps 7–12 and §7.2 steps 10–15, 17: the ceremony type, our challenge, our origin, our rpId, a user present. */
async function checkCeremony(s: Services, client: ClientData, authenticator: AuthenticatorData, expectedType: ClientData["type"], purpose: ChallengePurpose): Promise<Result<{ nonce: string; expires: number }>> {
  if (client.type !== expectedType) return fail("wrong WebAuthn ceremony type");
  if (client.origin !== s.urls.origin || client.crossOrigin) return fail(`the passkey was used from another origin (${client.origin})`);
  const challenge = await checkChallenge(s, client.challenge, purpose);
  if (!challenge) return fail("the challenge is not one of ours, or it expired: reload the page and try again");
  if (!sameBytes(authenticator.relyingPartyIdHash, await sha256(rpIdOf(s)))) return fail("the passkey is for another site (rpId)");
  if (!authenticator.userPresent) return fail("the authenticator did not confirm a user was present");
  return { ok: true, value: challenge };
}

/** The COSE key as a JWK WebCrypto imports, for the algorithms we accept; null for any other. */
function jwkOf(lib: WebAuthn, key: NonNullable<AuthenticatorData["credential"]>["publicKey"]): { algorithm: number; jwk: JsonWebKey } | null {
  const bytes = (n: bigint, size: number) => {
    const hex = n.toString(16).padStart(size * 2, "0");
    if (hex.length !== size * 2) throw new Error("integer too large");
    return bytesToBase64url(Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16)));
  };
  try {
    const algorithm = key.algorithm();
    const type = key.type();
    if (algorithm === ES256 && type === lib.COSEKeyType.EC2) {
      const { curve, x, y } = key.ec2();
      return curve === lib.coseEllipticCurveP256 ? { algorithm, jwk: { kty: "EC", crv: "P-256", x: bytes(x, 32), y: bytes(y, 32) } } : null;
    }
    if (algorithm === RS256 && type === lib.COSEKeyType.RSA) {
      const { n, e } = key.rsa();
      return { algorithm, jwk: { kty: "RSA", n: bytes(n, 256), e: bytes(e, 3) } };
    }
    if (algorithm === EDDSA && type === lib.COSEKeyType.OKP) {
      const { curve, x } = key.okp();
      return curve === lib.coseEllipticCurveEd25519 && x.length === 32 ? { algorithm, jwk: { kty: "OKP", crv: "Ed25519", x: bytesToBase64url(x) } } : null;
    }
  } catch {
    // A malformed COSE key is an unsupported one.
  }
  return null;
}

const IMPORT: Record<number, Parameters<SubtleCrypto["importKey"]>[2]> = {
  [ES256]: { name: "ECDSA", namedCurve: "P-256" },
  [RS256]: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  [EDDSA]: { name: "Ed25519" },
};
const VERIFY: Record<number, Parameters<SubtleCrypto["verify"]>[0]> = {
  [ES256]: { name: "ECDSA", hash: "SHA-256" },
  [RS256]: { name: "RSASSA-PKCS1-v1_5" },
  [EDDSA]: { name: "Ed25519" },
};

/**
 * An ES256 signature as WebAuthn carries it, DER `SEQUENCE { r INTEGER, s INTEGER }`, as the
 * r || s WebCrypto verifies; null unless strictly that (positive, minimally encoded, no more
 * bytes). Written here rather than taken from @oslojs/crypto, whose ASN.1 and curve code would
 * add 8 KiB gzip to the Worker (measured) for these few lines.
 */
export function p256SignatureFromDer(der: Uint8Array): Uint8Array | null {
  // At most 2 + 2 × (2 + 33) bytes, so every length is in DER's short form.
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const raw = new Uint8Array(64);
  let at = 2;
  for (const offset of [0, 32]) {
    const length = der[at + 1] ?? 0;
    const start = at + 2;
    if (der[at] !== 0x02 || length < 1 || length > 33 || start + length > der.length) return null;
    const first = der[start]!;
    // Negative, or a leading zero byte that is not needed before a high bit.
    if (first & 0x80 || (first === 0 && (length === 1 || !(der[start + 1]! & 0x80)))) return null;
    const value = der.subarray(first === 0 ? start + 1 : start, start + length);
    if (value.length > 32) return null;
    raw.set(value, offset + 32 - value.length);
    at = start + length;
  }
  return at === der.length ? raw : null;
}

function importPublicKey(algorithm: number, jwk: JsonWebKey): Promise<CryptoKey> {
  return crypto.subtle.importKey("jwk", jwk, IMPORT[algorithm]!, false, ["verify"]);
}

/**
 * Adds a passkey from navigator.credentials.create()'s answer to a challenge of `session`.
 * Checks §7.1: client data (type, challenge, origin), rpId hash, user presence, an attested
 * credential whose id is the one the browser reported, a supported key that imports.
 */
export async function registerPasskey(s: Services, session: string, credential: unknown, name: string): Promise<Result<Passkey>> {
  const input = readCredential(credential, ["clientDataJSON", "attestationObject"] as const);
  if (!input) return fail("not a WebAuthn registration (id, type, response.clientDataJSON, response.attestationObject)");
  const lib = await import("@oslojs/webauthn");
  let client: ClientData;
  let authenticator: AuthenticatorData;
  try {
    client = lib.parseClientDataJSON(input.response.clientDataJSON);
    authenticator = lib.parseAttestationObject(input.response.attestationObject).authenticatorData;
  } catch (error) {
    return fail(`unreadable registration: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ceremony = await checkCeremony(s, client, authenticator, lib.ClientDataType.Create, { kind: "register", session });
  if (!ceremony.ok) return ceremony;
  const attested = authenticator.credential;
  if (!attested) return fail("the attestation carries no credential");
  const id = bytesToBase64url(attested.id);
  if (attested.id.length > MAX_CREDENTIAL_ID || id !== input.id) return fail("the credential id differs from the one the browser reported");
  const key = jwkOf(lib, attested.publicKey);
  if (!key) return fail("unsupported passkey algorithm: ES256, RS256 and EdDSA are accepted");
  try {
    await importPublicKey(key.algorithm, key.jwk);
  } catch {
    return fail("the passkey's public key is not valid");
  }
  if ((await s.db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.id, id))).length > 0) return fail("this passkey is already registered");
  if (!(await claimChallenge(s, ceremony.value))) return fail("this challenge was already used: reload the page and try again");
  const row: Passkey = {
    id,
    name: name.trim().slice(0, MAX_NAME) || "Passkey",
    publicKey: JSON.stringify(key.jwk),
    algorithm: key.algorithm,
    signCount: authenticator.signatureCounter,
    transports: JSON.stringify(input.transports),
    createdAt: s.now(),
    lastUsedAt: null,
  };
  const [stored] = await s.db.insert(passkeys).values(row).onConflictDoNothing().returning();
  if (!stored) return fail("this passkey is already registered");
  s.log("passkey.registered", { id, algorithm: algorithmName(key.algorithm) });
  return { ok: true, value: stored };
}

/**
 * Checks navigator.credentials.get()'s answer (§7.2): a registered credential, client data (type,
 * challenge, origin), rpId hash, user presence, the signature over authenticatorData ||
 * SHA-256(clientDataJSON), and a counter that moved forward when the authenticator keeps one.
 * On success the passkey's counter and last use are updated.
 */
export async function verifyPasskeySignIn(s: Services, credential: unknown): Promise<Result<Passkey>> {
  const input = readCredential(credential, ["clientDataJSON", "authenticatorData", "signature"] as const);
  if (!input) return fail("not a WebAuthn assertion (id, type, response.clientDataJSON, response.authenticatorData, response.signature)");
  const [passkey] = await s.db.select().from(passkeys).where(eq(passkeys.id, input.id));
  if (!passkey) return fail("this passkey is not registered here");
  if (input.userHandle && !sameBytes(input.userHandle, await userHandle(s))) return fail("the passkey belongs to another user");
  const lib = await import("@oslojs/webauthn");
  let client: ClientData;
  let authenticator: AuthenticatorData;
  try {
    client = lib.parseClientDataJSON(input.response.clientDataJSON);
    authenticator = lib.parseAuthenticatorData(input.response.authenticatorData);
  } catch (error) {
    return fail(`unreadable assertion: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ceremony = await checkCeremony(s, client, authenticator, lib.ClientDataType.Get, { kind: "sign-in" });
  if (!ceremony.ok) return ceremony;
  const { authenticatorData, clientDataJSON } = input.response;
  const signed = new Uint8Array(authenticatorData.length + 32);
  signed.set(authenticatorData);
  signed.set(await sha256(clientDataJSON), authenticatorData.length);
  const signature = passkey.algorithm === ES256 ? p256SignatureFromDer(input.response.signature) : input.response.signature;
  let valid = false;
  if (signature) {
    try {
      const key = await importPublicKey(passkey.algorithm, JSON.parse(passkey.publicKey) as JsonWebKey);
      valid = await crypto.subtle.verify(VERIFY[passkey.algorithm]!, key, signature, signed);
    } catch {
      // A signature WebCrypto cannot even read does not verify.
    }
  }
  if (!valid) return fail("the passkey's signature does not verify");
  // §7.2 step 22: an authenticator that counts must count up; one that went back may be a clone.
  const count = authenticator.signatureCounter;
  if ((count !== 0 || passkey.signCount !== 0) && count <= passkey.signCount) return fail("the passkey's signature counter went backwards: it may have been cloned");
  if (!(await claimChallenge(s, ceremony.value))) return fail("this challenge was already used: reload the page and try again");
  const [updated] = await s.db
    .update(passkeys)
    .set({ signCount: count, lastUsedAt: s.now() })
    .where(and(eq(passkeys.id, passkey.id), eq(passkeys.signCount, passkey.signCount)))
    .returning();
  // Another sign-in with the same counter got there first: only one of them is the real authenticator.
  if (!updated) return fail("the passkey was used twice at once");
  s.log("passkey.signed_in", { id: passkey.id });
  return { ok: true, value: updated };
}
