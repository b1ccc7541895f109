// Activities the inbox sends back (Accept, Reject, Follow, Undo): built here, sent through the
// one outbox path so they are signed and retried like everything else.
import type { Env } from "../../config.ts";
import type { Database } from "../../db/client.ts";
import { queueActivity } from "../../delivery/outbox.ts";
import { AS_CONTEXT } from "../../http.ts";
import { type LocalUrls, newId } from "../urls.ts";

export interface Sender {
  env: Env;
  db: Database;
  urls: LocalUrls;
}

export async function sendTo(
  sender: Sender,
  recipient: string,
  type: string,
  object: unknown,
  id = sender.urls.activity(newId()),
): Promise<string> {
  await queueActivity(
    sender.env,
    sender.db,
    { "@context": AS_CONTEXT, id, type, actor: sender.urls.actor, object, to: [recipient] },
    { visibility: "direct" },
  );
  return id;
}

/** Accept or Reject a Follow: the object is the Follow itself, with its original id. */
export function answerFollow(sender: Sender, type: "Accept" | "Reject", follower: string, followId: string) {
  return sendTo(sender, follower, type, { id: followId, type: "Follow", actor: follower, object: sender.urls.actor });
}
