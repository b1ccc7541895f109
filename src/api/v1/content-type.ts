// `content_type` on POST and PUT /api/v1/statuses, the parameter Pleroma, Akkoma and GoToSocial
// take beside Mastodon's: `text/plain` (Mastodon's rendering, the default) or `text/markdown`
// (the Markdown subset the C2S outbox renders). The CLI sends text/markdown; apps send nothing.
import { eq } from "drizzle-orm";
import { objects } from "../../db/schema.ts";
import type { PostInput } from "../../domain/posts/input.ts";
import type { Services } from "../../services.ts";
import { type Json, stringParam } from "../body.ts";

type Format = NonNullable<PostInput["format"]>;

/** The media types we render, as the instance advertises them (configuration.statuses.supported_mime_types). */
export const STATUS_MIME_TYPES: Record<string, Format> = { "text/plain": "plain", "text/markdown": "markdown" };

/** The stored post's source format (edits keep it when no content_type is sent). */
async function sourceFormat(s: Services, uri: string): Promise<Format> {
  const [row] = await s.db.select({ document: objects.document }).from(objects).where(eq(objects.id, uri)).limit(1);
  const mediaType = row ? (JSON.parse(row.document) as { source?: { mediaType?: unknown } }).source?.mediaType : undefined;
  return typeof mediaType === "string" && mediaType in STATUS_MIME_TYPES ? STATUS_MIME_TYPES[mediaType]! : "plain";
}

/**
 * The format asked for. Absent: plain text for a new post, as Mastodon; an edit keeps the post's
 * own format, so an app that edits a Markdown post from its `source` does not flatten it.
 */
export async function contentFormat(s: Services, p: Json, editing?: string): Promise<Format | { error: string }> {
  const asked = stringParam(p, "content_type")?.split(";")[0]!.trim().toLowerCase();
  if (asked) return STATUS_MIME_TYPES[asked] ?? { error: `Validation failed: content_type must be one of ${Object.keys(STATUS_MIME_TYPES).join(", ")}` };
  return editing ? sourceFormat(s, editing) : "plain";
}
