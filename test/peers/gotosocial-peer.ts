// A GoToSocial-style server at https://gts.test for the interaction-policy and replies tests: it
// serves the posts and collections a test scripts (GoToSocial-shaped, from test/fixtures), actors
// whose key it signs with, counts every GET, and records what reaches its inboxes with the
// signature judged against Roost's published key (given through /__control/trust).
//   POST /__control/documents {documents: {[path]: json}}   adds or replaces served documents
//   POST /__control/sign {url, body, actor}                  → {headers}: a signed POST as `actor`
//   POST /__control/trust {keyId, publicKeyPem}
//   GET  /__control/received → [{path, activity, verified, reason}]
//   GET  /__control/hits?path=<path> → {hits}
import { generateKeyPairSync } from "node:crypto";
import { signAsMastodon, type TrustedKey, verifyAsMastodon } from "./mastodon-signatures.ts";

const ORIGIN = "https://gts.test";
const AP_TYPE = "application/activity+json";
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicKeyPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();

const documents = new Map<string, unknown>();
const hits = new Map<string, number>();
const trusted = new Map<string, TrustedKey>();
const received: { path: string; activity: Record<string, unknown>; verified: boolean; reason: string | null }[] = [];

function json(body: unknown, status = 200, type = "application/json") {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

// GoToSocial's Person, trimmed to what federation reads (fixture gotosocial-actor.json's shape).
function actor(name: string) {
  const id = `${ORIGIN}/users/${name}`;
  return {
    "@context": ["https://gotosocial.org/ns", "https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id,
    type: "Person",
    preferredUsername: name,
    url: `${ORIGIN}/@${name}`,
    inbox: `${id}/inbox`,
    outbox: `${id}/outbox`,
    followers: `${id}/followers`,
    following: `${id}/following`,
    endpoints: { sharedInbox: `${ORIGIN}/sharedInbox` },
    publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
  };
}

async function control(request: Request, url: URL): Promise<Response> {
  const input = request.method === "POST" ? ((await request.json()) as Record<string, any>) : {};
  switch (url.pathname) {
    case "/__control/documents":
      for (const [path, document] of Object.entries(input.documents as Record<string, unknown>)) documents.set(path, document);
      return json({ ok: true });
    case "/__control/trust":
      trusted.set(String(input.keyId), { owner: String(input.keyId).replace(/#.*$/, ""), publicKeyPem: String(input.publicKeyPem) });
      return json({ ok: true });
    case "/__control/sign": {
      const keyId = `${ORIGIN}/users/${input.actor}#main-key`;
      return json({ headers: signAsMastodon({ method: "POST", url: input.url, body: input.body, keyId, privateKey: keys.privateKey, variant: "4.5", date: new Date() }) });
    }
    case "/__control/received":
      return json(received);
    case "/__control/hits":
      return json({ hits: hits.get(url.searchParams.get("path") ?? "") ?? 0 });
    default:
      return json({ error: `no control endpoint ${url.pathname}` }, 404);
  }
}

export async function handleGoToSocialPeer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/__control/")) return control(request, url);
  if (request.method === "POST" && (url.pathname === "/sharedInbox" || url.pathname.endsWith("/inbox"))) {
    const body = await request.text();
    const activity = JSON.parse(body) as Record<string, unknown>;
    const verdict = verifyAsMastodon(request, body, (keyId) => trusted.get(keyId) ?? null);
    const reason = !verdict.ok ? verdict.reason : activity.actor === verdict.owner ? null : "actor is not the signer";
    received.push({ path: url.pathname, activity, verified: reason === null, reason });
    return new Response(null, { status: verdict.ok ? 202 : 401 });
  }
  if (request.method !== "GET") return json({ error: "not found" }, 404);
  const path = `${url.pathname}${url.search}`;
  hits.set(path, (hits.get(path) ?? 0) + 1);
  const user = /^\/users\/([a-z0-9_]+)$/.exec(url.pathname)?.[1];
  if (user) return json(actor(user), 200, AP_TYPE);
  const document = documents.get(path);
  return document === undefined ? json({ error: "not found" }, 404) : json(document, 200, AP_TYPE);
}
