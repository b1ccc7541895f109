// THE one place a request leaves the Worker. Every remote fetch is bounded in time, size and
// redirects, and every hop passes the address policy (address-policy.ts): no private, reserved,
// loopback (outside local dev), link-local or metadata addresses.
import { ACTIVITY_JSON } from "./vocabulary.ts";
import { VERSION } from "../version.ts";
import { type FetchPolicy, refusedUrl } from "./address-policy.ts";
import { canonicalIri } from "./normalize/values.ts";
import { type SigningKey, signRequest } from "./signatures/index.ts";

export type { FetchPolicy } from "./address-policy.ts";
export { refusedUrl } from "./address-policy.ts";

export interface FetchContext {
  policy: FetchPolicy;
  /** Our RSA key, loaded on first use; null sends unsigned GETs. */
  signer: () => Promise<SigningKey | null>;
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

// Mastodon: 1 MB bodies, 3 redirect hops, a 30 s deadline (app/lib/request.rb); we keep GETs tighter.
const DEFAULT_LIMITS: FetchLimits = { timeoutMs: 10_000, maxBytes: 1_000_000, maxRedirects: 3 };

export type FetchResult<T> = { ok: true; value: T } | { ok: false; status?: number; reason: string; gone?: boolean };

const AP_ACCEPT = `${ACTIVITY_JSON}, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`;

/** The URL each response of safeFetch was finally fetched from (after redirects). */
const finalUrls = new WeakMap<Response, string>();

/** Fetch with the address policy and the time and redirect bounds. The body is not read here. */
export async function safeFetch(
  url: string,
  init: RequestInit,
  policy: FetchPolicy,
  limits: Partial<FetchLimits> = {},
): Promise<FetchResult<Response>> {
  const { timeoutMs, maxRedirects } = { ...DEFAULT_LIMITS, ...limits };
  const signal = AbortSignal.timeout(timeoutMs);
  const method = (init.method ?? "GET").toUpperCase();
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    return { ok: false, reason: `"${url}" is not a URL` };
  }
  for (let hop = 0; ; hop++) {
    // Every hop is checked again: a redirect must not lead to a private address.
    const refused = refusedUrl(current, policy);
    if (refused) return { ok: false, reason: hop === 0 ? refused : `redirected to ${current.href}: ${refused}` };
    let response: Response;
    try {
      response = await fetch(current.href, { ...init, redirect: "manual", signal });
    } catch (error) {
      const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : `connection failed: ${String(error)}`;
      return { ok: false, reason };
    }
    const location = response.headers.get("Location");
    if (response.status < 300 || response.status >= 400 || !location) {
      finalUrls.set(response, current.href);
      return { ok: true, value: response };
    }
    await response.body?.cancel();
    // A redirected POST would lose or replay its signature; Mastodon refuses them too.
    if (method !== "GET" && method !== "HEAD") return { ok: false, status: response.status, reason: "redirects are not followed for POST" };
    if (hop >= maxRedirects) return { ok: false, status: response.status, reason: `more than ${maxRedirects} redirects` };
    try {
      current = new URL(location, current);
    } catch {
      return { ok: false, reason: "the redirect Location is not a URL" };
    }
  }
}

/** Reads a body up to maxBytes, cancelling the stream past the limit. */
export async function readBounded(response: Response, maxBytes = DEFAULT_LIMITS.maxBytes): Promise<FetchResult<Uint8Array>> {
  const declared = Number(response.headers.get("Content-Length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    return { ok: false, reason: `the body is larger than ${maxBytes} bytes` };
  }
  if (!response.body) return { ok: true, value: new Uint8Array() };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return { ok: false, reason: `the body is larger than ${maxBytes} bytes` };
      }
      chunks.push(value);
    }
  } catch (error) {
    return { ok: false, reason: `the body could not be read: ${String(error)}` };
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, value: out };
}

function isActivityContentType(value: string | null): boolean {
  if (!value) return false;
  const [mime = "", ...params] = value.toLowerCase().split(";").map((s) => s.trim());
  if (mime === ACTIVITY_JSON) return true;
  // Mastodon accepts ld+json only with the ActivityStreams profile (json_ld_helper.rb).
  return mime === "application/ld+json" && params.some((p) => p.replace(/\s/g, "") === 'profile="https://www.w3.org/ns/activitystreams"');
}

/**
 * GETs an ActivityPub document, signed with our key so authorized-fetch servers answer. The
 * document's id must equal the URL asked for (fragment removed), even after redirects.
 */
export async function fetchActivityDocument(
  url: string,
  ctx: FetchContext,
  limits: Partial<FetchLimits> = {},
): Promise<FetchResult<Record<string, unknown>>> {
  const target = url.replace(/#.*$/, "");
  const headers = new Headers({ Accept: AP_ACCEPT, "User-Agent": `Roost/${VERSION}` });
  try {
    const signer = await ctx.signer();
    if (signer) await signRequest({ method: "GET", url: target, headers }, signer);
  } catch (error) {
    return { ok: false, reason: `could not sign the request: ${String(error)}` };
  }
  const fetched = await safeFetch(target, { method: "GET", headers }, ctx.policy, limits);
  if (!fetched.ok) return fetched;
  const response = fetched.value;
  // A document reached through a redirect to another origin could mint ids on the first origin
  // (an open redirect on a victim's server): refused, as Mastodon refuses ids off the final host.
  const finalUrl = finalUrls.get(response) ?? target;
  if (new URL(finalUrl).origin !== new URL(target).origin) {
    await response.body?.cancel();
    return { ok: false, status: 404, reason: `${target} redirected to another origin (${new URL(finalUrl).origin})` };
  }
  if (response.status === 410) {
    await response.body?.cancel();
    return { ok: false, status: 410, gone: true, reason: `${target} is gone (410)` };
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    return { ok: false, status: response.status, reason: `${target} answered ${response.status}` };
  }
  if (!isActivityContentType(response.headers.get("Content-Type"))) {
    await response.body?.cancel();
    return { ok: false, reason: `${target} is not ActivityStreams (Content-Type ${response.headers.get("Content-Type")})` };
  }
  const body = await readBounded(response);
  if (!body.ok) return body;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body.value));
  } catch {
    return { ok: false, reason: `${target} is not valid JSON` };
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return { ok: false, reason: `${target} is not a JSON object` };
  const doc = json as Record<string, unknown>;
  // Compared canonically: the document may spell its id differently (trailing slash, escapes, case of the host).
  if (typeof doc.id !== "string" || canonicalIri(doc.id) !== canonicalIri(target)) return { ok: false, reason: `${target} returned a document whose id is ${JSON.stringify(doc.id)}` };
  return { ok: true, value: doc };
}
