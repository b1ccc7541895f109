// The owner's notifications: what use cases record when someone follows, replies, mentions,
// reacts, moves or reports; the client API (src/api/v1/notifications.ts) reads them.
import { notifications } from "../db/schema.ts";
import type { Services } from "../services.ts";
import { inMutedConversation } from "./conversations.ts";
import { offerPush } from "./push.ts";

type NewNotification = typeof notifications.$inferInsert;

/** The types whose object is a post: none is recorded from a muted conversation (Mastodon's NotifyService). */
const ABOUT_A_POST = new Set<NewNotification["type"]>(["reply", "mention", "like", "announce", "reaction", "update", "status"]);

/** Records a notification, then queues its Web Push when a subscription wants it (src/domain/push.ts). */
export async function notify(s: Services, notification: NewNotification): Promise<void> {
  if (notification.objectId && ABOUT_A_POST.has(notification.type) && (await inMutedConversation(s, notification.objectId))) {
    s.log("notification.conversation_muted", { type: notification.type, objectId: notification.objectId });
    return;
  }
  const [row] = await s.db.insert(notifications).values(notification).returning();
  if (row) await offerPush(s, row);
}
