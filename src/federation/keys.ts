// Our actor's key pairs, created on first use and kept in D1. Private keys never leave this
// module except as non-extractable CryptoKeys.
import type { Database } from "../db/client.ts";
import type { Log } from "../log.ts";
import { keys } from "../db/schema.ts";
import { base64ToBytes, bytesToBase64, ed25519ToMultibase, toPem } from "./encoding.ts";

export interface ActorKeys {
  /** When the keys, and so the account, were created (ms since epoch). */
  createdAt: number;
  rsa: { privateKey: CryptoKey; publicKeyPem: string };
  ed25519: { privateKey: CryptoKey; publicKeyMultibase: string };
}

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

// One isolate serves one node, so the imported keys can live as long as the isolate.
let cached: Promise<ActorKeys> | null = null;

export function getActorKeys(db: Database, log: Log): Promise<ActorKeys> {
  cached ??= loadOrCreate(db, log).catch((error) => {
    cached = null;
    throw error;
  });
  return cached;
}

async function loadOrCreate(db: Database, log: Log): Promise<ActorKeys> {
  let rows = await db.select().from(keys);
  if (rows.length < 2) {
    await db.insert(keys).values(await generateMissing(rows.map((r) => r.kind))).onConflictDoNothing();
    rows = await db.select().from(keys);
    log("keys.created", { kinds: ["rsa", "ed25519"] });
  }
  const rsa = rows.find((r) => r.kind === "rsa");
  const ed = rows.find((r) => r.kind === "ed25519");
  if (!rsa || !ed) throw new Error("actor keys could not be stored");
  return {
    createdAt: rsa.createdAt,
    rsa: { privateKey: await importPkcs8(rsa.privateKey, RSA), publicKeyPem: rsa.publicKey },
    ed25519: { privateKey: await importPkcs8(ed.privateKey, { name: "Ed25519" }), publicKeyMultibase: ed.publicKey },
  };
}

async function generateMissing(present: string[]): Promise<(typeof keys.$inferInsert)[]> {
  const out: (typeof keys.$inferInsert)[] = [];
  if (!present.includes("rsa")) {
    const pair = (await crypto.subtle.generateKey(
      { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    out.push({
      kind: "rsa",
      publicKey: toPem("PUBLIC KEY", (await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer),
      privateKey: bytesToBase64((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer),
    });
  }
  if (!present.includes("ed25519")) {
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    out.push({
      kind: "ed25519",
      publicKey: ed25519ToMultibase(raw),
      privateKey: bytesToBase64((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer),
    });
  }
  return out;
}

async function importPkcs8(b64: string, algorithm: SubtleCryptoImportKeyAlgorithm): Promise<CryptoKey> {
  const der = base64ToBytes(b64);
  if (!der) throw new Error("stored private key is not base64");
  return crypto.subtle.importKey("pkcs8", der, algorithm, false, ["sign"]);
}

/** Test hook: forget the isolate's cached keys (storage is reset between test files). */
export function forgetActorKeys(): void {
  cached = null;
}

