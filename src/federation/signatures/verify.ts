// THE verifier: picks the scheme as Mastodon does (Signature-Input present → RFC 9421, else
// draft-cavage) and never throws; every refusal is a value with a readable reason.
import { fail, type IncomingRequest, type KeyResolver, type VerifyResult } from "./types.ts";
import { verifyCavage } from "./verify-cavage.ts";
import { verifyRfc9421 } from "./verify-rfc9421.ts";

/** Verifies a signed request against its raw body bytes; `now` is in milliseconds. */
export async function verifyRequest(
  request: IncomingRequest,
  body: Uint8Array,
  resolveKey: KeyResolver,
  now = Date.now(),
): Promise<VerifyResult> {
  try {
    const signatureInput = request.headers.get("Signature-Input")?.trim() || null;
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
