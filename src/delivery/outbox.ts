// THE outbox: how anything of ours leaves. It stores the activity (the outbox collection and the
// dereferenceable ids read it) and queues one fanout job — or, for a one-recipient activity sent
// with `immediate` (an Accept from the inbox job), delivers it from this invocation with the
// server's Durable Object as the retry path (src/delivery/immediate.ts). Posts, follows, Accepts,
// Blocks, profile updates and Moves all go through `Outbox.send`; tests may pass a fake with the same shape.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { activities } from "../db/schema.ts";
import type { Visibility } from "../federation/addressing.ts";
import type { Log } from "../log.ts";
import type { JobQueue } from "./jobs.ts";

export type OutgoingActivity = Record<string, unknown> & { id: string; type: string };

export interface SendOptions {
  visibility: Visibility;
  /** The object the activity is about, when it is one of ours (posts, likes, boosts). */
  objectId?: string | null;
  /** ms since epoch; now by default. */
  published?: number;
  /**
   * Deliver now, from this invocation, when the activity goes to exactly one inbox: no queue
   * operation; a failure is retried by the server's Durable Object. Anything else is queued.
   */
  immediate?: boolean;
  /**
   * With `immediate`: the one recipient's inbox when the caller has just read or fetched its actor
   * (an Accept from the job that handled the Follow), so it is not looked up again.
   */
  inbox?: string;
}

/** Sends a stored one-recipient activity now; null when it is not one inbox (then it is queued). */
export type ImmediateSender = (activity: OutgoingActivity, document: string, inbox?: string) => Promise<unknown>;

export interface Outbox {
  /** Stores `activity` and queues its delivery; throws (and stores nothing) when it cannot be queued. */
  send(activity: OutgoingActivity, options: SendOptions): Promise<void>;
}

/** The one implementation: a row in `activities`, then a fanout job on the queue (or the immediate send). */
export function queuedOutbox(
  db: Database,
  queue: Pick<JobQueue, "send">,
  log: Log,
  now = () => Date.now(),
  immediate?: ImmediateSender,
): Outbox {
  return {
    async send(activity, options) {
      const document = JSON.stringify(activity);
      await db.insert(activities).values({
        id: activity.id,
        type: activity.type,
        objectId: options.objectId ?? null,
        visibility: options.visibility,
        document,
        published: options.published ?? now(),
      });
      if (options.immediate && immediate) {
        try {
          if ((await immediate(activity, document, options.inbox)) !== null) return;
        } catch (error) {
          // Not sent, or sent but not recorded: the fanout job below sends it (again; receivers dedupe by id).
          log("outbox.immediate_failed", { activityId: activity.id, error: String(error) });
        }
      }
      try {
        await queue.send({ kind: "fanout", activityId: activity.id });
      } catch (error) {
        // Without its fanout job the activity would sit stored and never go out: take it back, so
        // the caller's error tells the truth.
        await db.delete(activities).where(eq(activities.id, activity.id));
        log("outbox.enqueue_failed", { activityId: activity.id, error: String(error) });
        throw new Error(`the ${activity.type} could not be queued for delivery; try again`);
      }
    },
  };
}
