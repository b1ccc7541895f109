// A Web Push service and the user agents behind it, at https://push.test, written with node:crypto
// and independently of Roost's WebCrypto code: it makes each subscriber's P-256 key pair and auth
// secret, decrypts what arrives (aes128gcm by RFC 8291/8188 from the body's header; aesgcm by
// draft-ietf-webpush-encryption-04 from the Encryption and Crypto-Key headers) and verifies the
// VAPID JWT (RFC 8292) with the key the request names. Everything is kept per scope (the first
// path segment), as the other peers do. Control, on push.test:
//   POST /__control/subscribe {scope}            → {endpoint, p256dh, auth} of a new user agent
//   POST /__control/behave {scope, id, status}   the status its endpoint answers (default 201)
//   GET  /__control/received?scope=…             → Arrival[]
import { createECDH, createDecipheriv, createPublicKey, type ECDH, hkdfSync, verify } from "node:crypto";

interface Agent {
  ecdh: ECDH;
  publicKey: Buffer;
  auth: Buffer;
  status: number;
}

interface Arrival {
  id: string;
  status: number;
  encoding: string | null;
  headers: Record<string, string>;
  /** The decrypted body parsed as JSON, or null with `error` saying why. */
  payload: Record<string, unknown> | null;
  error: string | null;
  jwt: { header: Record<string, unknown>; claims: Record<string, unknown>; key: string; verified: boolean } | null;
}

const scopes = new Map<string, { agents: Map<string, Agent>; arrivals: Arrival[] }>();
let next = 0;

function scopeOf(name: string) {
  let scope = scopes.get(name);
  if (!scope) scopes.set(name, (scope = { agents: new Map(), arrivals: [] }));
  return scope;
}

const b64u = (bytes: Buffer) => bytes.toString("base64url");
const label = (s: string) => Buffer.from(`${s}\0`, "latin1");
const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number) => Buffer.from(hkdfSync("sha256", ikm, salt, info, length));

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function aesGcmOpen(cek: Buffer, nonce: Buffer, sealed: Buffer): Buffer {
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

/** RFC 8291 §3.4: the body starts salt(16) ‖ rs(4) ‖ idlen(1) ‖ keyid (the sender's public key). */
function openAes128gcm(agent: Agent, body: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const senderKey = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  if (record.length > rs) throw new Error(`a record longer than rs=${rs}`);
  const secret = agent.ecdh.computeSecret(senderKey);
  const ikm = hkdf(secret, agent.auth, Buffer.concat([label("WebPush: info"), agent.publicKey, senderKey]), 32);
  const plain = aesGcmOpen(hkdf(ikm, salt, label("Content-Encoding: aes128gcm"), 16), hkdf(ikm, salt, label("Content-Encoding: nonce"), 12), record);
  // RFC 8188 §2: padding zeros after a delimiter, which is 2 for the last record.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error("the last record has no 0x02 delimiter");
  return plain.subarray(0, end);
}

function param(header: string, name: string): string | null {
  for (const part of header.split(/[;,]/)) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=").replace(/^"|"$/g, "");
  }
  return null;
}

/** draft-ietf-webpush-encryption-04 §3 with the context of its §3.3; the record starts with a 2-byte padding length. */
function openAesgcm(agent: Agent, body: Buffer, headers: Headers): Buffer {
  const salt = Buffer.from(param(headers.get("encryption") ?? "", "salt") ?? "", "base64url");
  const senderKey = Buffer.from(param(headers.get("crypto-key") ?? "", "dh") ?? "", "base64url");
  if (salt.length !== 16 || senderKey.length !== 65) throw new Error("Encryption salt or Crypto-Key dh missing");
  const secret = agent.ecdh.computeSecret(senderKey);
  const ikm = hkdf(secret, agent.auth, label("Content-Encoding: auth"), 32);
  const size = (key: Buffer) => Buffer.from([0, key.length]);
  const context = Buffer.concat([label("P-256"), size(agent.publicKey), agent.publicKey, size(senderKey), senderKey]);
  const cek = hkdf(ikm, salt, Buffer.concat([label("Content-Encoding: aesgcm"), context]), 16);
  const nonce = hkdf(ikm, salt, Buffer.concat([label("Content-Encoding: nonce"), context]), 12);
  const plain = aesGcmOpen(cek, nonce, body);
  return plain.subarray(2 + plain.readUInt16BE(0));
}

/** The JWT and the key it must verify with: `vapid t=…,k=…` (aes128gcm) or `WebPush <jwt>` with Crypto-Key p256ecdsa= (aesgcm). */
function checkJwt(headers: Headers): Arrival["jwt"] {
  const authorization = headers.get("authorization") ?? "";
  const vapid = /^vapid t=([^,]+),\s*k=(\S+)$/.exec(authorization);
  const legacy = /^WebPush (\S+)$/.exec(authorization);
  const token = vapid?.[1] ?? legacy?.[1];
  const key = vapid?.[2] ?? param(headers.get("crypto-key") ?? "", "p256ecdsa");
  if (!token || !key) return null;
  const [h = "", c = "", s = ""] = token.split(".");
  const point = Buffer.from(key, "base64url");
  const publicKey = createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) }, format: "jwk" });
  const verified = verify("sha256", Buffer.from(`${h}.${c}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
  return { header: JSON.parse(Buffer.from(h, "base64url").toString()), claims: JSON.parse(Buffer.from(c, "base64url").toString()), key, verified };
}

async function receive(request: Request, scope: string, id: string): Promise<Response> {
  const agent = scopeOf(scope).agents.get(id);
  if (!agent) return new Response("no such subscription", { status: 404 });
  const body = Buffer.from(await request.arrayBuffer());
  const encoding = request.headers.get("content-encoding");
  let payload: Arrival["payload"] = null;
  let error: string | null = null;
  try {
    const plain = encoding === "aes128gcm" ? openAes128gcm(agent, body) : encoding === "aesgcm" ? openAesgcm(agent, body, request.headers) : null;
    if (!plain) throw new Error(`unknown Content-Encoding ${encoding}`);
    payload = JSON.parse(plain.toString("utf8"));
  } catch (e) {
    error = String(e);
  }
  const names = ["content-encoding", "content-type", "encryption", "crypto-key", "ttl", "urgency", "authorization"];
  const headers = Object.fromEntries(names.flatMap((n) => (request.headers.has(n) ? [[n, request.headers.get(n)!]] : [])));
  scopeOf(scope).arrivals.push({ id, status: agent.status, encoding, headers, payload, error, jwt: checkJwt(request.headers) });
  return new Response(null, { status: agent.status });
}

export async function handlePushService(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__control/subscribe" && request.method === "POST") {
    const { scope } = (await request.json()) as { scope: string };
    const ecdh = createECDH("prime256v1");
    const publicKey = ecdh.generateKeys();
    const auth = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
    const id = `ua${++next}`;
    scopeOf(scope).agents.set(id, { ecdh, publicKey, auth, status: 201 });
    return json({ id, endpoint: `https://push.test/${scope}/${id}`, p256dh: b64u(publicKey), auth: b64u(auth) });
  }
  if (url.pathname === "/__control/behave" && request.method === "POST") {
    const { scope, id, status } = (await request.json()) as { scope: string; id: string; status: number };
    const agent = scopeOf(scope).agents.get(id);
    if (!agent) return json({ error: "no such subscription" }, 404);
    agent.status = status;
    return json({ ok: true });
  }
  if (url.pathname === "/__control/received") return json(scopeOf(url.searchParams.get("scope") ?? "").arrivals);
  const [, scope, id] = url.pathname.split("/");
  if (request.method === "POST" && scope && id) return receive(request, scope, id);
  return new Response("not found", { status: 404 });
}
