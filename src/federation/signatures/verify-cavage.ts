// draft-cavage verification with Mastodon's policy (app/lib/signed_request.rb, HttpSignature).
import { base64ToBytes } from "../encoding.ts";
import { cavageSigningString, parseCavageHeader } from "./cavage.ts";
import { defaultAlgorithm, verifySignature } from "./crypto.ts";
import { checkDigest } from "./digest.ts";
import { dateSeconds, parameterSeconds, timeWindowError } from "./time-window.ts";
import { withKeyRefresh } from "./key-refresh.ts";
import { fail, type IncomingRequest, type KeyResolver, type VerifyResult } from "./types.ts";

/**
 * Mastodon's minimum (a time, the target or the body, the host on GET), and for a POST the whole
 * request: (request-target), host, a time and digest, so a signature cannot be replayed to
 * another inbox, another server or with another body (docs/inbox.md, rule 7).
 */
function strengthError(signed: Set<string>, method: string): string | null {
  if (!signed.has("date") && !signed.has("(created)")) return "the signature must cover date or (created)";
  if (!signed.has("(request-target)") && !signed.has("digest")) return "the signature must cover (request-target) or digest";
  if (method === "GET" && !signed.has("host")) return "a signed GET must cover host";
  if (method === "POST") {
    for (const name of ["(request-target)", "host", "digest"]) if (!signed.has(name)) return `a signed POST must cover ${name}`;
  }
  return null;
}

export async function verifyCavage(
  request: IncomingRequest,
  body: Uint8Array,
  header: string,
  resolveKey: KeyResolver,
  now: number,
): Promise<VerifyResult> {
  const sig = parseCavageHeader(header);
  if (!sig) return fail("the Signature header is malformed (keyId and signature are required)");
  if (sig.algorithm !== "rsa-sha256" && sig.algorithm !== "hs2019") return fail(`unsupported algorithm ${sig.algorithm} (rsa-sha256 or hs2019)`);
  const signed = new Set(sig.headers);
  if ((signed.has("(created)") || signed.has("(expires)")) && sig.algorithm !== "hs2019") {
    return fail("(created) and (expires) may only be signed with hs2019");
  }
  const method = request.method.toUpperCase();
  const weak = strengthError(signed, method);
  if (weak) return fail(weak);

  // Only signed values bound the window: unsigned created/expires parameters could be rewritten
  // by whoever replays the request (Mastodon reads them signed or not).
  const created = signed.has("(created)") ? parameterSeconds(sig.created) : dateSeconds(request.headers.get("Date"));
  const expires = signed.has("(expires)") ? parameterSeconds(sig.expires) : null;
  if (signed.has("(expires)") && expires === null) return fail("the expires parameter is not a number");
  const windowError = timeWindowError(created, expires, now);
  if (windowError) return fail(windowError);

  if (signed.has("digest")) {
    const digest = request.headers.get("Digest");
    if (digest === null) return fail("the Digest header is missing");
    const check = await checkDigest(digest, body);
    if (!check.ok) return fail(check.reason, check.status);
  }

  const signature = base64ToBytes(sig.signature);
  if (!signature) return fail("the signature is not base64");
  const url = new URL(request.url);
  const input = { method, headers: request.headers, created: sig.created, expires: sig.expires };
  const withQuery = cavageSigningString(sig.headers, { ...input, target: url.pathname + url.search });
  if (withQuery === null) return fail("a header listed in the signature is missing from the request");
  // Older Mastodon signed (request-target) without the query string; Mastodon still accepts that.
  const texts = [withQuery];
  if (url.search && signed.has("(request-target)")) texts.push(cavageSigningString(sig.headers, { ...input, target: url.pathname })!);

  const result = await withKeyRefresh(sig.keyId, resolveKey, async (key) => {
    // Mastodon verifies every cavage signature as RSA v1.5; an Ed25519 key under hs2019 (what our
    // own signer emits for such keys) is verified as Ed25519 rather than refused.
    const algorithm = sig.algorithm === "rsa-sha256" ? "rsa-v1_5-sha256" : defaultAlgorithm(key);
    for (const text of texts) {
      if (await verifySignature(key, algorithm, signature, text)) return true;
    }
    return false;
  });
  if (typeof result === "string") return fail(result);
  return { ok: true, keyId: sig.keyId, owner: result.owner, scheme: "draft-cavage" };
}
