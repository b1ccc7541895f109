// Read markers (Mastodon's markers): where the owner stopped reading the home timeline and the
// notifications, kept so every app resumes there; `version` counts the changes. The notifications
// marker also decides what the unread count counts.
import { inArray, sql } from "drizzle-orm";
import { markers } from "../db/schema.ts";
import type { Services } from "../services.ts";

export const MARKER_TIMELINES = ["home", "notifications"] as const;
export type MarkerTimeline = (typeof MARKER_TIMELINES)[number];
export type Marker = typeof markers.$inferSelect;

export async function readMarkers(s: Services, timelines: MarkerTimeline[]): Promise<Marker[]> {
  return timelines.length ? s.db.select().from(markers).where(inArray(markers.timeline, timelines)) : [];
}

/** Stores each marker; the version (and the time) move only when the position changes. Returns the markers saved. */
export async function saveMarkers(s: Services, positions: { timeline: MarkerTimeline; lastReadId: number }[]): Promise<Marker[]> {
  const now = s.now();
  for (const { timeline, lastReadId } of positions) {
    await s.db
      .insert(markers)
      .values({ timeline, lastReadId, version: 1, updatedAt: now })
      .onConflictDoUpdate({
        target: markers.timeline,
        set: {
          version: sql`CASE WHEN ${markers.lastReadId} = excluded.last_read_id THEN ${markers.version} ELSE ${markers.version} + 1 END`,
          updatedAt: sql`CASE WHEN ${markers.lastReadId} = excluded.last_read_id THEN ${markers.updatedAt} ELSE excluded.updated_at END`,
          lastReadId: sql`excluded.last_read_id`,
        },
      });
  }
  return readMarkers(s, positions.map((p) => p.timeline));
}
