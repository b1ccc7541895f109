// The owner's notifications: what use cases record when someone follows, replies, mentions,
// reacts, moves or reports; the client API (src/api/v1/notifications.ts) reads them.
import { notifications } from "../db/schema.ts";
import type { Services } from "../services.ts";
import { inMutedConversation } from "./conversations.ts";
import { offerPush } from "./push.ts";

export type NewNotification = typeof notifications.$inferInsert;

/**
 * The insert of one notification, for a caller that writes it in one batch with the change it
 * reports; that caller passes the row it returns to `notified`.
 */
export function notificationInsert(s: Services, notification: NewNotification) {
  return s.db.insert(notifications).values(notification).returning();
}

/** What follows a recorded notification: its Web Push, when a subscription wants it (src/domain/push.ts), and its event for open apps. */
export async function notified(s: Services, row: typeof notifications.$inferSelect): Promise<void> {
  await offerPush(s, row);
  await s.stream.publish({ event: "notification", notificationId: row.id });
}

/** The types whose object is a post: none is recorded from a muted conversation (Mastodon's NotifyService). */
const ABOUT_A_POST = new Set<NewNotification["type"]>(["reply", "mention", "like", "announce", "reaction", "update", "status", "quote", "quoted_update"]);

/** Records a notification (none from a muted conversation), then `notified`. */
export async function notify(s: Services, notification: NewNotification): Promise<void> {
  if (notification.objectId && ABOUT_A_POST.has(notification.type) && (await inMutedConversation(s, notification.objectId))) {
    s.log("notification.conversation_muted", { type: notification.type, objectId: notification.objectId });
    return;
  }
  const [row] = await notificationInsert(s, notification);
  if (row) await notified(s, row);
}
