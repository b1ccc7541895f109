// How anything leaves: store the activity, then one fanout job. Inbox handlers (Accept, Reject,
// Follow after a Move) and publishing use this same function.
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
  await env.QUEUE.send({ kind: "fanout", activityId: activity.id });
}
