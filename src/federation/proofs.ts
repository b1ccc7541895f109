// FEP-8b32 Object Integrity Proofs with the eddsa-jcs-2022 cryptosuite (Ed25519 over
// SHA-256(JCS(proof config)) || SHA-256(JCS(document))). The proof config carries the
// document's @context, as the published test vector does.
import { base58btcDecode, base58btcEncode } from "./encoding.ts";
import { sha256 } from "./signatures/digest.ts";

/** RFC 8785 JSON Canonicalization: sorted keys (UTF-16 order), ECMAScript number and string forms. */
export function canonicalize(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalize(v)}`).join(",")}}`;
}

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

export async function createProof(
  document: Record<string, unknown>,
  key: { verificationMethod: string; privateKey: CryptoKey },
  created = new Date(),
): Promise<Record<string, unknown>> {
  const { proof: _old, ...unsigned } = document;
  const proofConfig = {
    "@context": unsigned["@context"],
    type: "DataIntegrityProof",
    cryptosuite: "eddsa-jcs-2022",
    verificationMethod: key.verificationMethod,
    proofPurpose: "assertionMethod",
    created: created.toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", key.privateKey, await hashData(proofConfig, unsigned)));
  return { ...unsigned, proof: { ...proofConfig, proofValue: `z${base58btcEncode(signature)}` } };
}

export type ProofKeyResolver = (verificationMethod: string) => Promise<{ owner: string; publicKey: Uint8Array } | null>;

export type ProofResult = { ok: true; owner: string; verificationMethod: string } | { ok: false; reason: string };

export async function verifyProof(document: Record<string, unknown>, resolveKey: ProofKeyResolver): Promise<ProofResult> {
  try {
    const { proof, ...unsigned } = document;
    const single = Array.isArray(proof) ? proof[0] : proof;
    if (!single || typeof single !== "object") return { ok: false, reason: "the document has no proof" };
    const { proofValue, ...proofConfig } = single as Record<string, unknown>;
    if (proofConfig.type !== "DataIntegrityProof") return { ok: false, reason: "the proof is not a DataIntegrityProof" };
    if (proofConfig.cryptosuite !== "eddsa-jcs-2022") return { ok: false, reason: `unsupported cryptosuite ${String(proofConfig.cryptosuite)}` };
    if (proofConfig.proofPurpose !== "assertionMethod") return { ok: false, reason: "the proof purpose is not assertionMethod" };
    if (typeof proofConfig.verificationMethod !== "string") return { ok: false, reason: "the proof has no verificationMethod" };
    if (typeof proofValue !== "string" || !proofValue.startsWith("z")) return { ok: false, reason: "the proofValue is not base58btc multibase" };
    const signature = base58btcDecode(proofValue.slice(1));
    if (!signature || signature.length !== 64) return { ok: false, reason: "the proofValue is not an Ed25519 signature" };
    const key = await resolveKey(proofConfig.verificationMethod);
    if (!key) return { ok: false, reason: `the key ${proofConfig.verificationMethod} is unknown` };
    const publicKey = await crypto.subtle.importKey("raw", key.publicKey, "Ed25519", false, ["verify"]);
    const valid = await crypto.subtle.verify("Ed25519", publicKey, signature, await hashData(proofConfig, unsigned));
    if (!valid) return { ok: false, reason: "the proof does not verify" };
    return { ok: true, owner: key.owner, verificationMethod: proofConfig.verificationMethod };
  } catch (error) {
    return { ok: false, reason: `the proof could not be checked: ${String(error)}` };
  }
}
