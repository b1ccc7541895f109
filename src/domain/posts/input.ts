// What the owner asks to publish, read and checked: from the Mastodon API (src/api/v1/statuses.ts
// builds it and calls `checked`) or from a C2S Note. Both give the same PostInput, or the reason it is refused.
import { actorRecipients, VISIBILITIES, type Visibility, visibilityOf } from "../../federation/addressing.ts";
import { httpIri } from "../../federation/normalize.ts";
import type { QuotePolicy } from "../../federation/quote-policy.ts";
import { htmlToText } from "../../text/html.ts";
import type { MediaEdit } from "../media.ts";
import type { PollInput } from "../polls.ts";

export interface PostInput {
  /** The source: Markdown (C2S, the CLI's content_type=text/markdown), or plain text as Mastodon apps send it. */
  text: string;
  /** How `text` is rendered; Markdown when absent. */
  format?: "markdown" | "plain";
  visibility: Visibility;
  /** Content warning. */
  summary: string | null;
  inReplyTo: string | null;
  language: string | null;
  /** Actors addressed besides those the text mentions (a C2S Note's to/cc). */
  addressees: string[];
  /**
   * Uploads to attach, by id, in order, with alt text/focus changes on an edit (the client API's
   * media_ids[] and media_attributes[]). On an edit, absent keeps the post's media as they are.
   */
  media?: { ids: string[]; edits: MediaEdit[] };
  /** Marked sensitive without a content warning (the client API's `sensitive`). */
  sensitive?: boolean;
  /** A poll made with the post (the client API's `poll[…]`, checked by `checkedPoll`); an edit keeps the post's poll. */
  poll?: PollInput;
  /** The post quoted (the client API's quoted_status_id, resolved): FEP-044f, src/domain/quotes.ts. */
  quote?: { uri: string; author: string; url: string };
  /** Who may quote this post (the client API's quote_approval_policy); the owner's default when absent. */
  quotePolicy?: QuotePolicy;
}

export const MAX_TEXT = 20_000;
const MAX_SUMMARY = 1_000;
export const MAX_ADDRESSEES = 50;
const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

type Json = Record<string, unknown>;
type Checked<T> = T | { error: string };

export function isRefused<T>(value: Checked<T>): value is { error: string } {
  return typeof value === "object" && value !== null && "error" in value;
}

/** The rules every post obeys, whichever surface it came from. */
export function checked(input: PostInput): Checked<PostInput> {
  if (!input.text.trim() && !input.media?.ids.length) return { error: "the post has no text" };
  if (input.text.length > MAX_TEXT) return { error: `the text is longer than ${MAX_TEXT} characters` };
  if (!VISIBILITIES.includes(input.visibility)) return { error: `visibility must be one of ${VISIBILITIES.join(", ")}` };
  if (input.summary !== null && input.summary.length > MAX_SUMMARY) return { error: `the content warning is longer than ${MAX_SUMMARY} characters` };
  if (input.inReplyTo !== null && !httpIri(input.inReplyTo)) return { error: "inReplyTo must be an http(s) URL" };
  if (input.language !== null && !LANGUAGE_TAG.test(input.language)) return { error: "language must be a language tag like en or pt-BR" };
  if (input.poll && input.media?.ids.length) return { error: "a post cannot have both media and a poll" };
  if (input.addressees.length > MAX_ADDRESSEES) return { error: `at most ${MAX_ADDRESSEES} actors can be addressed` };
  const notUrl = input.addressees.find((a) => !httpIri(a));
  if (notUrl !== undefined) return { error: `${notUrl} in to/cc is not an actor URL` };
  return input;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const idOf = (v: unknown): unknown => (typeof v === "object" && v !== null && "id" in v ? (v as Json).id : v);
const firstValue = (map: unknown): unknown => (typeof map === "object" && map !== null ? Object.values(map)[0] : undefined);
const isTextType = (mediaType: unknown) => mediaType === "text/markdown" || mediaType === "text/plain";

/** The Markdown to render: `source` when it is text, else `content` (HTML unless typed as text). */
function noteText(note: Json): unknown {
  const source = note.source as Json | undefined;
  if (typeof source?.content === "string" && (source.mediaType === undefined || isTextType(source.mediaType))) return source.content;
  const content = note.content ?? firstValue(note.contentMap);
  if (typeof content !== "string") return content;
  return isTextType(note.mediaType) ? content : htmlToText(content);
}

/**
 * A C2S Note: visibility is read from its to/cc (or the Create's) as Mastodon reads it, and any
 * actor addressed there is kept as a recipient. A Note addressed to nobody at all is public,
 * as a status is by default.
 */
export function noteInput(note: Json, activity: Json, followersUrl: string): Checked<PostInput> {
  const addressed = [note.to ?? activity.to, note.cc ?? activity.cc].map((field) => list(field).map(idOf));
  const notString = addressed.flat().find((a) => typeof a !== "string");
  if (notString !== undefined) return { error: "to and cc must hold URLs" };
  const [to, cc] = addressed as [string[], string[]];
  const text = noteText(note);
  if (typeof text !== "string") return { error: "the Note needs content" };
  const summary = note.summary ?? firstValue(note.summaryMap) ?? null;
  if (summary !== null && typeof summary !== "string") return { error: "summary must be a string" };
  const inReplyTo = idOf(note.inReplyTo) ?? null;
  if (inReplyTo !== null && typeof inReplyTo !== "string") return { error: "inReplyTo must be a URL" };
  const languages = typeof note.contentMap === "object" && note.contentMap !== null ? Object.keys(note.contentMap) : [];
  return checked({
    text,
    visibility: to.length + cc.length === 0 ? "public" : visibilityOf(to, cc, followersUrl),
    summary: summary?.trim() || null,
    inReplyTo,
    language: languages[0] ?? null,
    addressees: actorRecipients(to, cc, followersUrl),
  });
}
