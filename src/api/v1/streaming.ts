// The streaming API (docs/streaming.md): WebSocket upgrades at /api/v1/streaming, handed to the
// owner's stream hub Durable Object once the token is known good, and server-sent events on the
// channel paths (/api/v1/streaming/user, /public/local, /hashtag?tag=, ...), served from this
// Worker, which reads the hub through a WebSocket of its own so the hub still hibernates.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { grantOf, type Grant } from "../../domain/oauth.ts";
import { jsonError } from "../../http.ts";
import { channelFromPath, resolveSubscription, truthy } from "../streaming/channels.ts";
import { HUB_HEADERS, STREAM_QUERY } from "../streaming/hub.ts";
import { bearerToken } from "../scopes.ts";

/** Mastodon's streaming server writes a comment every 15 s so proxies keep the stream open. */
const HEARTBEAT_MS = 15_000;

/** The request the hub gets: the grant in internal headers, and only the stream parameters (never the token). */
function hubRequest(c: AppContext, grant: Grant, protocol: string | null, query: Record<string, string | undefined>): Request {
  const search = new URLSearchParams();
  for (const name of STREAM_QUERY) if (query[name] !== undefined) search.set(name, query[name]!);
  const headers = new Headers({ Upgrade: "websocket", [HUB_HEADERS.tokenId]: String(grant.tokenId ?? 0), [HUB_HEADERS.scopes]: grant.scopes.join(" ") });
  if (protocol) headers.set(HUB_HEADERS.protocol, protocol);
  return new Request(`${c.var.services.urls.origin}/api/v1/streaming?${search}`, { headers });
}

async function stream(c: AppContext) {
  const s = c.var.services;
  const upgrade = c.req.header("Upgrade")?.toLowerCase() === "websocket";
  // masto.js and Ice Cubes send the token as the subprotocol; the 101 must echo it (Chrome fails the handshake otherwise).
  const offered = (c.req.header("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  const token = bearerToken(c) ?? (upgrade ? offered[0] : undefined);
  if (!token) return jsonError(c, 401, "Missing access token");
  // A user token is needed (Mastodon 4.2): app tokens have no one to stream for.
  const grant = c.var.grant ?? (await grantOf(s, token));
  if (!grant?.actsAsOwner) return jsonError(c, 401, "Invalid access token");

  if (upgrade) {
    const answer = await s.stream.connect(hubRequest(c, grant, offered[0] ?? null, c.req.query()));
    if (answer.status !== 101 || !answer.webSocket) return jsonError(c, 503, "streaming is unavailable");
    return new Response(null, { status: 101, webSocket: answer.webSocket, headers: answer.headers });
  }

  const channel = channelFromPath(c.req.path, truthy(c.req.query("only_media")));
  if (!channel) return jsonError(c, 400, "Unknown channel requested");
  const resolved = await resolveSubscription(s, channel, { tag: c.req.query("tag"), list: c.req.query("list") }, grant.scopes);
  if (!resolved.ok) return jsonError(c, resolved.status, resolved.error);
  const answer = await s.stream.connect(hubRequest(c, grant, null, { stream: channel, tag: c.req.query("tag"), list: c.req.query("list") }));
  const socket = answer.webSocket;
  if (answer.status !== 101 || !socket) return jsonError(c, 503, "streaming is unavailable");
  return eventStream(socket);
}

/** Server-sent events from the hub's frames: `event: <name>` and `data: <payload>`, `:thump` comments between. */
function eventStream(socket: WebSocket): Response {
  socket.accept();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  let open = true;
  const stop = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    try {
      socket.close(1000, "the event stream ended");
    } catch {
      // Already closed by the hub (a revoked token).
    }
    writer.close().catch(() => {});
  };
  // A write fails once the app has gone: that ends the stream and the hub's socket with it.
  const write = (text: string) => {
    if (open) writer.write(encoder.encode(text)).catch(stop);
  };
  const heartbeat = setInterval(() => write(":thump\n"), HEARTBEAT_MS);
  socket.addEventListener("message", (message) => {
    let frame: { event?: unknown; payload?: unknown };
    try {
      frame = JSON.parse(String(message.data)) as typeof frame;
    } catch {
      return;
    }
    // filters_changed has no payload, and Mastodon.py fails on an event without data: only events with one are sent.
    if (typeof frame.event === "string" && typeof frame.payload === "string") write(`event: ${frame.event}\ndata: ${frame.payload}\n\n`);
  });
  socket.addEventListener("close", stop);
  socket.addEventListener("error", stop);
  write(":)\n");
  return new Response(readable, { headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store" } });
}

export const streamingHealth = new Hono<AppEnv>().get("/api/v1/streaming/health", (c) => c.text("OK"));

export const streaming = new Hono<AppEnv>()
  .get("/api/v1/streaming", stream)
  .get("/api/v1/streaming/*", stream);
