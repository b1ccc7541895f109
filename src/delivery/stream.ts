// Live events for open apps (the streaming API, docs/streaming.md): what use cases hand to the
// owner's stream hub Durable Object (src/runtime/stream-hub.ts), and the publisher that calls it
// only when an open socket could want the event. The hub writes what it has open to the one
// `stream_listeners` row; the publisher reads that row once per invocation, so while no app
// streams, an event costs one D1 read and no Durable Object request.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { streamListeners } from "../db/schema.ts";
import type { Log } from "../log.ts";

/**
 * An event, by the ids of what it is about: the hub builds the entities the REST API would
 * answer (filters applied) and decides which subscriptions get it.
 */
export type StreamEvent =
  /** A status entered the index (a post, a boost): `update` where a timeline would show it. */
  | { event: "update"; uri: string }
  /** A shown status was edited. */
  | { event: "status.update"; uri: string }
  /** A status left the index; the payload is its id as a string. */
  | { event: "delete"; statusId: number }
  /** A notification was recorded. */
  | { event: "notification"; notificationId: number }
  /** The owner's filters changed (Mastodon sends no payload). */
  | { event: "filters_changed" }
  /** A direct conversation gained a status: the Conversation entity on `direct`. */
  | { event: "conversation"; conversationId: number };

/** The hub's RPC surface (src/runtime/stream-hub.ts). */
export interface StreamHubApi {
  /** Sends the event to the sockets subscribed to a stream that shows it; answers how many frames went out. */
  publish(event: StreamEvent): Promise<number>;
  /** Closes the sockets opened with these token ids (revoked). */
  closeTokens(tokenIds: number[]): Promise<void>;
  /** The upgrade, already authenticated by the Worker (src/api/v1/streaming.ts). */
  fetch(request: Request): Promise<Response>;
}

/** Services.stream: what use cases and the streaming route use. */
export interface StreamPublisher {
  publish(event: StreamEvent): Promise<void>;
  closeTokens(tokenIds: number[]): Promise<void>;
  /** Hands an authenticated upgrade to the hub. */
  connect(request: Request): Promise<Response>;
}

export interface Listening {
  streams: string[];
  tokens: number[];
}

const NOBODY: Listening = { streams: [], tokens: [] };

/** Whether a socket subscribed to `streams` could be sent `event` (the hub decides exactly). */
export function couldWant(streams: readonly string[], event: StreamEvent): boolean {
  switch (event.event) {
    case "notification":
      return streams.includes("user") || streams.includes("user:notification");
    case "filters_changed":
      return streams.includes("user");
    case "conversation":
      return streams.includes("direct");
    default:
      return streams.some((k) => k !== "user:notification");
  }
}

function parseList<T>(json: string, check: (v: unknown) => v is T): T[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter(check) : [];
  } catch {
    return [];
  }
}

/** What the hub last wrote: the streams and tokens with an open socket. */
export async function readListening(db: Database): Promise<Listening> {
  const [row] = await db.select().from(streamListeners).where(eq(streamListeners.id, 1)).limit(1);
  if (!row || row.sockets === 0) return NOBODY;
  return {
    streams: parseList(row.streams, (v): v is string => typeof v === "string"),
    tokens: parseList(row.tokens, (v): v is number => typeof v === "number"),
  };
}

/** The hub's write of what it has open. */
export async function writeListening(db: Database, listening: Listening & { sockets: number }, now: number): Promise<void> {
  const values = { streams: JSON.stringify(listening.streams), tokens: JSON.stringify(listening.tokens), sockets: listening.sockets, updatedAt: now };
  await db.insert(streamListeners).values({ id: 1, ...values }).onConflictDoUpdate({ target: streamListeners.id, set: values });
}

/**
 * Services.stream. The row is read once per services object (one request, job or alarm): an
 * inbox job that records a post and its notification reads it once. A failure to stream never
 * fails the use case that published.
 */
export function streamPublisher(db: Database, hub: () => StreamHubApi, log: Log): StreamPublisher {
  let listening: Promise<Listening> | null = null;
  const current = () => (listening ??= readListening(db).catch(() => NOBODY));
  return {
    async publish(event) {
      try {
        if (!couldWant((await current()).streams, event)) return;
        await hub().publish(event);
      } catch (error) {
        log("stream.not_published", { event: event.event, error: String(error) });
      }
    },
    async closeTokens(tokenIds) {
      try {
        const open = (await current()).tokens;
        const revoked = tokenIds.filter((id) => open.includes(id));
        if (revoked.length > 0) await hub().closeTokens(revoked);
      } catch (error) {
        log("stream.not_closed", { tokenIds, error: String(error) });
      }
    },
    connect: (request) => hub().fetch(request),
  };
}
