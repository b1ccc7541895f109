// Muting an account, as Mastodon does it: its posts and boosts leave the home timeline, its
// notifications too unless asked otherwise, for a while or until unmuted. Nothing is sent: the
// muted account cannot tell.
import { type AnyColumn, eq, gt, isNull, or, type SQL, sql } from "drizzle-orm";
import { mutes } from "../db/schema.ts";
import type { Services } from "../services.ts";

export async function muteAccount(s: Services, actorId: string, options: { hideNotifications: boolean; durationSeconds: number }): Promise<void> {
  const values = {
    hideNotifications: options.hideNotifications,
    expiresAt: options.durationSeconds > 0 ? s.now() + options.durationSeconds * 1000 : null,
    createdAt: s.now(),
  };
  await s.db.insert(mutes).values({ actorId, ...values }).onConflictDoUpdate({ target: mutes.actorId, set: values });
}

export async function unmuteAccount(s: Services, actorId: string): Promise<void> {
  await s.db.delete(mutes).where(eq(mutes.actorId, actorId));
}

const active = (s: Services) => or(isNull(mutes.expiresAt), gt(mutes.expiresAt, s.now()));

export function activeMutes(s: Services) {
  return s.db.select().from(mutes).where(active(s));
}

/** SQL: `column` is not a muted account (for the home timeline; `notifications` for notification lists). */
export function notMuted(s: Services, column: AnyColumn, scope: "home" | "notifications"): SQL {
  const now = s.now();
  const extra = scope === "notifications" ? sql` AND hide_notifications = 1` : sql``;
  return sql`${column} NOT IN (SELECT actor_id FROM mutes WHERE (expires_at IS NULL OR expires_at > ${now})${extra})`;
}

