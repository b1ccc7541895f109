// THE signer: draft-cavage with Mastodon's header set, or RFC 9421 as Mastodon's second knock
// sends it (one label `sig1`, created + keyid, no alg).
import { bytesToBase64 } from "../encoding.ts";
import { cavageSigningString } from "./cavage.ts";
import { sign } from "./crypto.ts";
import { contentDigestHeader, digestHeader } from "./digest.ts";
import { buildSignatureInput, signatureBase } from "./rfc9421.ts";
import { serializeInnerList } from "./structured-fields.ts";
import type { OutgoingRequest, SignatureScheme, SigningKey } from "./types.ts";

/** Adds Date, Host, the body digest and the signature headers to `input.headers` and returns them. */
export async function signRequest(
  input: OutgoingRequest,
  key: SigningKey,
  scheme: SignatureScheme = "draft-cavage",
): Promise<Headers> {
  const { headers, body } = input;
  const url = new URL(input.url);
  if (!headers.has("Date")) headers.set("Date", new Date().toUTCString());
  headers.set("Host", url.host);
  if (scheme === "draft-cavage") await signCavage(input.method, url, headers, body ?? null, key);
  else await signRfc9421(input.method, url, headers, body ?? null, key);
  return headers;
}

async function signCavage(method: string, url: URL, headers: Headers, body: Uint8Array | null, key: SigningKey) {
  const names = ["(request-target)", "host", "date"];
  if (body) {
    headers.set("Digest", await digestHeader(body));
    names.push("digest");
  }
  if (headers.has("Content-Type")) names.push("content-type");
  if (!body && headers.has("Accept")) names.push("accept");
  // Every listed header was just set or checked, so the signing string exists.
  const text = cavageSigningString(names, { method, target: url.pathname + url.search, headers })!;
  const signature = bytesToBase64(await sign(key.privateKey, text));
  const algorithm = key.privateKey.algorithm.name === "Ed25519" ? "hs2019" : "rsa-sha256";
  headers.set("Signature", `keyId="${key.keyId}",algorithm="${algorithm}",headers="${names.join(" ")}",signature="${signature}"`);
}

async function signRfc9421(method: string, url: URL, headers: Headers, body: Uint8Array | null, key: SigningKey) {
  const components = ["@method", "@target-uri"];
  if (body) {
    headers.set("Content-Digest", await contentDigestHeader(body));
    components.push("content-digest");
  }
  const input = buildSignatureInput(components, { created: Math.floor(Date.now() / 1000), keyId: key.keyId });
  const base = signatureBase(input, { method, url: url.href, headers })!;
  headers.set("Signature-Input", `sig1=${serializeInnerList(input)}`);
  headers.set("Signature", `sig1=:${bytesToBase64(await sign(key.privateKey, base))}:`);
}
