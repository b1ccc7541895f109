// StatusEdit entities (app/serializers/rest/status_edit_serializer.rb) for GET /statuses/:id/history:
// the earlier versions of a status, oldest first, then the current one. A status never edited
// has one entry, its current version.
import { earlierVersions } from "../../domain/status-edits.ts";
import type { StatusRow } from "../../domain/statuses.ts";
import type { Services } from "../../services.ts";
import { sanitizeHtml } from "../../text/sanitize.ts";
import { mediaAttachment, statusEntity } from "./status.ts";

/** Null when the status's content is gone. */
export async function statusHistory(s: Services, row: StatusRow): Promise<Record<string, unknown>[] | null> {
  const [current, earlier] = await Promise.all([statusEntity(s, row), earlierVersions(s, row.uri)]);
  if (!current) return null;
  const { content, spoiler_text, sensitive, account, media_attachments, emojis, edited_at, created_at } = current;
  const customEmojis = emojis as { shortcode: string }[];
  const versions = earlier.map((version) => {
    const text = `${version.summary ?? ""} ${version.content}`;
    return {
      // Remote HTML is shown only through the allowlist, as the status itself.
      content: row.local ? version.content : sanitizeHtml(version.content),
      spoiler_text: version.summary ?? "",
      sensitive: version.sensitive,
      created_at: new Date(version.createdAt).toISOString(),
      account,
      media_attachments: version.media.map((a, i) => mediaAttachment(row.id, i, a)),
      // As Mastodon, a version's emojis are the status's custom emojis its text names.
      emojis: customEmojis.filter((e) => text.includes(`:${e.shortcode}:`)),
      poll: null,
    };
  });
  return [...versions, { content, spoiler_text, sensitive, created_at: edited_at ?? created_at, account, media_attachments, emojis, poll: null }];
}
