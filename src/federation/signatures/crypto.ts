// Public-key import (cached: the inbox verifies the same few keys over and over) and the
// verify primitive shared by both signature schemes and by object proofs.
import { fromPem } from "../encoding.ts";

export type VerificationKey =
  | { kind: "rsa"; id: string; owner: string; publicKeyPem: string }
  | { kind: "ed25519"; id: string; owner: string; publicKey: Uint8Array };

export type SignatureAlgorithm = "rsa-v1_5-sha256" | "rsa-pss-sha512" | "ed25519";

const RSA_V15 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const RSA_PSS = { name: "RSA-PSS", hash: "SHA-512" } as const;

const MAX_CACHED = 256;
const imported = new Map<string, Promise<CryptoKey | null>>();

function importKey(key: VerificationKey, algorithm: SignatureAlgorithm): Promise<CryptoKey | null> {
  const material = key.kind === "rsa" ? key.publicKeyPem : String.fromCharCode(...key.publicKey);
  const cacheKey = `${algorithm}\n${key.id}\n${material}`;
  let pending = imported.get(cacheKey);
  if (!pending) {
    pending = doImport(key, algorithm);
    if (imported.size >= MAX_CACHED) imported.delete(imported.keys().next().value!);
    imported.set(cacheKey, pending);
  }
  return pending;
}

async function doImport(key: VerificationKey, algorithm: SignatureAlgorithm): Promise<CryptoKey | null> {
  try {
    if (key.kind === "ed25519") {
      if (algorithm !== "ed25519") return null;
      return await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
    }
    if (algorithm === "ed25519") return null;
    const der = fromPem("PUBLIC KEY", key.publicKeyPem);
    if (!der) return null;
    return await crypto.subtle.importKey("spki", der, algorithm === "rsa-pss-sha512" ? RSA_PSS : RSA_V15, false, [
      "verify",
    ]);
  } catch {
    return null;
  }
}

export async function verifySignature(
  key: VerificationKey,
  algorithm: SignatureAlgorithm,
  signature: Uint8Array,
  data: string | Uint8Array,
): Promise<boolean> {
  const cryptoKey = await importKey(key, algorithm);
  if (!cryptoKey) return false;
  const params =
    algorithm === "rsa-pss-sha512" ? { name: "RSA-PSS", saltLength: 64 } : algorithm === "ed25519" ? "Ed25519" : RSA_V15;
  try {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    return await crypto.subtle.verify(params, cryptoKey, signature, bytes);
  } catch {
    return false;
  }
}

export async function sign(privateKey: CryptoKey, data: string): Promise<Uint8Array> {
  const params = privateKey.algorithm.name === "Ed25519" ? "Ed25519" : RSA_V15;
  return new Uint8Array(await crypto.subtle.sign(params, privateKey, new TextEncoder().encode(data)));
}

/** The default algorithm for a key kind when the signature does not name one. */
export function defaultAlgorithm(key: VerificationKey): SignatureAlgorithm {
  return key.kind === "ed25519" ? "ed25519" : "rsa-v1_5-sha256";
}
