// The shapes callers exchange with the signer and the verifier (docs/architecture.md, "Signatures"),
// and the one way a refusal is made.
import type { VerificationKey } from "./crypto.ts";

export type { VerificationKey } from "./crypto.ts";

export type SignatureScheme = "draft-cavage" | "rfc9421";

/** RSASSA-PKCS1-v1_5 SHA-256 or Ed25519. */
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

export interface IncomingRequest {
  method: string;
  url: string;
  headers: Headers;
}

/** Returns the key for a key id; `refresh` asks for a refetch (rotation). Null: unknown or unfetchable. */
export type KeyResolver = (keyId: string, options: { refresh: boolean }) => Promise<VerificationKey | null>;

export type VerifyFailure = { ok: false; status: 400 | 401; reason: string };

export type VerifyResult = { ok: true; keyId: string; owner: string; scheme: SignatureScheme } | VerifyFailure;

export function fail(reason: string, status: 400 | 401 = 401): VerifyFailure {
  return { ok: false, status, reason };
}
