// RFC 9421 verification with Mastodon's policy (app/lib/signed_request.rb, HttpMessageSignature).
import { defaultAlgorithm, type SignatureAlgorithm, verifySignature } from "./crypto.ts";
import { checkContentDigest } from "./digest.ts";
import { parseRfc9421Headers, signatureBase } from "./rfc9421.ts";
import { timeWindowError } from "./time-window.ts";
import { withKeyRefresh } from "./key-refresh.ts";
import { fail, type IncomingRequest, type KeyResolver, type VerifyResult } from "./types.ts";

const ALGORITHMS: Record<string, SignatureAlgorithm> = {
  "rsa-v1_5-sha256": "rsa-v1_5-sha256",
  "rsa-pss-sha512": "rsa-pss-sha512",
  ed25519: "ed25519",
};

export async function verifyRfc9421(
  request: IncomingRequest,
  body: Uint8Array,
  inputHeader: string,
  signatureHeader: string,
  resolveKey: KeyResolver,
  now: number,
): Promise<VerifyResult> {
  const parsed = parseRfc9421Headers(inputHeader, signatureHeader);
  if (!parsed) return fail("the Signature-Input or Signature header is malformed");
  const sig = parsed[0];
  if (!sig) return fail("no signature label appears in both Signature-Input and Signature");
  if (!sig.keyId) return fail("the signature has no keyid parameter");
  if (sig.created === null) return fail("the signature has no created parameter");
  const algorithm = sig.alg === null ? null : ALGORITHMS[sig.alg];
  if (algorithm === undefined) return fail(`unsupported alg ${sig.alg} (rsa-v1_5-sha256, rsa-pss-sha512 or ed25519)`);
  const method = request.method.toUpperCase();
  const covered = new Set(sig.components);
  const target = covered.has("@target-uri") || (covered.has("@authority") && covered.has("@path"));
  if (!covered.has("@method") || !target) return fail("the signature must cover @method and @target-uri");
  if (method === "POST" && !covered.has("content-digest")) return fail("a signed POST must cover content-digest");

  const windowError = timeWindowError(sig.created, sig.expires, now);
  if (windowError) return fail(windowError);

  if (covered.has("content-digest")) {
    const header = request.headers.get("Content-Digest");
    if (header === null) return fail("the Content-Digest header is missing");
    const check = await checkContentDigest(header, body);
    if (!check.ok) return fail(check.reason, check.status);
  }

  const base = signatureBase(sig.input, { method, url: request.url, headers: request.headers });
  if (base === null) return fail("a component covered by the signature is missing from the request or unsupported");
  const keyId = sig.keyId;
  const result = await withKeyRefresh(keyId, resolveKey, (key) =>
    verifySignature(key, algorithm ?? defaultAlgorithm(key), sig.signature, base),
  );
  if (typeof result === "string") return fail(result);
  return { ok: true, keyId, owner: result.owner, scheme: "rfc9421" };
}
