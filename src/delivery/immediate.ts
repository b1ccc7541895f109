// One-recipient activities (Accept, Reject, Follow, Undo, Block…) sent from the invocation that
// made them — typically the inbox job that handled a Follow — instead of a fanout job and a
// deliver message: 0 queue operations instead of 6. The activity is stored by the Outbox first,
// as every activity is; this writes its fanouts row already settled (1 target, 1 batch, done), so
// the delivery report reads it like any other. The recipient's server's Durable Object is the
// retry path: a failed POST is handed to it (recordFailures), and a server with a backlog gets the
// activity through it (enqueue), behind what already waits for that inbox.
import { hostDelivery, recordImmediateFanout, rememberScheme } from "../db/queries/delivery.ts";
import type { Services } from "../services.ts";
import { classifyStatus } from "./backoff.ts";
import { targetInboxes } from "./fanout.ts";
import type { OutgoingActivity } from "./outbox.ts";
import { postActivity } from "./post.ts";

export type ImmediateOutcome = "delivered" | "retrying" | "behind backlog";

/**
 * Sends `activity` (already stored) to its one recipient: to `knownInbox` when the caller has it,
 * else to what its addressing resolves to. Returns null — and sends nothing — when that is not
 * exactly one inbox, so the caller falls back to a fanout job. Throws only when a failure could
 * not be handed to the server's Durable Object.
 */
export async function sendImmediately(s: Services, activity: OutgoingActivity, document: string, knownInbox?: string): Promise<ImmediateOutcome | null> {
  const inboxes = knownInbox ? [knownInbox] : await targetInboxes(s, activity);
  if (inboxes.length !== 1) return null;
  const inbox = inboxes[0]!;
  const host = new URL(inbox).host;
  const { state, rfc9421: remembered } = await hostDelivery(s.db, host);
  if (state !== null) {
    await s.deliveryHost(host).enqueue(host, activity.id, activity.type, [inbox]);
    await recordImmediateFanout(s.db, activity.id, s.now());
    s.log("deliver.immediate", { activityId: activity.id, type: activity.type, inbox, outcome: "behind backlog" });
    return "behind backlog";
  }
  const result = await postActivity(inbox, new TextEncoder().encode(document), await s.signingKey(), s.fetcher.policy, remembered ? "rfc9421" : "draft-cavage");
  let outcome: ImmediateOutcome = "delivered";
  if (classifyStatus(result.status) !== "delivered") {
    await s.deliveryHost(host).recordFailures(host, activity.id, activity.type, [
      { inbox, status: result.status ?? null, error: result.error ?? "no answer" },
    ]);
    outcome = "retrying";
  } else if ((result.scheme === "rfc9421") !== remembered) {
    await rememberScheme(s.db, host, result.scheme).catch(
      (error) => s.log("deliver.scheme_not_remembered", { error: String(error) }),
    );
  }
  await recordImmediateFanout(s.db, activity.id, s.now());
  s.log("deliver.immediate", { activityId: activity.id, type: activity.type, inbox, status: result.status ?? null, outcome });
  return outcome;
}
