// ScheduledStatus entities (Mastodon's REST::ScheduledStatusSerializer): the time, the options the
// post was made with, and the uploads it holds.
import { scheduledMedia, type ScheduledRow } from "../../domain/posts/scheduled.ts";
import type { Services } from "../../services.ts";
import { mediaEntity } from "./media.ts";

export async function scheduledEntities(s: Services, rows: ScheduledRow[]): Promise<Record<string, unknown>[]> {
  const media = await scheduledMedia(s, rows);
  return rows.map((row) => {
    const held = media.get(row.id) ?? [];
    const params = JSON.parse(row.params) as Record<string, unknown>;
    return {
      id: String(row.id),
      scheduled_at: new Date(row.scheduledAt).toISOString(),
      params: { ...params, media_ids: held.length > 0 ? held.map((m) => String(m.id)) : null },
      media_attachments: held.map((m) => mediaEntity(s, m)),
    };
  });
}
