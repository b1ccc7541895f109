// Inline Markdown: [links](https://…), bare URLs, `code`, **strong**, *em*, ~~strike~~,
// @user@host mentions and #hashtags. Every other character is escaped text, and links are
// http(s) only, so the output holds nothing Mastodon's sanitiser would drop or rewrite.
import { escapeHtml } from "./html.ts";

export interface InlineHooks {
  /** HTML for `@user@host` (lower-cased), or null to leave it as text. */
  mention(handle: string): string | null;
  hashtag(name: string): string;
}

/** `@user@host`: the character before must not continue a word, a path or another handle. */
const MENTION_SOURCE = String.raw`(^|[^\w/@])@([a-z0-9_]+(?:[.-][a-z0-9_]+)*)@([a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)`;
/** `#tag`: letters, digits and underscores with at least one letter, as Mastodon reads them. */
const HASHTAG_SOURCE = String.raw`(^|[^\w&#/])#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)`;
const URL_SOURCE = String.raw`https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]]`;

/** Text between delimiters: no delimiter inside, no space just inside either end. */
const span = (delimiter: string, char: string) => `${delimiter}([^${char}\\s](?:[^${char}\\n]*[^${char}\\s])?)${delimiter}`;

const INLINE_RE = new RegExp(
  [
    String.raw`\[([^[\]\n]+)\]\((${URL_SOURCE})\)`,
    `(${URL_SOURCE})`,
    "`([^`\\n]+)`",
    span("\\*\\*", "*"),
    span("\\*", "*"),
    span("~~", "~"),
    MENTION_SOURCE,
    HASHTAG_SOURCE,
  ].join("|"),
  "giu",
);

/** Plain text (what Mastodon apps send): only URLs, mentions and hashtags are recognised. */
const PLAIN_RE = new RegExp([`(${URL_SOURCE})`, MENTION_SOURCE, HASHTAG_SOURCE].join("|"), "giu");

function link(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}" rel="nofollow noopener noreferrer" target="_blank">${text}</a>`;
}

export function renderInline(text: string, hooks: InlineHooks): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(INLINE_RE)) {
    out += escapeHtml(text.slice(last, m.index));
    last = m.index + m[0].length;
    const [, linkText, linkHref, url, code, strong, em, strike, beforeMention, user, host, beforeTag, tag] = m;
    if (linkHref !== undefined) out += link(linkHref, escapeHtml(linkText!));
    else if (url !== undefined) out += link(url, escapeHtml(url));
    else if (code !== undefined) out += `<code>${escapeHtml(code)}</code>`;
    else if (strong !== undefined) out += `<strong>${renderInline(strong, hooks)}</strong>`;
    else if (em !== undefined) out += `<em>${renderInline(em, hooks)}</em>`;
    else if (strike !== undefined) out += `<del>${renderInline(strike, hooks)}</del>`;
    else if (user !== undefined) {
      const handle = `@${user}@${host}`;
      out += escapeHtml(beforeMention!) + (hooks.mention(handle.toLowerCase()) ?? escapeHtml(handle));
    } else out += escapeHtml(beforeTag!) + hooks.hashtag(tag!);
  }
  return out + escapeHtml(text.slice(last));
}

/** A line of plain text: escaped, with URLs linked and mentions and hashtags rendered by the hooks. */
export function renderPlainInline(text: string, hooks: InlineHooks): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(PLAIN_RE)) {
    out += escapeHtml(text.slice(last, m.index));
    last = m.index + m[0].length;
    const [, url, beforeMention, user, host, beforeTag, tag] = m;
    if (url !== undefined) out += link(url, escapeHtml(url));
    else if (user !== undefined) {
      const handle = `@${user}@${host}`;
      out += escapeHtml(beforeMention!) + (hooks.mention(handle.toLowerCase()) ?? escapeHtml(handle));
    } else out += escapeHtml(beforeTag!) + hooks.hashtag(tag!);
  }
  return out + escapeHtml(text.slice(last));
}
