// A Mastodon-style server at https://mastodon.test, written independently of Roost's code with
// node:crypto: it signs exactly the header sets Mastodon 4.5/4.6 and main send
// (app/lib/request.rb, app/lib/http_signature_draft.rb) and verifies what we POST to it the way
// Mastodon does (app/lib/signed_request.rb): signed-header strength, Digest, time window.
import { createHash, createSign, createVerify, generateKeyPairSync } from "node:crypto";
import { registerPeer } from "./network.ts";

const HOST = "mastodon.test";
const ORIGIN = `https://${HOST}`;
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();

/** Keys the test tells us to trust (our node's published key), by key id. */
const trusted = new Map<string, string>();
const received: { path: string; activity: unknown; verified: boolean; reason: string | null }[] = [];
let inboxStatus = 202;

function actor(name: string) {
  const id = `${ORIGIN}/users/${name}`;
  return {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id,
    type: "Person",
    preferredUsername: name,
    name: name.toUpperCase(),
    inbox: `${id}/inbox`,
    outbox: `${id}/outbox`,
    followers: `${id}/followers`,
    following: `${id}/following`,
    endpoints: { sharedInbox: `${ORIGIN}/inbox` },
    publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
  };
}

type Variant = "4.5" | "main";

/** Signs a request exactly as Mastodon does; returns the headers to send. */
function signAsMastodon(method: string, url: string, body: string, keyId: string, variant: Variant): Record<string, string> {
  const target = new URL(url);
  const headers: Record<string, string> = { Host: target.host, Date: new Date().toUTCString() };
  if (method === "POST") {
    const digest = `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
    if (variant === "main") Object.assign(headers, { "Content-Type": "application/activity+json", Digest: digest });
    else Object.assign(headers, { Digest: digest, "Content-Type": "application/activity+json" });
  } else if (variant === "4.5") headers.Accept = "application/activity+json, application/ld+json";
  const names = [...Object.keys(headers).map((h) => h.toLowerCase()), "(request-target)"];
  const text = names
    .map((n) => (n === "(request-target)" ? `${n}: ${method.toLowerCase()} ${target.pathname}${target.search}` : `${n}: ${headers[Object.keys(headers).find((h) => h.toLowerCase() === n)!]}`))
    .join("\n");
  const signature = createSign("RSA-SHA256").update(text).sign(privateKey, "base64");
  headers.Signature = `keyId="${keyId}",algorithm="rsa-sha256",headers="${names.join(" ")}",signature="${signature}"`;
  return headers;
}

function verifyAsMastodon(request: Request, body: string): string | null {
  const header = request.headers.get("signature");
  if (!header) return "no Signature header";
  const params = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  const pem = trusted.get(params.keyId ?? "");
  if (!pem) return `unknown key ${params.keyId}`;
  const names = (params.headers ?? "date").split(" ");
  if (!names.includes("digest")) return "POST must sign digest";
  if (!names.includes("date") || !names.includes("(request-target)")) return "weak signature";
  const digest = request.headers.get("digest") ?? "";
  if (digest !== `SHA-256=${createHash("sha256").update(body).digest("base64")}`) return "digest mismatch";
  const date = Date.parse(request.headers.get("date") ?? "");
  if (!(Math.abs(Date.now() - date) < 3600_000)) return "date outside window";
  const url = new URL(request.url);
  const text = names
    .map((n) => (n === "(request-target)" ? `${n}: ${request.method.toLowerCase()} ${url.pathname}${url.search}` : `${n}: ${request.headers.get(n)}`))
    .join("\n");
  const ok = createVerify("RSA-SHA256").update(text).verify(pem, params.signature ?? "", "base64");
  return ok ? null : "signature does not verify";
}

function json(body: unknown, status = 200, type = "application/json") {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

registerPeer(HOST, async (request) => {
  const url = new URL(request.url);
  if (url.pathname === "/__control/sign" && request.method === "POST") {
    const { method, url: target, body, actor: name, variant } = (await request.json()) as {
      method: string;
      url: string;
      body: string;
      actor: string;
      variant: Variant;
    };
    return json({ headers: signAsMastodon(method, target, body, `${ORIGIN}/users/${name}#main-key`, variant) });
  }
  if (url.pathname === "/__control/trust" && request.method === "POST") {
    const { keyId, publicKeyPem: pem } = (await request.json()) as { keyId: string; publicKeyPem: string };
    trusted.set(keyId, pem);
    return json({ ok: true });
  }
  if (url.pathname === "/__control/received") return json(received);
  if (url.pathname === "/__control/inbox-status" && request.method === "POST") {
    inboxStatus = ((await request.json()) as { status: number }).status;
    return json({ ok: true });
  }
  if (url.pathname === "/__control/reset" && request.method === "POST") {
    received.length = 0;
    inboxStatus = 202;
    return json({ ok: true });
  }
  if (url.pathname === "/.well-known/webfinger") {
    const acct = /^acct:([a-z0-9_]+)@mastodon\.test$/.exec(url.searchParams.get("resource") ?? "");
    if (!acct) return json({ error: "not found" }, 404);
    return json({ subject: `acct:${acct[1]}@${HOST}`, links: [{ rel: "self", type: "application/activity+json", href: `${ORIGIN}/users/${acct[1]}` }] }, 200, "application/jrd+json");
  }
  const status = /^\/users\/([a-z0-9_]+)\/statuses\/(\d+)$/.exec(url.pathname);
  if (status && request.method === "GET") {
    const author = `${ORIGIN}/users/${status[1]}`;
    return json(
      { "@context": "https://www.w3.org/ns/activitystreams", id: `${author}/statuses/${status[2]}`, type: "Note", attributedTo: author, content: "<p>a post</p>", to: ["https://www.w3.org/ns/activitystreams#Public"] },
      200,
      "application/activity+json",
    );
  }
  const user = /^\/users\/([a-z0-9_]+)$/.exec(url.pathname);
  if (user && request.method === "GET") {
    if (user[1] === "gone") return new Response("", { status: 410 });
    return json(actor(user[1]!), 200, "application/activity+json");
  }
  if ((url.pathname === "/inbox" || /^\/users\/[a-z0-9_]+\/inbox$/.test(url.pathname)) && request.method === "POST") {
    const body = await request.text();
    const reason = verifyAsMastodon(request, body);
    received.push({ path: url.pathname, activity: JSON.parse(body), verified: reason === null, reason });
    if (reason) return json({ error: reason }, 401);
    return new Response("", { status: inboxStatus });
  }
  return json({ error: "not found" }, 404);
});
