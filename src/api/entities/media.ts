// MediaAttachment entities (app/serializers/rest/media_attachment_serializer.rb) for the owner's
// uploads, and the part of the status page query that reads a page's local media.
import { sql } from "drizzle-orm";
import { type MediaRow, PREVIEW_SIDE } from "../../domain/media.ts";
import type { Services } from "../../services.ts";

export type MediaEntity = Record<string, unknown> & { id: string };

const dimensions = (width: number, height: number) => ({ width, height, size: `${width}x${height}`, aspect: width / height });

export function mediaEntity(s: Services, m: MediaRow): MediaEntity {
  // Until a v2 upload is processed its url is null (masto.js and Tusky poll for it).
  const url = m.processed ? s.urls.media(m.fileKey) : null;
  const meta: Record<string, unknown> = {};
  if (m.width && m.height) {
    const scale = m.previewKey ? Math.min(1, PREVIEW_SIDE / Math.max(m.width, m.height)) : 1;
    meta.original = dimensions(m.width, m.height);
    meta.small = dimensions(Math.round(m.width * scale), Math.round(m.height * scale));
  }
  if (m.focusX !== null && m.focusY !== null) meta.focus = { x: m.focusX, y: m.focusY };
  return {
    id: String(m.id),
    type: m.type,
    url,
    // Video and audio have no still (nothing is transcoded): no preview rather than a video as an image.
    preview_url: url && m.previewKey ? s.urls.media(m.previewKey) : m.type === "image" ? url : null,
    remote_url: null,
    preview_remote_url: null,
    text_url: null,
    meta,
    description: m.description,
    blurhash: m.blurhash,
  };
}

/**
 * The media rows of the posts in `urisJson` (a JSON array), as one more branch of the status
 * page's contents query (kind 'media', id = the post, document = the row as JSON): the page
 * keeps its two statements.
 */
export function mediaContentBranch(urisJson: string) {
  return sql`SELECT 'media' AS kind, status_uri AS id, json_object(
      'id', id, 'statusUri', status_uri, 'position', position, 'type', type, 'contentType', content_type,
      'fileKey', file_key, 'previewKey', preview_key, 'size', size, 'width', width, 'height', height,
      'description', description, 'focusX', focus_x, 'focusY', focus_y, 'blurhash', blurhash,
      'processed', json(CASE processed WHEN 1 THEN 'true' ELSE 'false' END), 'createdAt', created_at) AS document
    FROM media_attachments WHERE status_uri IN (SELECT value FROM json_each(${urisJson}))`;
}

/** The entities of the 'media' rows of that query, per post, in their order. */
export function mediaByPost(s: Services, rows: { kind: string; id: string; document: string }[]): Map<string, MediaEntity[]> {
  const media = rows.filter((r) => r.kind === "media").map((r) => JSON.parse(r.document) as MediaRow);
  media.sort((a, b) => a.position - b.position);
  const out = new Map<string, MediaEntity[]>();
  for (const m of media) out.set(m.statusUri!, [...(out.get(m.statusUri!) ?? []), mediaEntity(s, m)]);
  return out;
}
