// A Mastodon-style server at https://mastodon.test, independent of Roost's code: it signs exactly as
// Mastodon 4.5/4.6 and main do, judges what Roost sends with Mastodon's signature rules
// (mastodon-signatures.ts), and keeps the follow requests it sends the way Mastodon does, so an
// Accept only counts when it names one of them and comes from the account that was asked.
//
// It is offline: Roost's key reaches it through `/__control/trust` (Mastodon would fetch it).
import { createHash, createSign, generateKeyPairSync } from "node:crypto";
import { account, accountUri, INSTANCE_ACTOR, instanceActor, status, webfinger } from "./mastodon-documents.ts";
import { type MastodonVariant, signAsMastodon, type TrustedKey, verifyAsMastodon } from "./mastodon-signatures.ts";
import type { MastodonFetch as Fetch, MastodonFollowRequest as FollowRequest, MastodonReceived as Received } from "./reports.ts";

function rsaKeyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

// Every account shares one key pair: a test picks account names freely, and the key is not under test.
const accountKeys = rsaKeyPair();
const instanceKeys = rsaKeyPair();

/** Roost's published keys, by key id; the owner is the key id without its fragment (Mastodon 4.5's lookup). */
const trusted = new Map<string, TrustedKey>();




const received: Received[] = [];
const followRequests = new Map<string, FollowRequest>();
const fetches: Fetch[] = [];
let inboxStatus = 202;
/** Documents a test puts at a path (a QuoteAuthorization, say), served as ActivityStreams. */
const documents = new Map<string, unknown>();
/** GETs of each such document, so a test can count how often Roost read one. */
const documentHits = new Map<string, number>();
/** Followers collections served at /users/<name>/followers (portability tests), by account name. */
const followerLists = new Map<string, string[]>();
/** Mastodon's followers pages hold 12 accounts (FollowerAccountsController::FOLLOW_PER_PAGE); a test may ask for fewer, to page with few followers. */
let followersPerPage = 12;

// The followers collection as Mastodon serves it: totalItems and a first page link, then pages
// of orderedItems with next (follower_accounts_controller.rb, collection_presenter).
function followersCollection(name: string, page: string | null): Response {
  const ids = followerLists.get(name) ?? [];
  const id = `${accountUri(name)}/followers`;
  const context = "https://www.w3.org/ns/activitystreams";
  if (page === null) return json({ "@context": context, id, type: "OrderedCollection", totalItems: ids.length, first: `${id}?page=1` }, 200, "application/activity+json");
  const n = Math.max(1, Number(page) || 1);
  const items = ids.slice((n - 1) * followersPerPage, n * followersPerPage);
  const more = n * followersPerPage < ids.length;
  return json(
    { "@context": context, id: `${id}?page=${n}`, type: "OrderedCollectionPage", totalItems: ids.length, partOf: id, ...(more ? { next: `${id}?page=${n + 1}` } : {}), orderedItems: items },
    200,
    "application/activity+json",
  );
}
/** AUTHORIZED_FETCH: accounts and statuses are served only to signed GETs. */
let authorizedFetch = false;

function json(body: unknown, status = 200, type = "application/json") {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

function objectId(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string") return (value as { id: string }).id;
  return null;
}

interface SignRequest {
  method: "GET" | "POST";
  url: string;
  body?: string;
  /** The sending account; fetches are signed by the instance actor, as Mastodon does, when absent. */
  actor?: string;
  variant: MastodonVariant;
}

function sign(input: SignRequest) {
  const keyId = input.actor ? `${accountUri(input.actor)}#main-key` : `${INSTANCE_ACTOR}#main-key`;
  const privateKey = input.actor ? accountKeys.privateKey : instanceKeys.privateKey;
  const body = input.body ?? "";
  const activity = body ? (JSON.parse(body) as Record<string, unknown>) : null;
  // The follow request Mastodon keeps until the target answers (follow_request.rb).
  if (activity?.type === "Follow" && typeof activity.id === "string" && typeof activity.object === "string") {
    followRequests.set(activity.id, { id: activity.id, actor: String(activity.actor), object: activity.object, state: "requested" });
  }
  return signAsMastodon({ method: input.method, url: input.url, body, keyId, privateKey, variant: input.variant, date: new Date() });
}

// Accept/Reject of a follow: matched on the follow request's uri with the signer as its target
// (app/lib/activitypub/activity/accept.rb, reject.rb).
function answerFollowRequest(activity: Record<string, unknown>, signer: string): void {
  if (activity.type !== "Accept" && activity.type !== "Reject") return;
  const request = followRequests.get(objectId(activity.object) ?? "");
  if (request && request.object === signer) request.state = activity.type === "Accept" ? "accepted" : "rejected";
}

async function receive(request: Request, path: string): Promise<Response> {
  const body = await request.text();
  let activity: Record<string, unknown>;
  try {
    activity = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return json({ error: "Error parsing JSON" }, 400);
  }
  const verdict = verifyAsMastodon(request, body, (keyId) => trusted.get(keyId) ?? null);
  if (!verdict.ok) {
    received.push({ path, activity, verified: false, reason: verdict.reason });
    return json({ error: verdict.reason }, 401);
  }
  // Mastodon answers 202 and then drops an activity whose actor is not the signer.
  const actorMismatch = activity.actor === verdict.owner ? null : `actor ${String(activity.actor)} is not the signer ${verdict.owner}`;
  received.push({ path, activity, verified: actorMismatch === null, reason: actorMismatch });
  if (!actorMismatch && inboxStatus < 300) answerFollowRequest(activity, verdict.owner);
  return new Response("", { status: inboxStatus });
}

/** Null when the GET may be served; under authorized fetch, a 401 unless Mastodon accepts its signature. */
function refuseUnsignedFetch(request: Request, path: string): Response | null {
  if (!authorizedFetch) return null;
  const verdict = verifyAsMastodon(request, "", (keyId) => trusted.get(keyId) ?? null);
  fetches.push(
    verdict.ok
      ? { path, verified: true, reason: null, keyId: verdict.keyId, signedHeaders: verdict.signedHeaders }
      : { path, verified: false, reason: verdict.reason, keyId: null, signedHeaders: [] },
  );
  return verdict.ok ? null : json({ error: verdict.reason }, 401);
}

/**
 * An attacker's signer: a real signature by the account's key over only `headers` (draft-cavage
 * names), or over RFC 9421 `components`, with an optional keyId claiming another key. Used to
 * show what Roost refuses; Mastodon itself never signs this way.
 */
function signWeak(input: { url: string; body: string; actor: string; headers?: string[]; components?: string[]; keyId?: string }) {
  const url = new URL(input.url);
  const keyId = input.keyId ?? `${accountUri(input.actor)}#main-key`;
  const values: Record<string, string> = {
    host: url.host,
    date: new Date().toUTCString(),
    digest: `SHA-256=${createHash("sha256").update(input.body).digest("base64")}`,
    "content-type": "application/activity+json",
    "(request-target)": `post ${url.pathname}${url.search}`,
  };
  const out: Record<string, string> = { Host: values.host!, Date: values.date!, Digest: values.digest!, "Content-Type": values["content-type"]! };
  if (input.components) {
    out["Content-Digest"] = `sha-256=:${createHash("sha256").update(input.body).digest("base64")}:`;
    const component: Record<string, string> = {
      "@method": "POST",
      "@target-uri": url.href,
      "@authority": url.host,
      "@path": url.pathname,
      "content-digest": out["Content-Digest"],
    };
    const params = `(${input.components.map((c) => `"${c}"`).join(" ")});created=${Math.floor(Date.now() / 1000)};keyid="${keyId}"`;
    const lines = [...input.components.map((c) => `"${c}": ${component[c]}`), `"@signature-params": ${params}`];
    out["Signature-Input"] = `sig1=${params}`;
    out.Signature = `sig1=:${createSign("RSA-SHA256").update(lines.join("\n")).sign(accountKeys.privateKey, "base64")}:`;
    return out;
  }
  const names = input.headers ?? ["(request-target)", "host", "date", "digest"];
  const lines = names.map((name) => `${name}: ${values[name]}`);
  const signature = createSign("RSA-SHA256").update(lines.join("\n")).sign(accountKeys.privateKey, "base64");
  out.Signature = `keyId="${keyId}",algorithm="rsa-sha256",headers="${names.join(" ")}",signature="${signature}"`;
  return out;
}

async function control(request: Request, path: string): Promise<Response> {
  const input = request.method === "POST" ? ((await request.json()) as Record<string, unknown>) : {};
  switch (path) {
    case "/__control/sign":
      return json({ headers: sign(input as unknown as SignRequest) });
    case "/__control/sign-weak":
      return json({ headers: signWeak(input as unknown as Parameters<typeof signWeak>[0]) });
    case "/__control/trust": {
      const keyId = String(input.keyId);
      trusted.set(keyId, { owner: keyId.replace(/#.*$/, ""), publicKeyPem: String(input.publicKeyPem) });
      return json({ ok: true });
    }
    case "/__control/followers":
      followerLists.set(String(input.account), (input.followers as string[]) ?? []);
      followersPerPage = typeof input.perPage === "number" ? input.perPage : 12;
      return json({ ok: true });
    case "/__control/document":
      documents.set(String(input.path), input.document);
      return json({ ok: true });
    case "/__control/document-hits":
      return json({ hits: documentHits.get(String(input.path)) ?? 0 });
    case "/__control/inbox-status":
      inboxStatus = Number(input.status);
      return json({ ok: true });
    case "/__control/authorized-fetch":
      authorizedFetch = input.enabled === true;
      return json({ ok: true });
    case "/__control/reset":
      received.length = 0;
      fetches.length = 0;
      inboxStatus = 202;
      authorizedFetch = false;
      return json({ ok: true });
    case "/__control/received":
      return json(received);
    case "/__control/follows":
      return json([...followRequests.values()]);
    case "/__control/fetches":
      return json(fetches);
    default:
      return json({ error: `no control endpoint ${path}` }, 404);
  }
}

/** The peer's HTTP face; network.ts routes mastodon.test here. */
export async function handleMastodonPeer(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path.startsWith("/__control/")) return control(request, path);
  if (request.method === "POST" && (path === "/inbox" || /^\/users\/[a-z0-9_]+\/inbox$/.test(path))) return receive(request, path);
  if (request.method !== "GET") return json({ error: "not found" }, 404);
  if (path === "/.well-known/webfinger") {
    const name = /^acct:([a-z0-9_]+)@mastodon\.test$/.exec(new URL(request.url).searchParams.get("resource") ?? "")?.[1];
    return name ? json(webfinger(name), 200, "application/jrd+json") : json({ error: "not found" }, 404);
  }
  // The instance actor is served unsigned even under authorized fetch: it is how others get its key.
  if (path === "/actor") return json(instanceActor(instanceKeys.publicKeyPem), 200, "application/activity+json");
  if (documents.has(path)) {
    documentHits.set(path, (documentHits.get(path) ?? 0) + 1);
    return json(documents.get(path), 200, "application/activity+json");
  }
  const followersOf = /^\/users\/([a-z0-9_]+)\/followers$/.exec(path)?.[1];
  if (followersOf) return followersCollection(followersOf, new URL(request.url).searchParams.get("page"));
  const note = /^\/users\/([a-z0-9_]+)\/statuses\/(\d+)$/.exec(path);
  const user = /^\/users\/([a-z0-9_]+)$/.exec(path);
  if (!note && !user) return json({ error: "not found" }, 404);
  const refusal = refuseUnsignedFetch(request, path);
  if (refusal) return refusal;
  if (note) return json(status(note[1]!, note[2]!), 200, "application/activity+json");
  if (user![1] === "gone") return new Response("", { status: 410 });
  return json(account(user![1]!, accountKeys.publicKeyPem), 200, "application/activity+json");
}
