// The owner's notifications: what use cases record when someone follows, replies, mentions,
// reacts, moves or reports; the client API (src/api/v1/notifications.ts) reads them.
import { notifications } from "../db/schema.ts";
import type { Services } from "../services.ts";

type NewNotification = typeof notifications.$inferInsert;

export async function notify(s: Services, notification: NewNotification): Promise<void> {
  await s.db.insert(notifications).values(notification);
}
