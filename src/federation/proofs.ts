// FEP-8b32 Object Integrity Proofs with the eddsa-jcs-2022 cryptosuite: Ed25519 over
// SHA-256(JCS(proof config)) || SHA-256(JCS(document without proof)). The proof config carries
// the document's @context, as the published test vector does.
import { base58btcDecode, base58btcEncode } from "./encoding.ts";
import { canonicalize } from "./jcs.ts";
import { sha256 } from "./signatures/digest.ts";
import { verifySignature } from "./signatures/crypto.ts";

const CRYPTOSUITE = "eddsa-jcs-2022";

async function hashData(proofConfig: Record<string, unknown>, document: Record<string, unknown>): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    sha256(encoder.encode(canonicalize(proofConfig))),
    sha256(encoder.encode(canonicalize(document))),
  ]);
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The document with an eddsa-jcs-2022 `proof` (any previous proof is replaced). */
export async function createProof(
  document: Record<string, unknown>,
  key: { verificationMethod: string; privateKey: CryptoKey },
  created = new Date(),
): Promise<Record<string, unknown>> {
  const { proof: _replaced, ...unsigned } = document;
  const proofConfig = {
    "@context": unsigned["@context"],
    type: "DataIntegrityProof",
    cryptosuite: CRYPTOSUITE,
    verificationMethod: key.verificationMethod,
    proofPurpose: "assertionMethod",
    created: created.toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", key.privateKey, await hashData(proofConfig, unsigned)));
  return { ...unsigned, proof: { ...proofConfig, proofValue: `z${base58btcEncode(signature)}` } };
}

export type ProofKeyResolver = (verificationMethod: string) => Promise<{ owner: string; publicKey: Uint8Array } | null>;

export type ProofResult = { ok: true; owner: string; verificationMethod: string } | { ok: false; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Our proof among several (a sender may add proofs in other cryptosuites next to it). */
function pickProof(proof: unknown): Record<string, unknown> | null {
  const proofs = (Array.isArray(proof) ? proof : [proof]).filter(isRecord);
  return proofs.find((p) => p.cryptosuite === CRYPTOSUITE) ?? proofs[0] ?? null;
}

/**
 * Checks the document's eddsa-jcs-2022 proof. The returned owner is the key's controller: the
 * caller compares it with the activity's actor.
 */
export async function verifyProof(document: Record<string, unknown>, resolveKey: ProofKeyResolver): Promise<ProofResult> {
  try {
    const { proof, ...unsigned } = document;
    const chosen = pickProof(proof);
    if (!chosen) return { ok: false, reason: "the document has no proof" };
    const { proofValue, ...proofConfig } = chosen;
    if (proofConfig.type !== "DataIntegrityProof") return { ok: false, reason: "the proof is not a DataIntegrityProof" };
    if (proofConfig.cryptosuite !== CRYPTOSUITE) return { ok: false, reason: `unsupported cryptosuite ${String(proofConfig.cryptosuite)}` };
    if (proofConfig.proofPurpose !== "assertionMethod") return { ok: false, reason: "the proof purpose is not assertionMethod" };
    const method = proofConfig.verificationMethod;
    if (typeof method !== "string") return { ok: false, reason: "the proof has no verificationMethod" };
    if (typeof proofValue !== "string" || !proofValue.startsWith("z")) return { ok: false, reason: "the proofValue is not base58btc multibase" };
    const signature = base58btcDecode(proofValue.slice(1));
    if (!signature || signature.length !== 64) return { ok: false, reason: "the proofValue is not an Ed25519 signature" };
    const key = await resolveKey(method);
    if (!key) return { ok: false, reason: `the key ${method} is unknown` };
    const ed25519 = { kind: "ed25519", id: method, owner: key.owner, publicKey: key.publicKey } as const;
    if (!(await verifySignature(ed25519, "ed25519", signature, await hashData(proofConfig, unsigned)))) {
      return { ok: false, reason: "the proof does not verify" };
    }
    return { ok: true, owner: key.owner, verificationMethod: method };
  } catch (error) {
    return { ok: false, reason: `the proof could not be checked: ${String(error)}` };
  }
}
