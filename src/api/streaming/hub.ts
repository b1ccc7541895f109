// The owner's stream hub: every streaming socket, accepted with the WebSocket Hibernation API so
// an idle socket costs nothing, and every event, sent to the sockets subscribed to a stream that
// shows it. The Durable Object class (src/runtime/stream-hub.ts) is wiring; this is its logic.
// What a socket holds — its token id, scopes and subscriptions — lives in its attachment, which
// survives hibernation. Frames are Mastodon's: {"stream": [...], "event": "...", "payload": "<JSON text>"}.
import { and, eq, type SQL, sql } from "drizzle-orm";
import { directConversations, notifications, statuses } from "../../db/schema.ts";
import { type Listening, type StreamEvent, writeListening } from "../../delivery/stream.ts";
import { findList } from "../../domain/lists.ts";
import { allows } from "../../domain/oauth.ts";
import { mutedForNotifications } from "../../domain/push.ts";
import { withHashtag } from "../../domain/statuses.ts";
import type { Services } from "../../services.ts";
import { conversationEntities } from "../entities/conversation.ts";
import { type StatusEntity, statusEntity } from "../entities/status.ts";
import { notificationEntities } from "../v1/notifications.ts";
import { homeTimeline, listTimeline, publicTimeline } from "../v1/timelines.ts";
import { firstParam, resolveSubscription, type StreamParams, type Subscription } from "./channels.ts";

/** What the Worker tells the hub about an upgrade it authenticated (internal headers: the hub is reachable only through its binding). */
export const HUB_HEADERS = { tokenId: "X-Roost-Token-Id", scopes: "X-Roost-Scopes", protocol: "X-Roost-Protocol" } as const;

/** The parameters an upgrade passes on to the hub: the initial stream and its tag or list. */
export const STREAM_QUERY = ["stream", "tag", "list", "only_media"] as const;

/** A socket's attachment. `token` 0 is the owner token. */
export interface SocketState {
  token: number;
  scopes: string[];
  subs: Subscription[];
}

/** serializeAttachment keeps at most 2,048 bytes; a socket asking for more streams than fit is told so. */
const MAX_ATTACHMENT = 2000;

/** The part of DurableObjectState the hub uses. */
export interface HubState {
  acceptWebSocket(ws: WebSocket): void;
  getWebSockets(): WebSocket[];
}

interface Frame {
  event: string;
  payload?: string;
  /** On the user stream, only for tokens that may read notifications (Mastodon's channelsForUserStream). */
  notification?: boolean;
}

const stateOf = (ws: WebSocket): SocketState => (ws.deserializeAttachment() as SocketState | null) ?? { token: 0, scopes: [], subs: [] };

function send(ws: WebSocket, message: unknown): void {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // A socket closing as we send: its close handler tidies up.
  }
}

export class StreamHubCore {
  /** Sockets whose close is being handled: still listed by getWebSockets() until the handler returns. */
  private readonly closing = new WeakSet<WebSocket>();
  private writing: Promise<void> | null = null;
  private writeAgain = false;

  constructor(private readonly state: HubState) {}

  private sockets(): WebSocket[] {
    return this.state.getWebSockets().filter((ws) => !this.closing.has(ws) && ws.readyState !== WebSocket.CLOSING && ws.readyState !== WebSocket.CLOSED);
  }

  private listening(): Listening & { sockets: number } {
    const sockets = this.sockets();
    const states = sockets.map(stateOf);
    return {
      streams: [...new Set(states.flatMap((st) => st.subs.map((sub) => sub.key)))].sort(),
      tokens: [...new Set(states.map((st) => st.token))].sort((a, b) => a - b),
      sockets: sockets.length,
    };
  }

  /**
   * Writes what is open to `stream_listeners`, the row publishers read before calling the hub.
   * Writes are serialised and the last one always carries the state after every change.
   */
  private sync(s: Services): Promise<void> {
    if (this.writing) {
      this.writeAgain = true;
      return this.writing;
    }
    this.writing = (async () => {
      try {
        do {
          this.writeAgain = false;
          await writeListening(s.db, this.listening(), s.now()).catch((error) => s.log("stream.listeners_not_written", { error: String(error) }));
        } while (this.writeAgain);
      } finally {
        this.writing = null;
      }
    })();
    return this.writing;
  }

  /** The upgrade the Worker authenticated: accept for hibernation, apply `?stream=`, answer 101 echoing the subprotocol. */
  async open(s: Services, request: Request): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    this.state.acceptWebSocket(server);
    const scopes = (request.headers.get(HUB_HEADERS.scopes) ?? "").split(" ").filter(Boolean);
    server.serializeAttachment({ token: Number(request.headers.get(HUB_HEADERS.tokenId)) || 0, scopes, subs: [] } satisfies SocketState);
    const query = new URL(request.url).searchParams;
    const stream = query.get("stream");
    if (stream) await this.subscribe(s, server, stream, paramsOf(Object.fromEntries(query)));
    else await this.sync(s);
    s.log("stream.opened", { stream, sockets: this.sockets().length });
    const protocol = request.headers.get(HUB_HEADERS.protocol);
    return new Response(null, { status: 101, webSocket: client, headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : {} });
  }

  /** `{"type": "subscribe" | "unsubscribe", "stream": "...", "tag"?, "list"?}`; anything else is ignored, as Mastodon does. */
  async message(s: Services, ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (typeof data !== "string") {
      ws.close(1003, "binary messages are not supported");
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!message || typeof message !== "object" || Array.isArray(message)) return;
    const { type, stream, ...params } = message as Record<string, unknown>;
    if (type === "subscribe") await this.subscribe(s, ws, firstParam(stream), paramsOf(params));
    else if (type === "unsubscribe") await this.unsubscribe(s, ws, firstParam(stream), paramsOf(params));
  }

  private async subscribe(s: Services, ws: WebSocket, name: unknown, params: StreamParams): Promise<void> {
    const state = stateOf(ws);
    const resolved = await resolveSubscription(s, name, params, state.scopes);
    if (!resolved.ok) return send(ws, { error: resolved.error, status: resolved.status });
    if (state.subs.some((sub) => sub.key === resolved.subscription.key)) return;
    const next: SocketState = { ...state, subs: [...state.subs, resolved.subscription] };
    if (JSON.stringify(next).length > MAX_ATTACHMENT) return send(ws, { error: "Too many subscriptions on one connection", status: 400 });
    ws.serializeAttachment(next);
    await this.sync(s);
  }

  private async unsubscribe(s: Services, ws: WebSocket, name: unknown, params: StreamParams): Promise<void> {
    const state = stateOf(ws);
    const resolved = await resolveSubscription(s, name, params, state.scopes, { checkScope: false });
    if (!resolved.ok) return send(ws, { error: "Error unsubscribing from channel" });
    const subs = state.subs.filter((sub) => sub.key !== resolved.subscription.key);
    if (subs.length === state.subs.length) return;
    ws.serializeAttachment({ ...state, subs });
    await this.sync(s);
  }

  /** A socket closed (or failed): it no longer counts as listening. */
  async closed(s: Services, ws: WebSocket): Promise<void> {
    this.closing.add(ws);
    try {
      ws.close();
    } catch {
      // Already closed.
    }
    await this.sync(s);
  }

  /** Closes the sockets of revoked tokens (Mastodon's `kill` system event). */
  async closeTokens(s: Services, tokenIds: number[]): Promise<void> {
    for (const ws of this.sockets()) {
      if (!tokenIds.includes(stateOf(ws).token)) continue;
      this.closing.add(ws);
      ws.close(1000, "the access token was revoked");
    }
    s.log("stream.tokens_closed", { tokenIds });
    await this.sync(s);
  }

  /** Sends `event` to every subscription that shows it; returns the number of frames sent. */
  async publish(s: Services, event: StreamEvent): Promise<number> {
    const sockets = this.sockets();
    // The row said someone listens but no one does (the object was restarted): correct it.
    if (sockets.length === 0) {
      await this.sync(s);
      return 0;
    }
    const states = sockets.map((ws) => [ws, stateOf(ws)] as const);
    const keys = new Set(states.flatMap(([, st]) => st.subs.map((sub) => sub.key)));
    const frames = await framesFor(s, event, keys);
    let sent = 0;
    for (const [ws, st] of states) {
      for (const sub of st.subs) {
        const frame = frames.get(sub.key);
        if (!frame || (frame.notification && !allows(st.scopes, "read:notifications"))) continue;
        send(ws, { stream: sub.stream, event: frame.event, payload: frame.payload });
        sent++;
      }
    }
    return sent;
  }
}

function paramsOf(raw: Record<string, unknown>): StreamParams {
  const text = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
  return { tag: text(firstParam(raw.tag)), list: text(firstParam(raw.list)), only_media: text(firstParam(raw.only_media)) };
}

/** The frame each subscription key gets for `event` (absent: that stream does not show it). */
async function framesFor(s: Services, event: StreamEvent, keys: Set<string>): Promise<Map<string, Frame>> {
  const frames = new Map<string, Frame>();
  switch (event.event) {
    case "filters_changed":
      if (keys.has("user")) frames.set("user", { event: event.event });
      return frames;
    case "delete":
      // Every status stream: all sockets are the owner's, and apps drop ids they do not show.
      for (const key of keys) if (key !== "user:notification") frames.set(key, { event: event.event, payload: String(event.statusId) });
      return frames;
    case "notification": {
      const [row] = await s.db.select().from(notifications).where(eq(notifications.id, event.notificationId)).limit(1);
      if (!row || (await mutedForNotifications(s, row.actorId))) return frames;
      const [entity] = await notificationEntities(s, [row]);
      if (!entity) return frames;
      const payload = JSON.stringify(entity);
      if (keys.has("user")) frames.set("user", { event: event.event, payload, notification: true });
      if (keys.has("user:notification")) frames.set("user:notification", { event: event.event, payload });
      return frames;
    }
    case "conversation": {
      if (!keys.has("direct")) return frames;
      const [row] = await s.db.select().from(directConversations).where(eq(directConversations.id, event.conversationId)).limit(1);
      const [entity] = row ? await conversationEntities(s, [row]) : [];
      if (entity) frames.set("direct", { event: event.event, payload: JSON.stringify(entity) });
      return frames;
    }
    case "update":
    case "status.update":
      return statusFrames(s, event.event, event.uri, keys);
  }
}

/** Which timeline each key is, as SQL on `statuses` (the REST timelines' own), with the filter context its statuses are shown in. */
async function timelineOf(s: Services, key: string): Promise<{ where: SQL; context: "home" | "public"; media: boolean } | null> {
  const media = key.endsWith(":media");
  const base = media ? key.slice(0, -":media".length) : key;
  if (base === "user") return { where: homeTimeline(s), context: "home", media };
  if (base === "public" || base === "public:local" || base === "public:remote") {
    return { where: publicTimeline(base === "public" ? "all" : base === "public:local" ? "local" : "remote"), context: "public", media };
  }
  const tag = /^hashtag:(local:)?(.+)$/.exec(base);
  if (tag) {
    const tagged = withHashtag(s, tag[2]!);
    return tagged ? { where: publicTimeline(tag[1] ? "local" : "all", tagged), context: "public", media } : null;
  }
  const list = /^list:(\d+)$/.exec(base);
  if (list) {
    const found = await findList(s, Number(list[1]));
    return found ? { where: listTimeline(s, found), context: "home", media } : null;
  }
  // `direct` carries `conversation` events (framesFor), not timeline updates, as Mastodon's does.
  return null;
}

async function statusFrames(s: Services, event: "update" | "status.update", uri: string, keys: Set<string>): Promise<Map<string, Frame>> {
  const frames = new Map<string, Frame>();
  const [row] = await s.db.select().from(statuses).where(eq(statuses.uri, uri)).limit(1);
  if (!row) return frames;
  const timelines = (await Promise.all([...keys].map(async (key) => [key, await timelineOf(s, key)] as const))).filter((t): t is readonly [string, NonNullable<Awaited<ReturnType<typeof timelineOf>>>] => t[1] !== null);
  if (timelines.length === 0) return frames;
  // One statement answers, for every subscribed timeline, whether it shows this status.
  const shown = await s.db
    .select(Object.fromEntries(timelines.map(([, t], i) => [`t${i}`, sql<number>`CASE WHEN ${and(eq(statuses.id, row.id), t.where)} THEN 1 ELSE 0 END`])))
    .from(statuses)
    .where(eq(statuses.id, row.id))
    .limit(1);
  const flags = (shown[0] ?? {}) as Record<string, number>;
  // Built once per filter context any shown timeline needs; null: a `hide` filter of that context
  // covers it, as the REST timeline leaves it out.
  const built = new Map<"home" | "public", Promise<{ payload: string; media: boolean } | null>>();
  const entityIn = (context: "home" | "public") => {
    if (!built.has(context)) {
      built.set(
        context,
        statusEntity(s, row, { owner: true, context }).then((entity) => {
          if (!entity) return null;
          const shownStatus = (entity.reblog as StatusEntity | null) ?? entity;
          return { payload: JSON.stringify(entity), media: Array.isArray(shownStatus.media_attachments) && shownStatus.media_attachments.length > 0 };
        }),
      );
    }
    return built.get(context)!;
  };
  for (const [i, [key, timeline]] of timelines.entries()) {
    if (Number(flags[`t${i}`]) !== 1) continue;
    const entity = await entityIn(timeline.context);
    if (!entity || (timeline.media && !entity.media)) continue;
    frames.set(key, { event, payload: entity.payload });
  }
  return frames;
}
