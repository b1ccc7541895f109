// Shared by the delivery tests: a scope of the Node-side sink (test/peers/sink.ts), stored
// activities, followers, the consumer run on hand-made message batches, and the hosts' Durable
// Objects with a clock the test moves.
import { createExecutionContext, createMessageBatch, env, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import worker from "../src/index.ts";
import type { Job } from "../src/delivery/jobs.ts";
import type { DeliveryHost } from "../src/runtime/delivery-host.ts";
import { ACTOR, ORIGIN, ourPublicKey, peer } from "./helpers.ts";
import type { SinkArrival as Arrival } from "./peers/reports.ts";

export type { Arrival };

export const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
export const FOLLOWERS = `${ACTOR}/followers`;
const CONTROL = "https://sink.test/__control";

/** One test's corner of the sink: its own inboxes, behaviours and arrivals. */
export class Sink {
  private constructor(readonly scope: string) {}

  static async open(): Promise<Sink> {
    const sink = new Sink(crypto.randomUUID().slice(0, 8));
    await peer(`${CONTROL}/trust`, { scope: sink.scope, ...(await ourPublicKey()) });
    return sink;
  }

  host(n: number): string {
    return `h${n}.sink.test`;
  }

  /** The shared inbox of server n, or another inbox path on it. */
  inbox(n: number, path = "inbox"): string {
    return `https://${this.host(n)}/${this.scope}/${path}`;
  }

  actor(n: number, name: string): string {
    return `https://${this.host(n)}/${this.scope}/users/${name}`;
  }

  async behave(n: number, behaviour: { status?: number; statuses?: number[]; rfc9421Only?: boolean; delayMs?: number }): Promise<void> {
    await peer(`${CONTROL}/behave`, { scope: this.scope, host: this.host(n), ...behaviour });
  }

  async arrivals(): Promise<Arrival[]> {
    return (await peer<{ arrivals: Arrival[] }>(`${CONTROL}/arrivals?scope=${this.scope}`)).arrivals;
  }

  async maxInFlight(): Promise<number> {
    return (await peer<{ maxInFlight: number }>(`${CONTROL}/arrivals?scope=${this.scope}`)).maxInFlight;
  }
}

/** Stores one of our activities, as a publisher does before enqueuing its fanout job. */
export async function storeActivity(doc: Record<string, unknown> & { type: string }): Promise<string> {
  const id = (doc.id as string | undefined) ?? `${ORIGIN}/activities/${crypto.randomUUID().replaceAll("-", "")}`;
  const full = { "@context": "https://www.w3.org/ns/activitystreams", id, actor: ACTOR, ...doc };
  await env.DB.prepare("INSERT INTO activities (id, type, object_id, visibility, document, published) VALUES (?, ?, NULL, 'public', ?, ?)")
    .bind(id, doc.type, JSON.stringify(full), Date.now())
    .run();
  return id;
}

export async function documentOf(activityId: string): Promise<string> {
  return (await env.DB.prepare("SELECT document FROM activities WHERE id = ?").bind(activityId).first<{ document: string }>())!.document;
}

export async function addFollowers(rows: { actor: string; inbox: string; sharedInbox?: string | null; state?: "accepted" | "pending" }[]) {
  await env.DB.batch(
    rows.map((r) =>
      env.DB.prepare("INSERT INTO followers (actor_id, inbox, shared_inbox, follow_activity_id, state) VALUES (?, ?, ?, ?, ?)").bind(
        r.actor,
        r.inbox,
        r.sharedInbox ?? null,
        `${r.actor}#follow`,
        r.state ?? "accepted",
      ),
    ),
  );
}

/** Runs the Worker's queue handler on these messages, as Queues would deliver them. */
export async function consume(messages: { id: string; attempts?: number; body: Job }[]) {
  const batch = createMessageBatch<Job>(
    "roost-jobs",
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

export function hostObject(host: string): DurableObjectStub<DeliveryHost> {
  return env.DELIVERY_HOST.get(env.DELIVERY_HOST.idFromName(host));
}

/** Sets the Durable Object's clock (and no jitter), so alarms it arms lie in that time. */
export async function setClock(host: string, now: number): Promise<void> {
  await runInDurableObject(hostObject(host), (instance) => {
    (instance as DeliveryHost).clock = { now: () => now, random: () => 0 };
  });
}

export async function doAlarmTime(host: string): Promise<number | null> {
  return runInDurableObject(hostObject(host), (_instance, state) => state.storage.getAlarm());
}

/** Fires the Durable Object's alarm as if it were `now`; false when no alarm was armed. */
export async function runAlarmAt(host: string, now: number): Promise<boolean> {
  await setClock(host, now);
  return runDurableObjectAlarm(hostObject(host));
}
