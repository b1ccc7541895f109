// THE one place a request leaves the Worker. Every remote fetch is bounded in time, size and
// redirects, and refuses private, loopback, link-local and metadata addresses outside local dev.
// Workers cannot resolve DNS, so the address policy applies to IP literals and to names; names
// that resolve to private addresses are refused by Cloudflare's egress itself.
import { ACTIVITY_JSON } from "./vocabulary.ts";
import { VERSION } from "../version.ts";
import { type SigningKey, signRequest } from "./signatures/index.ts";

export interface FetchPolicy {
  localDev: boolean;
}

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

function ipv4Private(a: number, b: number): boolean {
  return (
    a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19)) || a >= 224
  );
}

/** Why a URL may not be fetched under this policy, or null when it may. */
function refusedUrl(url: URL, policy: FetchPolicy): string | null {
  if (url.protocol !== "https:" && url.protocol !== "http:") return `${url.protocol} URLs are not fetched`;
  if (policy.localDev) return null;
  if (url.protocol === "http:") return "plain http is refused outside local dev";
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || /\.(localhost|local|internal|home\.arpa)$/.test(host) || host === "metadata.google.internal") {
    return `${host} is a local name`;
  }
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4 && ipv4Private(Number(v4[1]), Number(v4[2]))) return `${host} is a private or reserved address`;
  if (host.startsWith("[")) {
    const v6 = host.slice(1, -1);
    const mapped = /^::ffff:(\d+)\.(\d+)\.\d+\.\d+$/.exec(v6) ?? /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(v6);
    if (mapped) {
      const [a, b] = mapped[0].includes(".")
        ? [Number(mapped[1]), Number(mapped[2])]
        : [parseInt(mapped[1]!, 16) >> 8, parseInt(mapped[1]!, 16) & 0xff];
      if (ipv4Private(a!, b!)) return `${host} maps to a private address`;
    }
    if (v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || /^ff/.test(v6)) {
      return `${host} is a private or reserved address`;
    }
  }
  return null;
}

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
    const refused = refusedUrl(current, policy);
    if (refused) return { ok: false, reason: refused };
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
  if (doc.id !== target) return { ok: false, reason: `${target} returned a document whose id is ${JSON.stringify(doc.id)}` };
  return { ok: true, value: doc };
}
