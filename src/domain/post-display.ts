// How a stored post reads for display, the same for the client API's entities and the web pages:
// through the one normaliser, remote HTML through the allowlist.
import type { Attachment, NormalizedObject } from "../federation/normalize.ts";
import { remotePostHtml } from "../text/sanitize.ts";

export interface DisplayedPost {
  url: string | null;
  /** Safe to show: our renderer's output (`local`), or remote HTML through the allowlist. */
  html: string;
  summary: string | null;
  sensitive: boolean;
  language: string | null;
  published: number;
  updated: number | null;
  /** Media only (link previews left out). */
  attachments: Attachment[];
}

export function displayedPost(o: NormalizedObject, local: boolean): DisplayedPost {
  return {
    url: o.url,
    // Articles carry their name as a title.
    html: local ? (o.content ?? "") : remotePostHtml(o.content, o.type === "Article" ? o.name : null),
    summary: o.summary,
    sensitive: o.sensitive || o.summary !== null,
    language: o.language,
    published: o.published?.getTime() ?? 0,
    updated: o.updated?.getTime() ?? null,
    attachments: o.attachment.filter((a) => a.type !== "Link"),
  };
}

/** What an attachment is shown as, by its media type, else its ActivityStreams type. */
export function attachmentKind(a: Attachment): "image" | "video" | "audio" | "unknown" {
  const type = (a.mediaType ?? "").split("/")[0];
  // A GIF shown from its own URL is an image: "gifv" tells apps to play a video, which Mastodon
  // makes by converting GIFs to MP4; a remote .gif in a <video> shows nothing.
  if (type === "image" || type === "video" || type === "audio") return type;
  if (a.type === "Image") return "image";
  if (a.type === "Video") return "video";
  if (a.type === "Audio") return "audio";
  return "unknown";
}
