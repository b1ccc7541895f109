// THE signer and THE verifier for HTTP requests: draft-cavage (what every Mastodon verifies)
// and RFC 9421 (Mastodon's second knock), with Mastodon's policy on signed-header strength, body
// digests and the time window, and one key refresh on failure for key rotation. docs/signatures.md.
export { signRequest } from "./sign.ts";
export { verifyRequest } from "./verify.ts";
export type {
  IncomingRequest,
  KeyResolver,
  OutgoingRequest,
  SignatureScheme,
  SigningKey,
  VerificationKey,
  VerifyResult,
} from "./types.ts";
