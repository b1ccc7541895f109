// THE signer and THE verifier for HTTP requests: draft-cavage (what every Mastodon verifies)
// and RFC 9421 (the second knock), with the policy Mastodon applies (signed-header strength,
// body digests, time window) and one key refresh on failure for key rotation.
import { base64ToBytes, bytesToBase64 } from "../encoding.ts";
import { type CavageSignature, cavageSigningString, parseCavageHeader } from "./cavage.ts";
import { type SignatureAlgorithm, type VerificationKey, defaultAlgorithm, sign, verifySignature } from "./crypto.ts";
import { checkContentDigest, checkDigest, contentDigestHeader, digestHeader } from "./digest.ts";
import { buildSignatureInput, parseRfc9421Headers, type Rfc9421Signature, serializeInnerList, signatureBase } from "./rfc9421.ts";

export type { VerificationKey } from "./crypto.ts";
export type SignatureScheme = "draft-cavage" | "rfc9421";

export interface SigningKey {
  keyId: string;
  privateKey: CryptoKey;
}

export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Headers;
  body?: Uint8Array | null;
}

/** Adds Date, Host, the body digest and the signature headers to `input.headers` and returns them. */
export async function signRequest(
  input: OutgoingRequest,
  key: SigningKey,
  scheme: SignatureScheme = "draft-cavage",
): Promise<Headers> {
  const headers = input.headers;
  const url = new URL(input.url);
  const hasBody = input.body != null;
  if (!headers.has("Date")) headers.set("Date", new Date().toUTCString());
  headers.set("Host", url.host);
  if (scheme === "draft-cavage") {
    if (hasBody) headers.set("Digest", await digestHeader(input.body!));
    const names = ["(request-target)", "host", "date"];
    if (hasBody) names.push("digest");
    if (headers.has("Content-Type")) names.push("content-type");
    if (!hasBody && headers.has("Accept")) names.push("accept");
    const text = cavageSigningString(names, { method: input.method, target: url.pathname + url.search, headers })!;
    const signature = bytesToBase64(await sign(key.privateKey, text));
    const algorithm = key.privateKey.algorithm.name === "Ed25519" ? "hs2019" : "rsa-sha256";
    headers.set(
      "Signature",
      `keyId="${key.keyId}",algorithm="${algorithm}",headers="${names.join(" ")}",signature="${signature}"`,
    );
    return headers;
  }
  if (hasBody) headers.set("Content-Digest", await contentDigestHeader(input.body!));
  const components = hasBody ? ["@method", "@target-uri", "content-digest"] : ["@method", "@target-uri"];
  const signatureInput = buildSignatureInput(components, { created: Math.floor(Date.now() / 1000), keyId: key.keyId });
  const base = signatureBase(signatureInput, { method: input.method, url: url.href, headers })!;
  headers.set("Signature-Input", `sig1=${serializeInnerList(signatureInput)}`);
  headers.set("Signature", `sig1=:${bytesToBase64(await sign(key.privateKey, base))}:`);
  return headers;
}

/** Returns the key for a key id; `refresh` asks for a refetch (rotation). Null: unknown or unfetchable. */
export type KeyResolver = (keyId: string, options: { refresh: boolean }) => Promise<VerificationKey | null>;

export type VerifyResult =
  | { ok: true; keyId: string; owner: string; scheme: SignatureScheme }
  | { ok: false; status: 400 | 401; reason: string };

export interface IncomingRequest {
  method: string;
  url: string;
  headers: Headers;
}

// Mastodon: expiry defaults to 5 minutes after creation, at most 12 hours, and 1 hour of clock
// skew is allowed both ways (app/lib/signed_request.rb#matches_time_window?).
const DEFAULT_EXPIRY_S = 300;
const MAX_EXPIRY_S = 12 * 3600;
const CLOCK_SKEW_S = 3600;

function checkTimeWindow(created: number | null, expires: number | null, now: number): string | null {
  if (created === null) return "the signature has no creation time (Date header or created parameter)";
  const nowS = now / 1000;
  const expiry = Math.min(expires ?? created + DEFAULT_EXPIRY_S, created + MAX_EXPIRY_S);
  if (created > nowS + CLOCK_SKEW_S) return "the signature was created more than an hour in the future";
  if (nowS > expiry + CLOCK_SKEW_S) return "the signature has expired (Date is outside the accepted window)";
  return null;
}

function fail(reason: string, status: 400 | 401 = 401): VerifyResult {
  return { ok: false, status, reason };
}

/** Verifies a signed request against its raw body; every failure is a value with a reason. */
export async function verifyRequest(
  request: IncomingRequest,
  body: Uint8Array,
  resolveKey: KeyResolver,
  now = Date.now(),
): Promise<VerifyResult> {
  try {
    const signatureInput = request.headers.get("Signature-Input");
    const signature = request.headers.get("Signature");
    if (signatureInput !== null) {
      if (signature === null) return fail("Signature-Input without a Signature header");
      return await verifyRfc9421(request, body, signatureInput, signature, resolveKey, now);
    }
    if (signature === null) return fail("the request is not signed (no Signature header)");
    return await verifyCavage(request, body, signature, resolveKey, now);
  } catch (error) {
    return fail(`the signature could not be checked: ${String(error)}`);
  }
}

async function withKeyRefresh(
  keyId: string,
  resolveKey: KeyResolver,
  check: (key: VerificationKey) => Promise<boolean>,
): Promise<VerificationKey | string> {
  const cached = await resolveKey(keyId, { refresh: false });
  if (cached && (await check(cached))) return cached;
  const fresh = await resolveKey(keyId, { refresh: true });
  if (!fresh) return cached ? "the signature does not verify with the actor's key" : `the key ${keyId} is unknown or could not be fetched`;
  if (await check(fresh)) return fresh;
  return "the signature does not verify with the actor's key";
}

async function verifyCavage(
  request: IncomingRequest,
  body: Uint8Array,
  header: string,
  resolveKey: KeyResolver,
  now: number,
): Promise<VerifyResult> {
  const sig: CavageSignature | null = parseCavageHeader(header);
  if (!sig) return fail("the Signature header is malformed (keyId and signature are required)");
  if (sig.algorithm !== "rsa-sha256" && sig.algorithm !== "hs2019") return fail(`unsupported algorithm ${sig.algorithm}`);
  const signed = new Set(sig.headers);
  if ((signed.has("(created)") || signed.has("(expires)")) && sig.algorithm !== "hs2019") {
    return fail("(created) and (expires) may only be signed with hs2019");
  }
  const method = request.method.toUpperCase();
  if (!signed.has("date") && !signed.has("(created)")) return fail("the signature must cover date or (created)");
  if (!signed.has("(request-target)") && !signed.has("digest")) return fail("the signature must cover (request-target) or digest");
  if (method === "GET" && !signed.has("host")) return fail("a signed GET must cover host");
  if (method === "POST" && !signed.has("digest")) return fail("a signed POST must cover digest");
  if (signed.has("digest") || method === "POST") {
    const digest = request.headers.get("Digest");
    if (digest === null) return fail("the Digest header is missing");
    const check = await checkDigest(digest, body);
    if (!check.ok) return fail(check.reason, check.status);
  }
  const dateHeader = request.headers.get("Date");
  const dateCreated = dateHeader && signed.has("date") ? Date.parse(dateHeader) / 1000 : NaN;
  const created = signed.has("(created)") ? sig.created : Number.isFinite(dateCreated) ? Math.floor(dateCreated) : null;
  const windowError = checkTimeWindow(created, sig.expires, now);
  if (windowError) return fail(windowError);

  const signatureBytes = base64ToBytes(sig.signature);
  if (!signatureBytes) return fail("the signature is not base64");
  const url = new URL(request.url);
  // Mastodon compares with the query string first, then without it (old Mastodon signed the path only).
  const texts = [url.pathname + url.search, url.pathname].map((target) =>
    cavageSigningString(sig.headers, { method, target, headers: request.headers, created: sig.created, expires: sig.expires }),
  );
  if (texts[0] === null) return fail("a header listed in the signature is missing from the request");
  const result = await withKeyRefresh(sig.keyId, resolveKey, async (key) => {
    if (key.kind !== "rsa") return false;
    for (const text of new Set(texts)) {
      if (text !== null && (await verifySignature(key, "rsa-v1_5-sha256", signatureBytes, text))) return true;
    }
    return false;
  });
  if (typeof result === "string") return fail(result);
  return { ok: true, keyId: sig.keyId, owner: result.owner, scheme: "draft-cavage" };
}

const RFC9421_ALGORITHMS: Record<string, SignatureAlgorithm> = {
  "rsa-v1_5-sha256": "rsa-v1_5-sha256",
  "rsa-pss-sha512": "rsa-pss-sha512",
  ed25519: "ed25519",
};

async function verifyRfc9421(
  request: IncomingRequest,
  body: Uint8Array,
  inputHeader: string,
  signatureHeader: string,
  resolveKey: KeyResolver,
  now: number,
): Promise<VerifyResult> {
  const parsed = parseRfc9421Headers(inputHeader, signatureHeader);
  if (!parsed) return fail("the Signature-Input or Signature header is malformed");
  const sig: Rfc9421Signature | undefined = parsed[0];
  if (!sig) return fail("no signature label appears in both Signature-Input and Signature");
  if (!sig.keyId) return fail("the signature has no keyid parameter");
  if (sig.created === null) return fail("the signature has no created parameter");
  const method = request.method.toUpperCase();
  const covered = new Set(sig.components);
  if (!covered.has("@method")) return fail("the signature must cover @method");
  if (!covered.has("@target-uri")) return fail("the signature must cover @target-uri");
  if (method === "POST" && !covered.has("content-digest")) return fail("a signed POST must cover content-digest");
  if (covered.has("content-digest") || method === "POST") {
    const header = request.headers.get("Content-Digest");
    if (header === null) return fail("the Content-Digest header is missing");
    const check = await checkContentDigest(header, body);
    if (!check.ok) return fail(check.reason, check.status);
  }
  const windowError = checkTimeWindow(sig.created, sig.expires, now);
  if (windowError) return fail(windowError);
  if (sig.alg !== null && !RFC9421_ALGORITHMS[sig.alg]) return fail(`unsupported alg ${sig.alg}`);
  const base = signatureBase(sig.input, { method, url: request.url, headers: request.headers });
  if (base === null) return fail("a component covered by the signature is missing or unsupported");
  const result = await withKeyRefresh(sig.keyId, resolveKey, (key) =>
    verifySignature(key, sig.alg ? RFC9421_ALGORITHMS[sig.alg]! : defaultAlgorithm(key), sig.signature, base),
  );
  if (typeof result === "string") return fail(result);
  return { ok: true, keyId: sig.keyId, owner: result.owner, scheme: "rfc9421" };
}
