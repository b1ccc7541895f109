import { describe, expect, it } from "vitest";
import { base58btcDecode, ed25519ToMultibase, multibaseToEd25519 } from "../src/federation/encoding.ts";
import { createProof, verifyProof } from "../src/federation/proofs.ts";
import vector from "./fixtures/activitypub/sigvec-fep-8b32-eddsa-jcs-2022.json";

const publicKey = multibaseToEd25519(vector.publicKeyMultibase)!;
const resolve = async (id: string) => (id === vector.verificationMethod ? { owner: "https://server.example/users/alice", publicKey } : null);

async function secretKey(): Promise<CryptoKey> {
  // secretKeyMultibase: z + base58btc(0x8026 + 32-byte seed); wrap the seed as PKCS#8 for WebCrypto.
  const seed = base58btcDecode(vector.secretKeyMultibase.slice(1))!.slice(2);
  const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...seed]);
  return crypto.subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]);
}

describe("FEP-8b32 eddsa-jcs-2022", () => {
  it("verifies the published vector", async () => {
    expect(await verifyProof(vector.signed_document, resolve)).toEqual({
      ok: true,
      owner: "https://server.example/users/alice",
      verificationMethod: vector.verificationMethod,
    });
  });

  it("reproduces the vector's proofValue exactly", async () => {
    const signed = await createProof(
      vector.unsigned_document,
      { verificationMethod: vector.verificationMethod, privateKey: await secretKey() },
      new Date(vector.created),
    );
    expect(signed).toEqual(vector.signed_document);
  });

  it("refuses a tampered document, an unknown key and a wrong purpose", async () => {
    const tampered = { ...vector.signed_document, actor: "https://server.example/users/mallory" };
    expect(await verifyProof(tampered, resolve)).toEqual({ ok: false, reason: "the proof does not verify" });
    expect(await verifyProof(vector.signed_document, async () => null)).toMatchObject({ ok: false });
    const purpose = { ...vector.signed_document, proof: { ...vector.signed_document.proof, proofPurpose: "authentication" } };
    expect(await verifyProof(purpose, resolve)).toMatchObject({ ok: false, reason: "the proof purpose is not assertionMethod" });
    expect(await verifyProof({ id: "x" }, resolve)).toEqual({ ok: false, reason: "the document has no proof" });
  });

  it("round-trips with a fresh key", async () => {
    const pair = (await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    expect(multibaseToEd25519(ed25519ToMultibase(raw))).toEqual(raw);
    const doc = { "@context": "https://www.w3.org/ns/activitystreams", id: "https://a.test/1", type: "Note", content: "é ☃ 1e21" };
    const signed = await createProof(doc, { verificationMethod: "https://a.test/u#k", privateKey: pair.privateKey });
    expect(await verifyProof(signed, async () => ({ owner: "https://a.test/u", publicKey: raw }))).toMatchObject({ ok: true });
  });
});
