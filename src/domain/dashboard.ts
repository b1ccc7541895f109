// What the owner's dashboard (src/web/dashboard/) reads that no other use case lists: the latest
// notifications as plain rows, and the names of the accounts it shows. Every section and action
// of the dashboard otherwise calls the use case the Mastodon API or /api/roost calls.
import { and, desc, inArray } from "drizzle-orm";
import { notifications, remoteActors } from "../db/schema.ts";
import type { Services } from "../services.ts";
import { notMuted } from "./mutes.ts";
import { MASTODON_TYPES } from "./notification-types.ts";

export interface ActorName {
  /** `@user@host` when the actor's document gave a username, else the actor id. */
  handle: string;
  name: string | null;
  /** Their profile page (the actor's `url`), else the id. */
  url: string;
}

/** Handles and names of `ids` from the remote actor cache; an actor never fetched gets its id. */
export async function actorNames(s: Services, ids: string[]): Promise<Map<string, ActorName>> {
  const unique = [...new Set(ids)];
  const rows = unique.length === 0 ? [] : await s.db
    .select({ id: remoteActors.id, username: remoteActors.preferredUsername, name: remoteActors.name, url: remoteActors.url })
    .from(remoteActors)
    .where(inArray(remoteActors.id, unique));
  const found = new Map(rows.map((r) => [r.id, r]));
  return new Map(
    unique.map((id) => {
      const r = found.get(id);
      const host = URL.canParse(id) ? new URL(id).host : "";
      return [id, { handle: r?.username && host ? `@${r.username}@${host}` : id, name: r?.name || null, url: r?.url ?? id }];
    }),
  );
}

/**
 * The latest notifications, newest first, as the client API lists them: none from an account
 * muted with its notifications, and only the types Mastodon clients are shown (a report too).
 */
export function recentNotifications(s: Services, limit: number) {
  const shown = [...Object.keys(MASTODON_TYPES), "report"] as (typeof notifications.$inferSelect)["type"][];
  return s.db
    .select()
    .from(notifications)
    .where(and(inArray(notifications.type, shown), notMuted(s, notifications.actorId, "notifications")))
    .orderBy(desc(notifications.id))
    .limit(limit);
}
