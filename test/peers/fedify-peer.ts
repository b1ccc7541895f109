// A real Fedify 2.3 server at https://fedify.test: its actor, keys, signing, inbox and lookups are
// Fedify's own code, so what it accepts from us is what a Fedify-based server (Hollo, Ghost's
// ActivityPub, BotKit...) would accept.
//
// The peer runs in Node and cannot reach the Worker, so it is offline: the workerd test fetches our
// documents from the Worker and pushes them here (`/__control/documents`), and Fedify's document
// loader and WebFinger client read them from that map. Every JSON-LD context our actor uses
// (activitystreams, security/v1, data-integrity/v1, did/v1, multikey/v1) is in Fedify's preloaded
// set, so no context is served from anywhere else.
import {
  createFederation,
  generateCryptoKeyPair,
  type HttpMessageSignaturesSpec,
  MemoryKvStore,
  signRequest,
  verifyObject,
  verifyRequestDetailed,
} from "@fedify/fedify";
import { FetchError, preloadedContexts, type RemoteDocument } from "@fedify/fedify/runtime";
import { Accept, Activity, Collection, Create, CryptographicKey, Document, Emoji, Endpoints, Follow, getTypeId, Image, Like, Link, lookupObject, Mention, Note, Person, PropertyValue, PUBLIC_COLLECTION, Question } from "@fedify/fedify/vocab";
import { Object as Object$ } from "@fedify/fedify/vocab";
import { lookupWebFinger } from "@fedify/webfinger";
import type { FedifyReceived as Received } from "./reports.ts";

const HOST = "fedify.test";
const ORIGIN = `https://${HOST}`;
/** The account that follows us and signs what the peer sends. */
const USERNAME = "peer";
/** A second account, so a test can make our node fetch an actor it has not cached yet. */
const ACCOUNTS = new Set([USERNAME, "locked", "mover"]);
/** alsoKnownAs of each account, set by a test (`/__control/aliases`): a move to "mover" needs it to list us. */
const aliases = new Map<string, string[]>();

/** Documents pushed by the test, keyed by normalized URL (no fragment, sorted query). */
const documents = new Map<string, unknown>();

function documentKey(url: string): string {
  const parsed = new URL(url);
  parsed.hash = "";
  parsed.searchParams.sort();
  return parsed.href;
}

async function offlineLoader(url: string): Promise<RemoteDocument> {
  if (url in preloadedContexts) return { contextUrl: null, documentUrl: url, document: preloadedContexts[url] };
  const document = documents.get(documentKey(url));
  if (document === undefined) throw new FetchError(url, `offline: ${url} was not pushed to the Fedify peer`);
  return { contextUrl: null, documentUrl: url, document };
}

const loaders = { documentLoader: offlineLoader, contextLoader: offlineLoader };

// Fedify's WebFinger client calls the global fetch and has no loader option; for the duration of one
// lookup, pushed URLs are answered from the map and everything else goes to the real fetch.
async function withPushedDocumentsOnFetch<T>(run: () => Promise<T>): Promise<T> {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const document = documents.get(documentKey(url));
    if (document === undefined) return realFetch(input, init);
    return new Response(JSON.stringify(document), { headers: { "Content-Type": "application/jrd+json" } });
  };
  try {
    return await run();
  } finally {
    globalThis.fetch = realFetch;
  }
}

/** Like Mastodon's AUTHORIZED_FETCH: actors are served only to GETs whose signature Fedify verifies. */
let authorizedFetch = false;
/** Fedify's verdict on each actor GET while authorized fetch is on: the verified key and its owner. */
const signedFetches: { identifier: string; keyId: string | null; owner: string | null }[] = [];

const keyPairs = Promise.all([generateCryptoKeyPair("RSASSA-PKCS1-v1_5"), generateCryptoKeyPair("Ed25519")]);

const federation = createFederation<void>({
  kv: new MemoryKvStore(),
  documentLoaderFactory: () => offlineLoader,
  contextLoaderFactory: () => offlineLoader,
  // The inbox fetches senders' keys with a GET signed as the recipient; offline, the map answers.
  authenticatedDocumentLoaderFactory: () => offlineLoader,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (!ACCOUNTS.has(identifier)) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `Fedify ${identifier}`,
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0]!.cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
      aliases: (aliases.get(identifier) ?? []).map((a) => new URL(a)),
    });
  })
  .setKeyPairsDispatcher(() => keyPairs)
  .authorize(async (ctx, identifier) => {
    if (!authorizedFetch) return true;
    const key = await ctx.getSignedKey();
    const owner = key ? await ctx.getSignedKeyOwner() : null;
    signedFetches.push({ identifier, keyId: key?.id?.href ?? null, owner: owner?.id?.href ?? null });
    return owner !== null;
  });

/** Ids of activities whose Fedify inbox listener ran (Fedify calls listeners only for verified activities). */
const heardByListener = new Set<string>();

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Activity, async (_ctx, activity) => {
    if (activity.id) heardByListener.add(activity.id.href);
  })
  .onUnverifiedActivity((_ctx, _activity, reason) => new Response(JSON.stringify(reason), { status: 401 }));


const received: Received[] = [];
/** When set, the inbox answers 401 to draft-cavage signatures, as a server that only speaks RFC 9421 would. */
let rfc9421Only = false;
/** When set, the inbox answers 503, as a server that is down would (what arrives is still recorded). */
let down = false;

async function embeddedObjectType(parsed: Activity, raw: Record<string, unknown>): Promise<string | null> {
  if (typeof raw.object !== "object" || raw.object === null) return null;
  // By default Fedify refetches an embedded object whose id is on another origin (our Accept embeds
  // the peer's own Follow); the question here is only what class the embedded JSON parses as.
  const object = await parsed.getObject({ ...loaders, crossOrigin: "trust" });
  return object ? (object.constructor as unknown as { typeId: URL }).typeId.href : null;
}

async function attachmentsOf(parsed: Activity, raw: Record<string, unknown>): Promise<Received["attachments"]> {
  if (typeof raw.object !== "object" || raw.object === null) return [];
  const object = await parsed.getObject({ ...loaders, crossOrigin: "trust" });
  if (!(object instanceof Note)) return [];
  const found: Received["attachments"] = [];
  for await (const item of object.getAttachments(loaders)) {
    if (!(item instanceof Document)) continue;
    const url = item.url instanceof Link ? (item.url.href?.href ?? null) : (item.url?.href ?? null);
    found.push({ url, mediaType: item.mediaType, name: item.name?.toString() ?? null, width: item.width, height: item.height });
  }
  return found;
}

async function questionOf(parsed: Activity, raw: Record<string, unknown>): Promise<Received["question"]> {
  if (typeof raw.object !== "object" || raw.object === null) return null;
  const object = await parsed.getObject({ ...loaders, crossOrigin: "trust" });
  if (!(object instanceof Question)) return null;
  const read = async (options: AsyncIterable<unknown>) => {
    const out: { name: string | null; count: number | null }[] = [];
    for await (const o of options) {
      if (!(o instanceof Note)) continue;
      const replies = await o.getReplies(loaders);
      out.push({ name: o.name?.toString() ?? null, count: replies instanceof Collection ? replies.totalItems : null });
    }
    return out;
  };
  return {
    exclusive: await read(object.getExclusiveOptions(loaders)),
    inclusive: await read(object.getInclusiveOptions(loaders)),
    endTime: object.endTime?.toString() ?? null,
    closed: object.closed !== null && object.closed !== false,
    voters: object.voters,
  };
}

function describeFailure(reason: { type: string; keyId?: URL; result?: unknown }): string {
  return reason.keyId ? `${reason.type} (${reason.keyId.href})` : reason.type;
}

async function receive(request: Request, path: string): Promise<Response> {
  const activity = (await request.clone().json()) as Record<string, unknown>;
  const signature = await verifyRequestDetailed(request.clone(), loaders);
  const hasProof = activity.proof !== undefined;
  const proven = hasProof ? await verifyObject(Activity, activity, loaders) : null;
  const spec: HttpMessageSignaturesSpec = request.headers.has("signature-input") ? "rfc9421" : "draft-cavage-http-signatures-12";
  const response = down
    ? new Response("down for maintenance", { status: 503 })
    : rfc9421Only && spec !== "rfc9421"
      ? new Response("this inbox only accepts RFC 9421 signatures", { status: 401 })
      : await federation.fetch(request, { contextData: undefined });
  const parsed = await Activity.fromJsonLd(activity, loaders);
  received.push({
    path,
    type: typeof activity.type === "string" ? activity.type : "?",
    id: parsed.id?.href ?? null,
    objectId: parsed.objectId?.href ?? null,
    objectType: await embeddedObjectType(parsed, activity),
    attachments: await attachmentsOf(parsed, activity),
    question: await questionOf(parsed, activity),
    activity,
    httpSignature: signature.verified
      ? { verified: true, keyId: signature.key.id?.href ?? "", owner: signature.key.ownerId?.href ?? null }
      : { verified: false, reason: describeFailure(signature.reason) },
    spec,
    proof: !hasProof ? "absent" : proven ? "verified" : "invalid",
    inboxStatus: response.status,
    inboxAnswer: await response.clone().text(),
    listenerRan: parsed.id ? heardByListener.has(parsed.id.href) : false,
  });
  return response;
}

/** What Fedify made of a remote actor: the fields a Fedify server relies on. */
async function resolveWithFedify(handle: string) {
  const jrd = await withPushedDocumentsOnFetch(() => lookupWebFinger(`acct:${handle}`, { allowPrivateAddress: true }));
  const actor = await withPushedDocumentsOnFetch(() =>
    lookupObject(handle, { ...loaders, allowPrivateAddress: true } as Parameters<typeof lookupObject>[1]),
  );
  if (!(actor instanceof Person)) return { jrd, actor: actor ? { type: actor.constructor.name } : null };
  const publicKey = await actor.getPublicKey(loaders);
  const assertionMethods: { id: string | null; controller: string | null; algorithm: string }[] = [];
  for await (const key of actor.getAssertionMethods(loaders)) {
    assertionMethods.push({ id: key.id?.href ?? null, controller: key.controllerId?.href ?? null, algorithm: key.publicKey?.algorithm.name ?? "none" });
  }
  const attachments: { type: string; name: string | null; value: string | null }[] = [];
  for await (const item of actor.getAttachments(loaders)) {
    attachments.push(
      item instanceof PropertyValue
        ? { type: "PropertyValue", name: item.name?.toString() ?? null, value: item.value?.toString() ?? null }
        : { type: item.constructor.name, name: null, value: null },
    );
  }
  return {
    jrd,
    actor: {
      type: "Person",
      id: actor.id?.href ?? null,
      preferredUsername: actor.preferredUsername?.toString() ?? null,
      name: actor.name?.toString() ?? null,
      inbox: actor.inboxId?.href ?? null,
      sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
      followers: actor.followersId?.href ?? null,
      manuallyApprovesFollowers: actor.manuallyApprovesFollowers,
      discoverable: actor.discoverable,
      indexable: actor.indexable,
      featured: actor.featuredId?.href ?? null,
      alsoKnownAs: actor.aliasIds.map((u) => u.href),
      url: actor.url instanceof URL ? actor.url.href : (actor.url?.href?.href ?? null),
      published: actor.published?.toString() ?? null,
      summary: actor.summary?.toString() ?? null,
      attachments,
      publicKey: publicKey instanceof CryptographicKey
        ? { id: publicKey.id?.href ?? null, owner: publicKey.ownerId?.href ?? null, algorithm: publicKey.publicKey?.algorithm.name ?? "none" }
        : null,
      assertionMethods,
    },
  };
}

const peerContext = () => federation.createContext(new URL(ORIGIN), undefined);

/** An activity serialized by Fedify and signed with Fedify's signRequest, ready to POST to `inbox`. */
async function signedActivity(activity: Activity, inbox: string, spec: HttpMessageSignaturesSpec) {
  const [key] = await peerContext().getActorKeyPairs(USERNAME);
  const body = JSON.stringify(await activity.toJsonLd({ contextLoader: offlineLoader }));
  const unsigned = new Request(inbox, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body });
  const signed = await signRequest(unsigned, key!.privateKey, key!.keyId, { spec });
  return { id: activity.id!.href, url: signed.url, method: signed.method, headers: Object.fromEntries(signed.headers), body };
}

function signedFollow(object: string, inbox: string, spec: HttpMessageSignaturesSpec) {
  const id = new URL(`${ORIGIN}/follows/${crypto.randomUUID()}`);
  return signedActivity(new Follow({ id, actor: peerContext().getActorUri(USERNAME), object: new URL(object) }), inbox, spec);
}

/** Fedify's Accept of a Follow it received (the Follow as it arrived, parsed by Fedify and embedded). */
async function signedAccept(follow: Record<string, unknown>, inbox: string, spec: HttpMessageSignaturesSpec) {
  const id = new URL(`${ORIGIN}/accepts/${crypto.randomUUID()}`);
  const object = await Follow.fromJsonLd(follow, loaders);
  return signedActivity(new Accept({ id, actor: peerContext().getActorUri(USERNAME), object }), inbox, spec);
}

/** A public Note by the peer, built and signed by Fedify; `mention` tags and addresses an actor, `inReplyTo` makes it a reply. */
function signedNote(inbox: string, content: string, options: { inReplyTo?: string; mention?: string }) {
  const actor = peerContext().getActorUri(USERNAME);
  const noteId = new URL(`${ORIGIN}/notes/${crypto.randomUUID()}`);
  const followers = new URL(`${actor.href}/followers`);
  const cc = options.mention ? [followers, new URL(options.mention)] : [followers];
  const note = new Note({
    id: noteId,
    attribution: actor,
    content,
    to: PUBLIC_COLLECTION,
    ccs: cc,
    replyTarget: options.inReplyTo ? new URL(options.inReplyTo) : null,
    tags: options.mention ? [new Mention({ href: new URL(options.mention), name: "@me@roost.test" })] : [],
  });
  const create = new Create({ id: new URL(`${noteId.href}/activity`), actor, object: note, to: PUBLIC_COLLECTION, ccs: cc });
  return signedActivity(create, inbox, "draft-cavage-http-signatures-12");
}

function signedLike(object: string, inbox: string) {
  const id = new URL(`${ORIGIN}/likes/${crypto.randomUUID()}`);
  return signedActivity(new Like({ id, actor: peerContext().getActorUri(USERNAME), object: new URL(object) }), inbox, "draft-cavage-http-signatures-12");
}

/** What Fedify makes of a Note's `replies`: the collection's count and the first page's item ids (pushed documents only). */
async function repliesWithFedify(noteUrl: string) {
  const note = await lookupObject(noteUrl, { ...loaders, allowPrivateAddress: true } as Parameters<typeof lookupObject>[1]);
  if (!(note instanceof Note)) return { note: note ? note.constructor.name : null };
  const replies = await note.getReplies(loaders);
  const first = await replies?.getFirst(loaders);
  return {
    note: "Note",
    context: note.contextIds.map((u) => u.href),
    replies: replies ? { id: replies.id?.href ?? null, totalItems: replies.totalItems, first: first ? { id: first.id?.href ?? null, items: first.itemIds.map((u) => u.href), next: first.nextId?.href ?? null } : null } : null,
  };
}

/** What Fedify's vocabulary makes of a document (an EmojiReact, a Note, an actor): its class, content and Emoji tags. */
async function emojiView(document: Record<string, unknown>) {
  const object = await Object$.fromJsonLd(document, loaders);
  const emojis: { id: string | null; name: string | null; url: string | null; mediaType: string | null }[] = [];
  for await (const tag of object.getTags(loaders)) {
    if (!(tag instanceof Emoji)) continue;
    const icon = await tag.getIcon(loaders);
    const url = icon instanceof Image ? (icon.url instanceof Link ? (icon.url.href?.href ?? null) : (icon.url?.href ?? null)) : null;
    emojis.push({ id: tag.id?.href ?? null, name: tag.name?.toString() ?? null, url, mediaType: icon?.mediaType ?? null });
  }
  const objectId = object instanceof Activity ? (object.objectId?.href ?? null) : null;
  return { type: getTypeId(object).href, content: object.content?.toString() ?? null, name: object.name?.toString() ?? null, objectId, emojis };
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

// Miniflare hands the outbound request over as its own undici Request class, and Fedify tells a
// Request from a URL with `instanceof Request` (a URL loses its query: WebFinger's `resource`).
async function asGlobalRequest(request: Pick<Request, "url" | "method" | "headers" | "arrayBuffer">): Promise<Request> {
  if (request instanceof Request) return request;
  const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
  return new Request(request.url, { method: request.method, headers: request.headers, body });
}

/** The peer's HTTP face; network.ts routes fedify.test here. */
export async function handleFedifyPeer(incoming: Request): Promise<Response> {
  const request = await asGlobalRequest(incoming);
  const url = new URL(request.url);
  if (url.pathname === "/__control/documents" && request.method === "POST") {
    for (const [at, document] of Object.entries((await request.json()) as Record<string, unknown>)) documents.set(documentKey(at), document);
    return json({ ok: true });
  }
  if (url.pathname === "/__control/resolve" && request.method === "POST") {
    const { handle } = (await request.json()) as { handle: string };
    return json(await resolveWithFedify(handle));
  }
  if (url.pathname === "/__control/follow" && request.method === "POST") {
    const { object, inbox, spec } = (await request.json()) as { object: string; inbox: string; spec: HttpMessageSignaturesSpec };
    return json(await signedFollow(object, inbox, spec));
  }
  if (url.pathname === "/__control/accept" && request.method === "POST") {
    const { follow, inbox, spec } = (await request.json()) as { follow: Record<string, unknown>; inbox: string; spec: HttpMessageSignaturesSpec };
    return json(await signedAccept(follow, inbox, spec));
  }
  if (url.pathname === "/__control/note" && request.method === "POST") {
    const { inbox, content, inReplyTo, mention } = (await request.json()) as { inbox: string; content: string; inReplyTo?: string; mention?: string };
    return json(await signedNote(inbox, content, { inReplyTo, mention }));
  }
  if (url.pathname === "/__control/like" && request.method === "POST") {
    const { object, inbox } = (await request.json()) as { object: string; inbox: string };
    return json(await signedLike(object, inbox));
  }
  if (url.pathname === "/__control/aliases" && request.method === "POST") {
    const { identifier, aliases: list } = (await request.json()) as { identifier: string; aliases: string[] };
    aliases.set(identifier, list);
    return json({ ok: true });
  }
  if (url.pathname === "/__control/replies" && request.method === "POST") {
    const { note } = (await request.json()) as { note: string };
    return json(await repliesWithFedify(note));
  }
  if (url.pathname === "/__control/emoji-view" && request.method === "POST") {
    const { document } = (await request.json()) as { document: Record<string, unknown> };
    return json(await emojiView(document));
  }
  if (url.pathname === "/__control/rfc9421-only" && request.method === "POST") {
    rfc9421Only = ((await request.json()) as { enabled: boolean }).enabled;
    return json({ ok: true });
  }
  if (url.pathname === "/__control/down" && request.method === "POST") {
    down = ((await request.json()) as { enabled: boolean }).enabled;
    return json({ ok: true });
  }
  if (url.pathname === "/__control/authorized-fetch" && request.method === "POST") {
    authorizedFetch = ((await request.json()) as { enabled: boolean }).enabled;
    return json({ ok: true });
  }
  if (url.pathname === "/__control/signed-fetches") return json(signedFetches);
  if (url.pathname === "/__control/received") return json(received);
  if (request.method === "POST" && (url.pathname === "/inbox" || /^\/users\/[^/]+\/inbox$/.test(url.pathname))) {
    return receive(request, url.pathname);
  }
  return federation.fetch(request, { contextData: undefined });
}
