// A minimal fediverse server at https://social.test for publishing tests: WebFinger, actors whose
// id (/ap/users/<name>) differs from their profile page (/@<name>), notes to reply to, and inboxes
// that record what arrives. Workerd tests configure it over HTTP:
//   POST /__setup {accounts?: string[], notes?: {id: string, author: string}[]}  (additive)
//   GET  /__received → [{path, activity}]
import { generateKeyPairSync } from "node:crypto";

const ORIGIN = "https://social.test";
const AP_TYPE = "application/activity+json";
const publicKeyPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();

const accounts = new Set<string>();
/** Note path → author username. */
const notes = new Map<string, string>();
const received: { path: string; activity: unknown }[] = [];

const actorId = (name: string) => `${ORIGIN}/ap/users/${name}`;

function json(body: unknown, status = 200, type = "application/json") {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

function actor(name: string) {
  const id = actorId(name);
  return {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id,
    type: "Person",
    preferredUsername: name,
    url: `${ORIGIN}/@${name}`,
    inbox: `${id}/inbox`,
    endpoints: { sharedInbox: `${ORIGIN}/inbox` },
    publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
  };
}

export async function handleSocialPeer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__setup" && request.method === "POST") {
    const setup = (await request.json()) as { accounts?: string[]; notes?: { id: string; author: string }[] };
    for (const name of setup.accounts ?? []) accounts.add(name);
    for (const note of setup.notes ?? []) notes.set(note.id, note.author);
    return json({ ok: true });
  }
  if (url.pathname === "/__received") return json(received);
  if (url.pathname === "/.well-known/webfinger") {
    const name = /^acct:([^@]+)@social\.test$/.exec(url.searchParams.get("resource") ?? "")?.[1];
    if (!name || !accounts.has(name)) return json({ error: "not found" }, 404);
    return json({ subject: `acct:${name}@social.test`, links: [{ rel: "self", type: AP_TYPE, href: actorId(name) }] }, 200, "application/jrd+json");
  }
  const user = /^\/ap\/users\/([^/]+)$/.exec(url.pathname)?.[1];
  if (user && accounts.has(user) && request.method === "GET") return json(actor(user), 200, AP_TYPE);
  const author = notes.get(url.pathname);
  if (author && request.method === "GET") {
    return json(
      { "@context": "https://www.w3.org/ns/activitystreams", id: `${ORIGIN}${url.pathname}`, type: "Note", attributedTo: actorId(author), content: "<p>a note</p>" },
      200,
      AP_TYPE,
    );
  }
  if (request.method === "POST" && (url.pathname === "/inbox" || url.pathname.endsWith("/inbox"))) {
    received.push({ path: url.pathname, activity: await request.json() });
    return new Response(null, { status: 202 });
  }
  return json({ error: "not found" }, 404);
}
