// A fleet of inbox servers (h1…h24.sink.test) that check every delivery the way Mastodon does and
// record it. Written with node:crypto, independently of Roost's signing code: draft-cavage
// (rsa-sha256 over (request-target) host date digest, with the Digest of the exact body) and
// RFC 9421 (rsa-v1_5-sha256 over @method @target-uri content-digest).
//
// Test files run side by side against this one Node process, so everything is kept per scope: the
// first path segment of every URL (https://h1.sink.test/<scope>/inbox). Control, on sink.test:
//   POST /__control/trust  {scope, keyId, publicKeyPem}            the key a scope's deliveries are signed with
//   POST /__control/behave {scope, host, status?, statuses?, rfc9421Only?, delayMs?}
//        status: the answer once verified (default 202); statuses: answers used up first, in order;
//        rfc9421Only: refuse draft-cavage with 401; delayMs: hold each answer this long
//   GET  /__control/arrivals?scope=…  → {arrivals: Arrival[], maxInFlight}
// Actors for mentions: GET https://hN.sink.test/<scope>/users/<name> (shared inbox /<scope>/inbox).
import { createHash, createVerify } from "node:crypto";
import type { SinkArrival as Arrival } from "./reports.ts";

const CONTROL_HOST = "sink.test";
export const SINK_HOSTS = Array.from({ length: 24 }, (_, i) => `h${i + 1}.sink.test`);

interface Behaviour {
  status: number;
  statuses: number[];
  rfc9421Only: boolean;
  delayMs: number;
}


interface Scope {
  keys: Map<string, string>;
  behaviours: Map<string, Behaviour>;
  arrivals: Arrival[];
  inFlight: number;
  maxInFlight: number;
}

const scopes = new Map<string, Scope>();

function scopeOf(name: string): Scope {
  let scope = scopes.get(name);
  if (!scope) {
    scope = { keys: new Map(), behaviours: new Map(), arrivals: [], inFlight: 0, maxInFlight: 0 };
    scopes.set(name, scope);
  }
  return scope;
}

function behaviourOf(scope: Scope, host: string): Behaviour {
  let b = scope.behaviours.get(host);
  if (!b) {
    b = { status: 202, statuses: [], rfc9421Only: false, delayMs: 0 };
    scope.behaviours.set(host, b);
  }
  return b;
}

function json(body: unknown, status = 200, type = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

const sha256 = (body: Buffer) => createHash("sha256").update(body).digest("base64");

function fresh(dateMs: number): boolean {
  return Number.isFinite(dateMs) && Math.abs(Date.now() - dateMs) < 3600_000;
}

function verifyCavage(request: Request, url: URL, body: Buffer, keys: Map<string, string>): string | null {
  const header = request.headers.get("signature") ?? "";
  const params = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  if (params.algorithm && params.algorithm !== "rsa-sha256") return `algorithm ${params.algorithm} is not rsa-sha256`;
  const pem = keys.get(params.keyId ?? "");
  if (!pem) return `unknown key ${params.keyId}`;
  const names = (params.headers ?? "").split(" ");
  for (const required of ["(request-target)", "host", "date", "digest"]) if (!names.includes(required)) return `${required} is not signed`;
  if (request.headers.get("digest") !== `SHA-256=${sha256(body)}`) return "Digest does not match the body";
  if (!fresh(Date.parse(request.headers.get("date") ?? ""))) return "Date outside the hour window";
  const lines = names.map((name) => {
    if (name === "(request-target)") return `${name}: ${request.method.toLowerCase()} ${url.pathname}${url.search}`;
    if (name === "host") return `host: ${url.host}`;
    return `${name}: ${request.headers.get(name) ?? ""}`;
  });
  const ok = createVerify("RSA-SHA256").update(lines.join("\n")).verify(pem, params.signature ?? "", "base64");
  return ok ? null : "signature does not verify";
}

function verifyRfc9421(request: Request, url: URL, body: Buffer, keys: Map<string, string>): string | null {
  const input = /^sig1=(\(([^)]*)\)(.*))$/.exec(request.headers.get("signature-input") ?? "");
  const signature = /^sig1=:([A-Za-z0-9+/=]+):$/.exec(request.headers.get("signature") ?? "");
  if (!input || !signature) return "no sig1 signature";
  const components = [...input[2]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  const keyId = /;keyid="([^"]+)"/.exec(input[3]!)?.[1] ?? "";
  const created = Number(/;created=(\d+)/.exec(input[3]!)?.[1]);
  const pem = keys.get(keyId);
  if (!pem) return `unknown key ${keyId}`;
  for (const required of ["@method", "@target-uri", "content-digest"]) if (!components.includes(required)) return `${required} is not covered`;
  if (request.headers.get("content-digest") !== `sha-256=:${sha256(body)}:`) return "Content-Digest does not match the body";
  if (!fresh(created * 1000)) return "created outside the hour window";
  const lines = components.map((c) => {
    if (c === "@method") return `"@method": ${request.method}`;
    if (c === "@target-uri") return `"@target-uri": ${url.href}`;
    return `"${c}": ${request.headers.get(c) ?? ""}`;
  });
  lines.push(`"@signature-params": ${input[1]}`);
  const ok = createVerify("RSA-SHA256").update(lines.join("\n")).verify(pem, signature[1]!, "base64");
  return ok ? null : "signature does not verify";
}

async function control(request: Request, url: URL): Promise<Response> {
  if (url.pathname === "/__control/trust" && request.method === "POST") {
    const { scope, keyId, publicKeyPem } = (await request.json()) as { scope: string; keyId: string; publicKeyPem: string };
    scopeOf(scope).keys.set(keyId, publicKeyPem);
    return json({ ok: true });
  }
  if (url.pathname === "/__control/behave" && request.method === "POST") {
    const { scope, host, ...change } = (await request.json()) as { scope: string; host: string } & Partial<Behaviour>;
    Object.assign(behaviourOf(scopeOf(scope), host), change);
    return json({ ok: true });
  }
  if (url.pathname === "/__control/arrivals") {
    const scope = scopeOf(url.searchParams.get("scope") ?? "");
    return json({ arrivals: scope.arrivals, maxInFlight: scope.maxInFlight });
  }
  return json({ error: "no such control" }, 404);
}

async function inbox(request: Request, url: URL, scope: Scope): Promise<Response> {
  const body = Buffer.from(await request.arrayBuffer());
  const behaviour = behaviourOf(scope, url.host);
  scope.inFlight++;
  scope.maxInFlight = Math.max(scope.maxInFlight, scope.inFlight);
  try {
    if (behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    const scheme = request.headers.has("signature-input") ? "rfc9421" : request.headers.has("signature") ? "draft-cavage" : null;
    const signed =
      scheme === "rfc9421"
        ? [...(/^sig1=\(([^)]*)\)/.exec(request.headers.get("signature-input") ?? "")?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]!)
        : (/headers="([^"]*)"/.exec(request.headers.get("signature") ?? "")?.[1]?.split(" ") ?? []);
    let reason: string | null;
    if (request.headers.get("content-type") !== "application/activity+json") reason = "Content-Type is not application/activity+json";
    else if (scheme === null) reason = "not signed";
    else if (scheme === "draft-cavage" && behaviour.rfc9421Only) reason = "only RFC 9421 signatures are accepted";
    else reason = scheme === "rfc9421" ? verifyRfc9421(request, url, body, scope.keys) : verifyCavage(request, url, body, scope.keys);
    const status = reason ? 401 : (behaviour.statuses.shift() ?? behaviour.status);
    let activity: Arrival["activity"] = null;
    try {
      activity = JSON.parse(body.toString("utf8")) as Arrival["activity"];
    } catch {
      reason ??= "the body is not JSON";
    }
    scope.arrivals.push({ host: url.host, path: url.pathname, scheme, signed, verified: reason === null, reason, status, activity });
    return new Response(null, { status });
  } finally {
    scope.inFlight--;
  }
}

function actor(url: URL, scopeName: string, name: string): Response {
  const origin = `https://${url.host}/${scopeName}`;
  const id = `${origin}/users/${name}`;
  return json(
    {
      "@context": "https://www.w3.org/ns/activitystreams",
      id,
      type: "Person",
      preferredUsername: name,
      inbox: `${id}/inbox`,
      endpoints: { sharedInbox: `${origin}/inbox` },
    },
    200,
    "application/activity+json",
  );
}

export async function handleSink(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host === CONTROL_HOST) return control(request, url);
  const [, scopeName = "", ...rest] = url.pathname.split("/");
  const scope = scopeOf(scopeName);
  if (request.method === "POST") return inbox(request, url, scope);
  if (rest[0] === "users" && rest[1] && rest.length === 2) return actor(url, scopeName, rest[1]);
  return json({ error: "not found" }, 404);
}

/** Registers the control host and every inbox host with the test network. */
export function registerSink(register: (host: string, handler: (request: Request) => Promise<Response>) => void): void {
  for (const host of [CONTROL_HOST, ...SINK_HOSTS]) register(host, handleSink);
}
