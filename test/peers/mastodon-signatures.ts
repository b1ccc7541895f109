// Mastodon's HTTP-signature behaviour, written from its source with node:crypto and nothing of
// Roost's: the header sets it signs (app/lib/request.rb, app/lib/http_signature_draft.rb) and the
// way it judges a draft-cavage signature (app/lib/signed_request.rb, app/lib/signature_parser.rb).
// Reproduces test/fixtures/activitypub/sigvec-mastodon-profile-generated.json byte for byte.
import { createHash, createSign, createVerify, type KeyObject } from "node:crypto";

/** Mastodon 4.5/4.6, main, and main's RFC 9421 retry after a 400/401 ("double knock"). */
export type MastodonVariant = "4.5" | "main" | "main-rfc9421";

export interface MastodonSigningInput {
  method: "GET" | "POST";
  url: string;
  body: string;
  keyId: string;
  privateKey: KeyObject;
  variant: MastodonVariant;
  date: Date;
}

const ACCEPT = "application/activity+json, application/ld+json";
const AP_TYPE = "application/activity+json";

function sha256(body: string): string {
  return createHash("sha256").update(body).digest("base64");
}

function requestTarget(method: string, url: URL, withQuery = true): string {
  return `(request-target): ${method.toLowerCase()} ${url.pathname}${withQuery ? url.search : ""}`;
}

/** The headers Mastodon sends with this request, signature included (User-Agent aside, which it never signs). */
export function signAsMastodon(input: MastodonSigningInput): Record<string, string> {
  const url = new URL(input.url);
  if (input.variant === "main-rfc9421") return signRfc9421Retry(input, url);
  // Ruby hash insertion order decides the signed list; only main leaves Accept unsigned.
  const headers: Record<string, string> = { Host: url.host, Date: input.date.toUTCString() };
  if (input.method === "POST") {
    const digest = `SHA-256=${sha256(input.body)}`;
    if (input.variant === "main") Object.assign(headers, { "Content-Type": AP_TYPE, Digest: digest });
    else Object.assign(headers, { Digest: digest, "Content-Type": AP_TYPE });
  } else headers.Accept = ACCEPT;
  const signed = Object.keys(headers).filter((name) => !(name === "Accept" && input.variant === "main"));
  const lines = [...signed.map((name) => `${name.toLowerCase()}: ${headers[name]}`), requestTarget(input.method, url)];
  const signature = createSign("RSA-SHA256").update(lines.join("\n")).sign(input.privateKey, "base64");
  const list = [...signed.map((name) => name.toLowerCase()), "(request-target)"].join(" ");
  headers.Signature = `keyId="${input.keyId}",algorithm="rsa-sha256",headers="${list}",signature="${signature}"`;
  return headers;
}

// Request#perform_rfc9421_signed_request with linzer's defaults: label sig1, created + keyid, no alg.
function signRfc9421Retry(input: MastodonSigningInput, url: URL): Record<string, string> {
  const headers: Record<string, string> = { Host: url.host, Date: input.date.toUTCString() };
  const lines = [`"@method": ${input.method}`, `"@target-uri": ${url.href}`];
  const components = ['"@method"', '"@target-uri"'];
  if (input.method === "POST") {
    headers["Content-Type"] = AP_TYPE;
    headers["Content-Digest"] = `sha-256=:${sha256(input.body)}:`;
    lines.push(`"content-digest": ${headers["Content-Digest"]}`);
    components.push('"content-digest"');
  } else headers.Accept = ACCEPT;
  const params = `(${components.join(" ")});created=${Math.floor(input.date.getTime() / 1000)};keyid="${input.keyId}"`;
  lines.push(`"@signature-params": ${params}`);
  headers["Signature-Input"] = `sig1=${params}`;
  headers.Signature = `sig1=:${createSign("RSA-SHA256").update(lines.join("\n")).sign(input.privateKey, "base64")}:`;
  return headers;
}

export interface TrustedKey {
  owner: string;
  publicKeyPem: string;
}

export type MastodonVerdict = { ok: true; keyId: string; owner: string; signedHeaders: string[] } | { ok: false; reason: string };

interface CavageParams {
  keyId?: string;
  signature?: string;
  algorithm?: string;
  headers?: string;
  created?: string;
  expires?: string;
}

function parseSignatureHeader(value: string): CavageParams {
  const text = value.replace(/^Signature\s+/, "");
  return Object.fromEntries([...text.matchAll(/(\w+)=(?:"([^"]*)"|(\d+(?:\.\d+)?))/g)].map((m) => [m[1]!, m[2] ?? m[3]!]));
}

function digestProblem(header: string | null, body: string): string | null {
  if (header === null) return "the Digest header is missing";
  const entries = header.split(",").map((part) => {
    const at = part.indexOf("=");
    return { algorithm: part.slice(0, at).trim().toLowerCase(), value: part.slice(at + 1).trim() };
  });
  const sha = entries.find((e) => e.algorithm === "sha-256");
  if (!sha) return `Mastodon only supports SHA-256 in Digest; offered: ${entries.map((e) => e.algorithm).join(", ")}`;
  const computed = sha256(body);
  return sha.value === computed ? null : `Digest mismatch: computed SHA-256 ${computed}, given ${sha.value}`;
}

const HOUR = 3600;

/** Mastodon's time window: created +1 h of clock skew at most, expires (default created + 5 min, at most + 12 h) + 1 h. */
function timeProblem(params: CavageParams, names: string[], date: string | null, nowSeconds: number): string | null {
  const created = names.includes("(created)") ? Number(params.created) : Date.parse(date ?? "") / 1000;
  if (!Number.isFinite(created)) return "the signature has no usable Date or (created)";
  const expires = names.includes("(expires)") ? Number(params.expires) : created + 300;
  const effectiveExpiry = Math.min(expires, created + 12 * HOUR);
  if (created > nowSeconds + HOUR) return "signed request date is in the future";
  if (nowSeconds > effectiveExpiry + HOUR) return "signed request date is outside the accepted window";
  return null;
}

function strengthProblem(method: string, names: string[]): string | null {
  if (!names.includes("date") && !names.includes("(created)")) return "Mastodon requires the Date header or (created) pseudo-header to be signed";
  if (!names.includes("digest") && !names.includes("(request-target)")) return "Mastodon requires the Digest header or (request-target) pseudo-header to be signed";
  if (method === "GET" && !names.includes("host")) return "Mastodon requires the Host header to be signed when doing a GET request";
  if (method === "POST" && !names.includes("digest")) return "Mastodon requires the Digest header to be signed when doing a POST request";
  return null;
}

function signingString(names: string[], request: { method: string; url: URL; headers: Headers }, params: CavageParams, withQuery: boolean): string | null {
  const lines: string[] = [];
  for (const name of names) {
    if (name === "(request-target)") lines.push(requestTarget(request.method, request.url, withQuery));
    else if (name === "(created)" || name === "(expires)") lines.push(`${name}: ${name === "(created)" ? params.created : params.expires}`);
    else {
      const value = request.headers.get(name);
      if (value === null) return null;
      lines.push(`${name}: ${value}`);
    }
  }
  return lines.join("\n");
}

/** Judges a request's draft-cavage signature as Mastodon 4.5+ does; `lookup` stands for its key store. */
export function verifyAsMastodon(
  request: { method: string; url: string; headers: Headers },
  body: string,
  lookup: (keyId: string) => TrustedKey | null,
  now = Date.now(),
): MastodonVerdict {
  const header = request.headers.get("signature");
  if (request.headers.has("signature-input")) return { ok: false, reason: "this peer checks draft-cavage signatures only (the Fedify peer checks RFC 9421)" };
  if (!header) return { ok: false, reason: "Request not signed" };
  const params = parseSignatureHeader(header);
  if (!params.keyId || !params.signature) return { ok: false, reason: "Incompatible request signature. keyId and signature are required" };
  const algorithm = params.algorithm ?? "hs2019";
  if (algorithm !== "rsa-sha256" && algorithm !== "hs2019") return { ok: false, reason: `Unsupported signature algorithm ${algorithm}` };
  const names = (params.headers ?? (algorithm === "rsa-sha256" ? "date" : "(created)")).toLowerCase().split(" ").filter(Boolean);
  if (algorithm !== "hs2019" && (names.includes("(created)") || names.includes("(expires)"))) {
    return { ok: false, reason: "(created) and (expires) are only allowed with hs2019" };
  }
  const weak = strengthProblem(request.method.toUpperCase(), names);
  if (weak) return { ok: false, reason: weak };
  if (names.includes("digest")) {
    const problem = digestProblem(request.headers.get("digest"), body);
    if (problem) return { ok: false, reason: problem };
  }
  const late = timeProblem(params, names, request.headers.get("date"), now / 1000);
  if (late) return { ok: false, reason: late };
  const key = lookup(params.keyId);
  if (!key) return { ok: false, reason: `Unable to fetch key JSON at ${params.keyId}` };
  const url = new URL(request.url);
  // Older Mastodon signed (request-target) without the query, so both forms are tried.
  for (const withQuery of url.search ? [true, false] : [true]) {
    const text = signingString(names, { method: request.method, url, headers: request.headers }, params, withQuery);
    if (text === null) return { ok: false, reason: "a signed header is missing from the request" };
    if (createVerify("RSA-SHA256").update(text).verify(key.publicKeyPem, params.signature, "base64")) {
      return { ok: true, keyId: params.keyId, owner: key.owner, signedHeaders: names };
    }
  }
  return { ok: false, reason: `Verification failed for ${params.keyId}` };
}
