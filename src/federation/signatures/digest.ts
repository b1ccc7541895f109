// Body digests: `Digest: SHA-256=…` (draft-cavage, RFC 3230) and `Content-Digest: sha-256=:…:`
// (RFC 9530). Both are compared with the hash of the raw body bytes, never a re-serialisation.
import { bytesToBase64 } from "../encoding.ts";
import { parseDictionary } from "./structured-fields.ts";

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

export async function digestHeader(body: Uint8Array): Promise<string> {
  return `SHA-256=${bytesToBase64(await sha256(body))}`;
}

export async function contentDigestHeader(body: Uint8Array): Promise<string> {
  return `sha-256=:${bytesToBase64(await sha256(body))}:`;
}

export type DigestCheck = { ok: true } | { ok: false; status: 400 | 401; reason: string };

/** Mastodon's rule: the header lists algorithms; the sha-256 entry must match, others alone are refused. */
export async function checkDigest(header: string, body: Uint8Array): Promise<DigestCheck> {
  const entries = header.split(",").map((part) => {
    const eq = part.indexOf("=");
    return eq < 0 ? null : { algorithm: part.slice(0, eq).trim().toLowerCase(), value: part.slice(eq + 1).trim() };
  });
  const sha = entries.find((e) => e?.algorithm === "sha-256");
  if (!sha) return { ok: false, status: 401, reason: "the Digest header has no SHA-256 entry (only SHA-256 is supported)" };
  if (sha.value !== bytesToBase64(await sha256(body))) {
    return { ok: false, status: 401, reason: "the Digest header does not match the body" };
  }
  return { ok: true };
}

export async function checkContentDigest(header: string, body: Uint8Array): Promise<DigestCheck> {
  const dictionary = parseDictionary(header);
  if (!dictionary) return { ok: false, status: 400, reason: "the Content-Digest header is malformed" };
  const sha = dictionary.get("sha-256");
  if (!sha) return { ok: false, status: 401, reason: "the Content-Digest header has no sha-256 entry (only sha-256 is supported)" };
  if (sha.kind !== "item" || !(sha.value instanceof Uint8Array)) {
    return { ok: false, status: 400, reason: "the Content-Digest sha-256 entry is not a byte sequence" };
  }
  if (bytesToBase64(sha.value) !== bytesToBase64(await sha256(body))) {
    return { ok: false, status: 401, reason: "the Content-Digest header does not match the body" };
  }
  return { ok: true };
}
