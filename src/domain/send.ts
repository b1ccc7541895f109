// Activities addressed to one actor (Follow, Accept, Reject, Undo, Block): built here and sent
// through the one outbox, so they are stored, signed and retried like everything else. They go
// out `immediate`ly — from the invocation that made them, with no queue message; the server's
// Durable Object retries a failure (docs/delivery.md → One-recipient activities).
import { AS_CONTEXT } from "../federation/vocabulary.ts";
import { newId } from "../federation/urls.ts";
import type { Services } from "../services.ts";

/** `recipient`: an actor id, or the actor with the inbox the caller has just read or fetched (not looked up again). */
export async function sendTo(
  s: Services,
  recipient: string | { id: string; inbox: string },
  type: string,
  object: unknown,
  id = s.urls.activity(newId()),
  /** More properties of the activity: `result` of an Accept (FEP-7aa9, FEP-044f). */
  fields: Record<string, unknown> = {},
): Promise<string> {
  const to = typeof recipient === "string" ? recipient : recipient.id;
  const inbox = typeof recipient === "string" ? undefined : recipient.inbox;
  await s.outbox.send({ "@context": AS_CONTEXT, id, type, actor: s.urls.actor, object, to: [to], ...fields }, { visibility: "direct", immediate: true, inbox });
  return id;
}
