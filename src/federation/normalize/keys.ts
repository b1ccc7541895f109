// Public keys, from an actor (`publicKey`, `assertionMethod`) or from a standalone key document,
// which is what a keyId URL may return (Fedify serves keys at their own URL).
import { multibaseToEd25519 } from "../encoding.ts";
import type { Ed25519Key, KeySet, Parsed, RsaKey } from "./types.ts";
import { asArray, field, firstId, httpIri, isRecord, type Json, stringOrNull, typeNames } from "./values.ts";

const MAX_KEYS = 20;
const MAX_MULTIBASE_LENGTH = 200;

function rsaKeyOf(entry: unknown, defaultOwner: string | null): RsaKey | null {
  if (!isRecord(entry)) return null;
  const id = httpIri(field(entry, "id"));
  const pem = stringOrNull(field(entry, "publicKeyPem"));
  const owner = firstId(field(entry, "owner")) ?? defaultOwner;
  return id && owner && pem?.includes("-----BEGIN") ? { id, owner, pem } : null;
}

function ed25519KeyOf(entry: unknown, defaultController: string | null): Ed25519Key | null {
  if (!isRecord(entry) || !typeNames(entry).includes("Multikey")) return null;
  const id = httpIri(field(entry, "id"));
  const controller = firstId(field(entry, "controller")) ?? defaultController;
  const multibase = stringOrNull(field(entry, "publicKeyMultibase"));
  if (!id || !controller || !multibase || multibase.length > MAX_MULTIBASE_LENGTH) return null;
  const publicKey = multibaseToEd25519(multibase);
  return publicKey ? { id, controller, multibase, publicKey } : null;
}

/** `publicKey`: one object or an array; `type` is not checked (Misskey says `Key`). */
export function rsaKeys(value: unknown, actorId: string): RsaKey[] {
  return asArray(value, MAX_KEYS)
    .map((entry) => rsaKeyOf(entry, actorId))
    .filter((key): key is RsaKey => key !== null);
}

/** `assertionMethod` Multikeys that decode to Ed25519; other key types (RSA, ML-DSA) are skipped. */
export function ed25519Keys(value: unknown, actorId: string): Ed25519Key[] {
  return asArray(value, MAX_KEYS)
    .map((entry) => ed25519KeyOf(entry, actorId))
    .filter((key): key is Ed25519Key => key !== null);
}

/** A standalone key document needs its own `owner`/`controller`: there is no actor to default to. */
function standaloneKeys(json: Json): { rsaKeys: RsaKey[]; ed25519Keys: Ed25519Key[] } {
  const rsa = rsaKeyOf(json, null);
  const ed25519 = ed25519KeyOf(json, null);
  return { rsaKeys: rsa ? [rsa] : [], ed25519Keys: ed25519 ? [ed25519] : [] };
}

export function normalizeKeyDocument(json: unknown): Parsed<KeySet> {
  if (!isRecord(json)) return { ok: false, reason: "key document is not a JSON object" };
  const id = httpIri(field(json, "id"));
  if (id === null) return { ok: false, reason: "key document id is missing or not an http(s) IRI" };
  const keys =
    field(json, "publicKey") !== undefined || field(json, "assertionMethod") !== undefined
      ? { rsaKeys: rsaKeys(field(json, "publicKey"), id), ed25519Keys: ed25519Keys(field(json, "assertionMethod"), id) }
      : standaloneKeys(json);
  if (keys.rsaKeys.length === 0 && keys.ed25519Keys.length === 0) {
    return { ok: false, reason: "document has no usable public key" };
  }
  return { ok: true, value: { id, ...keys } };
}
