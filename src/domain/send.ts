// Activities addressed to one actor (Follow, Accept, Reject, Undo, Block): built here and sent
// through the one outbox, so they are signed and retried like everything else.
import { AS_CONTEXT } from "../federation/vocabulary.ts";
import { newId } from "../federation/urls.ts";
import type { Services } from "../services.ts";

export async function sendTo(s: Services, recipient: string, type: string, object: unknown, id = s.urls.activity(newId())): Promise<string> {
  await s.outbox.send({ "@context": AS_CONTEXT, id, type, actor: s.urls.actor, object, to: [recipient] }, { visibility: "direct" });
  return id;
}
