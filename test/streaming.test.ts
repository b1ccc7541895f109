// The streaming API as apps use it: a WebSocket upgrade with the token as the subprotocol (echoed),
// Mastodon's subscribe/unsubscribe messages and frames, events from the owner's posts and from a
// followed account's post arriving through the inbox, notifications, deletes, server-sent events
// on the channel paths, and a revoked token's socket closed. One hub Durable Object holds them all.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../src/runtime/services.ts";
import { api, authorize, exchange, json, registerApp, signIn } from "./client-support.ts";
import { deliverFromMastodon, MASTODON, ORIGIN, postStatus, waitFor, worker } from "./helpers.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

interface Frame {
  stream?: string[];
  event?: string;
  payload?: string;
  error?: string;
  status?: number;
}

interface Socket {
  ws: WebSocket;
  frames: Frame[];
  closed: Promise<CloseEvent>;
  send(message: Record<string, unknown>): void;
  /** The first frame (received so far or later) that `match` accepts. */
  next(match: (f: Frame) => boolean): Promise<Frame>;
}

function upgrade(query: string, headers: Record<string, string>): Promise<Response> {
  return worker(`/api/v1/streaming${query}`, { headers: { Upgrade: "websocket", ...headers } });
}

async function connect(token: string, query = ""): Promise<Socket & { response: Response }> {
  const response = await upgrade(query, { "Sec-WebSocket-Protocol": token });
  expect(response.status).toBe(101);
  const ws = response.webSocket!;
  ws.accept();
  const frames: Frame[] = [];
  ws.addEventListener("message", (e) => {
    frames.push(JSON.parse(String(e.data)) as Frame);
  });
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  return {
    ws,
    response,
    frames,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    next: (match) => waitFor(async () => frames.find(match)),
  };
}

/** The streams the hub last wrote as listened to (the row publishers read before calling it). */
async function listening(): Promise<string[]> {
  const row = await env.DB.prepare("SELECT streams, sockets FROM stream_listeners WHERE id = 1").first<{ streams: string; sockets: number }>();
  return row && row.sockets > 0 ? (JSON.parse(row.streams) as string[]) : [];
}

const status = (f: Frame) => JSON.parse(f.payload!) as Record<string, any>;

let token: string;

beforeAll(async () => {
  token = await signIn("read write follow");
  // bob on mastodon.test is followed (accepted) directly in D1: his posts belong in home.
  await env.DB.prepare("INSERT OR REPLACE INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')")
    .bind(`${MASTODON}/users/bob`, `${MASTODON}/users/bob/inbox`, `${ORIGIN}/activities/f-bob-stream`)
    .run();
});

let notes = 0;
/** A signed Create from bob; resolves once the inbox accepted it. */
async function fromBob(text: string, extra: Record<string, unknown> = {}) {
  const note = { id: `${MASTODON}/users/bob/statuses/stream-${++notes}-${crypto.randomUUID()}`, type: "Note", attributedTo: `${MASTODON}/users/bob`, content: `<p>${text}</p>`, to: [PUBLIC], cc: [`${MASTODON}/users/bob/followers`], published: new Date().toISOString(), ...extra };
  const res = await deliverFromMastodon({ "@context": "https://www.w3.org/ns/activitystreams", id: `${note.id}/activity`, type: "Create", actor: note.attributedTo, to: note.to, cc: note.cc, object: note }, { actor: "bob" });
  expect(res.status).toBe(202);
  return note;
}

describe("the upgrade", () => {
  it("answers 101 echoing the subprotocol token; refuses a bad, missing or app-only token with 401 before upgrading; health is OK", async () => {
    const socket = await connect(token);
    expect(socket.response.headers.get("Sec-WebSocket-Protocol")).toBe(token);
    socket.ws.close();

    // The token in the query (megalodon) works too, with no subprotocol to echo; so does the trailing slash.
    const viaQuery = await upgrade(`/?access_token=${token}&stream=user`, {});
    expect(viaQuery.status).toBe(101);
    expect(viaQuery.headers.get("Sec-WebSocket-Protocol")).toBeNull();
    viaQuery.webSocket!.accept();
    viaQuery.webSocket!.close();

    for (const headers of [{ "Sec-WebSocket-Protocol": "not-a-token" }, {}, { Authorization: "Bearer nope" }] as Record<string, string>[]) {
      const refused = await upgrade("", headers);
      expect(refused.status, JSON.stringify(headers)).toBe(401);
      expect(refused.webSocket).toBeNull();
      expect(await json(refused)).toHaveProperty("error");
    }
    const app = await registerApp("read");
    const appToken = (await json(worker("/oauth/token", { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read" }) }))).access_token as string;
    expect((await upgrade("", { "Sec-WebSocket-Protocol": appToken })).status).toBe(401);

    for (const headers of [{}, { Authorization: "Bearer nope" }] as Record<string, string>[]) {
      const health = await worker("/api/v1/streaming/health", { headers });
      expect(health.status, JSON.stringify(headers)).toBe(200);
      expect(await health.text()).toBe("OK");
    }
    const v2 = await json(worker("/api/v2/instance"));
    expect(v2.configuration.urls.streaming).toBe("wss://roost.test");
    expect((await json(worker("/api/v1/instance"))).urls.streaming_api).toBe("wss://roost.test");
  });
});

describe("the user stream", () => {
  it("sends update for the owner's post and a followed account's, notification for a mention, status.update, delete; unsubscribe stops them", async () => {
    const socket = await connect(token);
    socket.send({ type: "subscribe", stream: "user" });
    await waitFor(async () => (await listening()).includes("user"));

    const mine = await postStatus({ status: "streamed from the owner" });
    const update = await socket.next((f) => f.event === "update" && status(f).id === mine.id);
    expect(update.stream).toEqual(["user"]);
    expect(typeof update.payload).toBe("string");
    expect(status(update)).toMatchObject({ id: mine.id, content: mine.status.content, account: { id: "1" }, visibility: "public" });

    const note = await fromBob("bob streams");
    const bobs = status(await socket.next((f) => f.event === "update" && status(f).uri === note.id));
    expect(bobs).toMatchObject({ content: "<p>bob streams</p>", account: { acct: "bob@mastodon.test" } });

    const mention = await fromBob("hi @me", { tag: [{ type: "Mention", href: `${ORIGIN}/users/me`, name: "@me@roost.test" }], to: [PUBLIC, `${ORIGIN}/users/me`] });
    const notified = await socket.next((f) => f.event === "notification");
    expect(notified.stream).toEqual(["user"]);
    expect(JSON.parse(notified.payload!)).toMatchObject({ type: "mention", account: { acct: "bob@mastodon.test" }, status: { uri: mention.id } });

    expect((await api(token, `/api/v1/statuses/${mine.id}`, { method: "PUT", body: JSON.stringify({ status: "streamed, edited" }) })).status).toBe(200);
    expect(status(await socket.next((f) => f.event === "status.update"))).toMatchObject({ id: mine.id, content: "<p>streamed, edited</p>" });

    expect((await api(token, `/api/v1/statuses/${mine.id}`, { method: "DELETE" })).status).toBe(200);
    const deleted = await socket.next((f) => f.event === "delete");
    // Mastodon's delete payload is the bare id, not JSON of an object.
    expect(deleted).toEqual({ stream: ["user"], event: "delete", payload: mine.id });

    socket.send({ type: "unsubscribe", stream: "user" });
    await waitFor(async () => !(await listening()).includes("user"));
    const before = socket.frames.length;
    const quiet = await postStatus({ status: "nobody is listening" });
    // A second socket, still subscribed, shows the event went out: the first got nothing.
    const other = await connect(token, "?stream=user");
    await waitFor(async () => (await listening()).includes("user"));
    const later = await postStatus({ status: "only the other socket" });
    await other.next((f) => f.event === "update" && status(f).id === later.id);
    expect(socket.frames.slice(before)).toEqual([]);
    expect(other.frames.some((f) => f.payload?.includes(quiet.id))).toBe(false);
    socket.ws.close();
    other.ws.close();
    await waitFor(async () => (await listening()).length === 0);
  });

  it("applies the owner's filters as the home timeline does (hide leaves a status out, warn marks it) and says filters_changed", async () => {
    const socket = await connect(token, "?stream=user");
    await waitFor(async () => (await listening()).includes("user"));
    const filter = (title: string, action: string, keyword: string) =>
      api(token, "/api/v2/filters", { method: "POST", body: JSON.stringify({ title, context: ["home"], filter_action: action, keywords_attributes: [{ keyword }] }) });
    expect((await filter("no secrets", "hide", "secretword")).status).toBe(200);
    // Mastodon sends filters_changed without a payload.
    expect(await socket.next((f) => f.event === "filters_changed")).toEqual({ stream: ["user"], event: "filters_changed" });
    expect((await filter("careful", "warn", "spoilers")).status).toBe(200);

    const hidden = await fromBob("the secretword is out");
    const warned = await fromBob("spoilers ahead");
    const marked = status(await socket.next((f) => f.event === "update" && status(f).uri === warned.id));
    expect(marked.filtered).toMatchObject([{ filter: { title: "careful", filter_action: "warn" }, keyword_matches: ["spoilers"] }]);
    expect(socket.frames.some((f) => f.payload?.includes(hidden.id))).toBe(false);
    socket.ws.close();
    await waitFor(async () => (await listening()).length === 0);
  });

  it("answers subscription errors as Mastodon does, and streams public, hashtag and list timelines with their stream names", async () => {
    const socket = await connect(token);
    socket.send({ type: "subscribe", stream: "nonsense" });
    expect(await socket.next((f) => f.error !== undefined)).toEqual({ error: "Unknown stream type", status: 400 });
    socket.send({ type: "subscribe", stream: "hashtag" });
    expect(await socket.next((f) => f.error === "Missing tag name parameter")).toMatchObject({ status: 400 });
    socket.send({ type: "subscribe", stream: "list", list: "999" });
    expect(await socket.next((f) => f.error === "Not authorized to stream this list")).toMatchObject({ status: 401 });

    const list = await json(api(token, "/api/v1/lists", { method: "POST", body: JSON.stringify({ title: "bob only" }) }));
    const bobId = (await json(api(token, `/api/v1/accounts/lookup?acct=bob@mastodon.test`))).id as string;
    expect((await api(token, `/api/v1/lists/${list.id}/accounts`, { method: "POST", body: JSON.stringify({ account_ids: [bobId] }) })).status).toBe(200);
    socket.send({ type: "subscribe", stream: "public:local" });
    socket.send({ type: "subscribe", stream: "hashtag", tag: "Streams" });
    socket.send({ type: "subscribe", stream: "list", list: list.id });
    await waitFor(async () => (await listening()).includes(`list:${list.id}`) && (await listening()).includes("hashtag:streams"));

    const tagged = await postStatus({ status: "a #streams post" });
    const local = await socket.next((f) => f.stream?.[0] === "public:local" && status(f).id === tagged.id);
    expect(local.event).toBe("update");
    expect((await socket.next((f) => f.stream?.[0] === "hashtag" && status(f).id === tagged.id)).stream).toEqual(["hashtag", "Streams"]);
    const note = await fromBob("bob in a list");
    expect((await socket.next((f) => f.stream?.[0] === "list" && status(f).uri === note.id)).stream).toEqual(["list", list.id]);
    // Bob's post is remote: not on public:local; the owner's post is on no list.
    expect(socket.frames.some((f) => f.stream?.[0] === "public:local" && f.payload?.includes(note.id))).toBe(false);
    expect(socket.frames.some((f) => f.stream?.[0] === "list" && f.payload?.includes(tagged.id))).toBe(false);
    socket.ws.close();
    await waitFor(async () => (await listening()).length === 0);
  });
});

describe("the direct stream", () => {
  it("sends a conversation event whose payload is the Conversation when a direct message arrives", async () => {
    const socket = await connect(token);
    socket.send({ type: "subscribe", stream: "direct" });
    await waitFor(async () => (await listening()).includes("direct"));
    const dm = await fromBob("a secret for @me", { to: [`${ORIGIN}/users/me`], cc: [], tag: [{ type: "Mention", href: `${ORIGIN}/users/me`, name: "@me@roost.test" }] });
    const frame = await socket.next((f) => f.event === "conversation");
    expect(frame.stream).toEqual(["direct"]);
    const conversation = JSON.parse(frame.payload!) as Record<string, any>;
    expect(conversation.unread).toBe(true);
    expect(conversation.last_status.uri).toBe(dm.id);
    expect(conversation.accounts.map((a: { acct: string }) => a.acct)).toEqual(["bob@mastodon.test"]);
    // Public posts are not conversations: nothing else reached the direct stream.
    expect(socket.frames.filter((f) => f.event !== undefined).map((f) => f.event)).toEqual(["conversation"]);
    socket.ws.close();
    await waitFor(async () => (await listening()).length === 0);
  });
});

describe("tokens and server-sent events", () => {
  it("serves /api/v1/streaming/user as server-sent events, and closes the sockets of a revoked token", async () => {
    const app = await registerApp();
    const revocable = (await json(exchange(app, await authorize(app, { scope: "read write" })))).access_token as string;
    const res = await worker("/api/v1/streaming/user", { headers: { Authorization: `Bearer ${revocable}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/event-stream");
    const socket = await connect(revocable, "?stream=user:notification");
    await waitFor(async () => (await listening()).includes("user") && (await listening()).includes("user:notification"));

    const posted = await postStatus({ status: "for the event stream" });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += (await reader.read()).value ?? "";
    expect(text.startsWith(":)\n")).toBe(true);
    const [, name, data] = /event: (\S+)\ndata: (.+)\n\n/.exec(text)!;
    expect(name).toBe("update");
    expect(JSON.parse(data!)).toMatchObject({ id: posted.id });

    expect((await worker("/api/v1/streaming/hashtag", { headers: { Authorization: `Bearer ${revocable}` } })).status).toBe(400);
    expect((await worker("/api/v1/streaming/nowhere", { headers: { Authorization: `Bearer ${revocable}` } })).status).toBe(400);

    const revoke = await worker("/oauth/revoke", { method: "POST", body: new URLSearchParams({ client_id: app.client_id, client_secret: app.client_secret, token: revocable }) });
    expect(revoke.status).toBe(200);
    await socket.closed;
    // The event stream ends with its hub socket.
    while (!(await reader.read()).done);
    await waitFor(async () => (await listening()).length === 0);
    expect((await upgrade("", { "Sec-WebSocket-Protocol": revocable })).status).toBe(401);
  });
});

describe("cost", () => {
  /** Durable Object requests the budget meter has recorded, this isolate's tally written first. */
  async function doRequests(): Promise<number> {
    await createServices(env).usage.flush();
    return (await env.DB.prepare("SELECT coalesce(sum(do_requests), 0) AS n FROM usage").first<{ n: number }>())!.n;
  }

  it("calls the hub only when an open socket could want the event", async () => {
    await waitFor(async () => (await listening()).length === 0);
    const { uri } = await postStatus({ status: "no one is streaming" });
    const idle = await doRequests();
    const s = createServices(env);
    await s.stream.publish({ event: "update", uri });
    await s.stream.publish({ event: "notification", notificationId: 1 });
    await s.stream.closeTokens([1, 2, 3]);
    await s.usage.flush();
    expect(await doRequests()).toBe(idle);

    // A socket on user:notification only: a notification goes to the hub, an update or filters_changed does not.
    const socket = await connect(token, "?stream=user:notification");
    await waitFor(async () => (await listening()).includes("user:notification"));
    const open = await doRequests();
    const t = createServices(env);
    await t.stream.publish({ event: "update", uri });
    await t.stream.publish({ event: "filters_changed" });
    await t.stream.publish({ event: "notification", notificationId: 1 });
    await t.usage.flush();
    expect(await doRequests()).toBe(open + 1);
    socket.ws.close();
    await waitFor(async () => (await listening()).length === 0);
  });
});
