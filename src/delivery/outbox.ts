// How anything leaves: store the activity, then one fanout job. Inbox handlers (Accept, Reject,
// Follow after a Move) and publishing use this same function.
import { eq } from "drizzle-orm";
import type { Env } from "../config.ts";
import type { Database } from "../db/client.ts";
import { activities } from "../db/schema.ts";

export type Visibility = "public" | "unlisted" | "followers" | "direct";

export async function queueActivity(
  env: Pick<Env, "QUEUE">,
  db: Database,
  activity: Record<string, unknown> & { id: string; type: string },
  options: { visibility: Visibility; objectId?: string | null; published?: number },
): Promise<void> {
  await db.insert(activities).values({
    id: activity.id,
    type: activity.type,
    objectId: options.objectId ?? null,
    visibility: options.visibility,
    document: JSON.stringify(activity),
    published: options.published ?? Date.now(),
  });
  try {
    await env.QUEUE.send({ kind: "fanout", activityId: activity.id });
  } catch (error) {
    // Without its fanout job the activity would sit stored and never go out: take it back, so the
    // caller's error tells the truth.
    await db.delete(activities).where(eq(activities.id, activity.id));
    console.log(JSON.stringify({ event: "outbox.enqueue_failed", activityId: activity.id, error: String(error) }));
    throw new Error(`the ${activity.type} could not be queued for delivery; try again`);
  }
}
