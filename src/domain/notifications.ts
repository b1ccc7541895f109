// The owner's notifications: what use cases record when someone follows, replies, mentions,
// reacts, moves or reports, and the newest-first listing the owner API (and later the client API) reads.
import { desc, lt } from "drizzle-orm";
import { notifications } from "../db/schema.ts";
import type { Services } from "../services.ts";

export type NewNotification = typeof notifications.$inferInsert;

/** The insert of one notification, for a caller that writes it in one batch with the change it reports. */
export function notificationInsert(s: Services, notification: NewNotification) {
  return s.db.insert(notifications).values(notification);
}

export async function notify(s: Services, notification: NewNotification): Promise<void> {
  await notificationInsert(s, notification);
}

/** Newest first; `before` is a notification id (exclusive), 0 for the newest. */
export async function listNotifications(s: Services, page: { limit: number; before: number }) {
  return s.db
    .select()
    .from(notifications)
    .where(page.before > 0 ? lt(notifications.id, page.before) : undefined)
    .orderBy(desc(notifications.id))
    .limit(page.limit);
}
