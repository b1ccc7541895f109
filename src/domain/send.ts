// Activities addressed to one actor (Follow, Accept, Reject, Undo, Block): built here and sent
// through the one outbox, so they are stored, signed and retried like everything else. They go
// out `immediate`ly — from the invocation that made them, with no queue message; the server's
// Durable Object retries a failure (docs/delivery.md → One-recipient activities).
import { AS_CONTEXT } from "../federation/vocabulary.ts";
import { newId } from "../federation/urls.ts";
import type { Services } from "../services.ts";

export async function sendTo(s: Services, recipient: string, type: string, object: unknown, id = s.urls.activity(newId())): Promise<string> {
  await s.outbox.send({ "@context": AS_CONTEXT, id, type, actor: s.urls.actor, object, to: [recipient] }, { visibility: "direct", immediate: true });
  return id;
}
