import { describe, expect, it } from "vitest";
import { base58btcDecode, ed25519ToMultibase, multibaseToEd25519 } from "../../src/federation/encoding.ts";
import { canonicalize } from "../../src/federation/jcs.ts";
import { createProof, verifyProof } from "../../src/federation/proofs.ts";
import vector from "../fixtures/activitypub/sigvec-fep-8b32-eddsa-jcs-2022.json";

const alice = "https://server.example/users/alice";
const publicKey = multibaseToEd25519(vector.publicKeyMultibase)!;
const resolve = async (id: string) => (id === vector.verificationMethod ? { owner: alice, publicKey } : null);
const signed = vector.signed_document as Record<string, unknown> & { proof: Record<string, unknown> };

async function secretKey(): Promise<CryptoKey> {
  // secretKeyMultibase is z + base58btc(0x8026 ‖ 32-byte seed); WebCrypto takes the seed as PKCS#8.
  const seed = base58btcDecode(vector.secretKeyMultibase.slice(1))!.slice(2);
  const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...seed]);
  return crypto.subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]);
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("RFC 8785 JSON canonicalization", () => {
  it("writes the vector's canonical document and proof config, whose hashes are its hash data", async () => {
    const { proofValue: _, ...proofConfig } = signed.proof;
    expect(canonicalize(vector.unsigned_document)).toBe(vector.intermediate.canonical_document);
    expect(canonicalize(proofConfig)).toBe(vector.intermediate.canonical_proof_config);
    const digest = (text: string) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    const hashData = hex(await digest(vector.intermediate.canonical_proof_config)) + hex(await digest(vector.intermediate.canonical_document));
    expect(hashData).toBe(vector.intermediate.hash_data_hex);
  });

  it("follows the RFC's number, string and key-order examples", () => {
    const numbers = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
    expect(canonicalize(numbers)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
    const keys = { "\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\ud83d\ude00": 5, "\u0080": 6, "\u00f6": 7 };
    const inOrder = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"] as const;
    expect(canonicalize(keys)).toBe(`{${inOrder.map((k) => `${JSON.stringify(k)}:${keys[k]}`).join(",")}}`);
    expect(canonicalize({ b: [undefined, -0], a: { skip: undefined } })).toBe('{"a":{},"b":[null,0]}');
  });
});

describe("FEP-8b32 eddsa-jcs-2022", () => {
  it("verifies the published vector and names the key's owner", async () => {
    expect(await verifyProof(signed, resolve)).toEqual({ ok: true, owner: alice, verificationMethod: vector.verificationMethod });
  });

  it("reproduces the vector's proofValue exactly", async () => {
    const proved = await createProof(
      vector.unsigned_document,
      { verificationMethod: vector.verificationMethod, privateKey: await secretKey() },
      new Date(vector.created),
    );
    expect(proved).toEqual(signed);
  });

  it("finds its proof among proofs in other cryptosuites", async () => {
    const other = { ...signed.proof, cryptosuite: "mldsa44-jcs-2024", proofValue: "z1" };
    expect(await verifyProof({ ...signed, proof: [other, signed.proof] }, resolve)).toMatchObject({ ok: true, owner: alice });
  });

  it("refuses a tampered document or proof, an unknown key and every wrong field", async () => {
    const refuse = (document: Record<string, unknown>) => verifyProof(document, resolve);
    const withProof = (changes: Record<string, unknown>) => ({ ...signed, proof: { ...signed.proof, ...changes } });
    expect(await refuse({ ...signed, actor: "https://server.example/users/mallory" })).toEqual({ ok: false, reason: "the proof does not verify" });
    expect(await refuse(withProof({ created: "2024-01-01T00:00:00Z" }))).toEqual({ ok: false, reason: "the proof does not verify" });
    expect(await verifyProof(signed, async () => null)).toEqual({ ok: false, reason: `the key ${vector.verificationMethod} is unknown` });
    expect(await refuse(withProof({ proofPurpose: "authentication" }))).toEqual({ ok: false, reason: "the proof purpose is not assertionMethod" });
    expect(await refuse(withProof({ cryptosuite: "eddsa-rdfc-2022" }))).toEqual({ ok: false, reason: "unsupported cryptosuite eddsa-rdfc-2022" });
    expect(await refuse(withProof({ type: "Ed25519Signature2020" }))).toEqual({ ok: false, reason: "the proof is not a DataIntegrityProof" });
    expect(await refuse(withProof({ verificationMethod: 7 }))).toEqual({ ok: false, reason: "the proof has no verificationMethod" });
    expect(await refuse(withProof({ proofValue: "uAAAA" }))).toEqual({ ok: false, reason: "the proofValue is not base58btc multibase" });
    expect(await refuse(withProof({ proofValue: "z3mJ" }))).toEqual({ ok: false, reason: "the proofValue is not an Ed25519 signature" });
    expect(await refuse({ id: "x" })).toEqual({ ok: false, reason: "the document has no proof" });
    expect(await refuse({ id: "x", proof: ["nonsense"] })).toEqual({ ok: false, reason: "the document has no proof" });
  });

  it("refuses a key that is not an Ed25519 key, without throwing", async () => {
    const result = await verifyProof(signed, async () => ({ owner: alice, publicKey: new Uint8Array(5) }));
    expect(result).toEqual({ ok: false, reason: "the proof does not verify" });
  });

  it("round-trips with a fresh key and replaces an earlier proof", async () => {
    const pair = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    expect(multibaseToEd25519(ed25519ToMultibase(raw))).toEqual(raw);
    const doc = { "@context": "https://www.w3.org/ns/activitystreams", id: "https://a.test/1", type: "Note", content: "é ☃ 1e21", n: 1e21, proof: { stale: true } };
    const proved = await createProof(doc, { verificationMethod: "https://a.test/u#k", privateKey: pair.privateKey }, new Date("2026-01-02T03:04:05.678Z"));
    expect(proved.proof).toMatchObject({ "@context": doc["@context"], created: "2026-01-02T03:04:05Z", proofPurpose: "assertionMethod" });
    const owned = async (method: string) => (method === "https://a.test/u#k" ? { owner: "https://a.test/u", publicKey: raw } : null);
    expect(await verifyProof(proved, owned)).toEqual({ ok: true, owner: "https://a.test/u", verificationMethod: "https://a.test/u#k" });
    expect(await verifyProof({ ...proved, content: "changed" }, owned)).toMatchObject({ ok: false });
  });
});
