// A small Markdown subset to Mastodon-safe HTML: paragraphs, line breaks, **strong**, *em*,
// `code`, [links](https://…), bare URLs, @mentions and #hashtags. Everything else is escaped
// text, so the output only ever holds tags Mastodon keeps (p, br, a, span, strong, em, code).
import { escapeHtml } from "./html.ts";

export interface ResolvedMention {
  /** `@user@host` as written. */
  handle: string;
  actorId: string;
  /** Profile page, for the link; the actor id when there is none. */
  url: string;
  username: string;
}

export const MENTION_RE = /(^|[^\w/@])@([a-z0-9_]+(?:[.-][a-z0-9_]+)*)@([a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)/gi;
export const HASHTAG_RE = /(^|[^\w&#/])#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)/gu;
const INLINE_RE =
  /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])|`([^`\n]+)`|\*\*([^*\n]+)\*\*|\*([^*\n]+)\*|(^|[^\w/@])@([a-z0-9_]+(?:[.-][a-z0-9_]+)*)@([a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)|(^|[^\w&#/])#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)/giu;

function link(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}" rel="nofollow noopener noreferrer" target="_blank">${text}</a>`;
}

function inline(text: string, mentions: Map<string, ResolvedMention>, tagUrl: (name: string) => string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(INLINE_RE)) {
    out += escapeHtml(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) out += link(m[2]!, escapeHtml(m[1]));
    else if (m[3] !== undefined) out += link(m[3], escapeHtml(m[3]));
    else if (m[4] !== undefined) out += `<code>${escapeHtml(m[4])}</code>`;
    else if (m[5] !== undefined) out += `<strong>${inline(m[5], mentions, tagUrl)}</strong>`;
    else if (m[6] !== undefined) out += `<em>${inline(m[6], mentions, tagUrl)}</em>`;
    else if (m[8] !== undefined) {
      const handle = `@${m[8]}@${m[9]}`.toLowerCase();
      const mention = mentions.get(handle);
      out += escapeHtml(m[7] ?? "");
      out += mention
        ? `<span class="h-card" translate="no"><a href="${escapeHtml(mention.url)}" class="u-url mention">@<span>${escapeHtml(mention.username)}</span></a></span>`
        : escapeHtml(`@${m[8]}@${m[9]}`);
    } else if (m[11] !== undefined) {
      out += `${escapeHtml(m[10] ?? "")}<a href="${escapeHtml(tagUrl(m[11]))}" class="mention hashtag" rel="tag">#<span>${escapeHtml(m[11])}</span></a>`;
    }
  }
  return out + escapeHtml(text.slice(last));
}

export function renderMarkdown(text: string, mentions: Map<string, ResolvedMention>, tagUrl: (name: string) => string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${p.split("\n").map((line) => inline(line, mentions, tagUrl)).join("<br>")}</p>`)
    .join("");
}

export function findMentions(text: string): string[] {
  return [...new Set([...text.matchAll(MENTION_RE)].map((m) => `@${m[2]}@${m[3]}`.toLowerCase()))];
}

export function findHashtags(text: string): string[] {
  return [...new Set([...text.matchAll(HASHTAG_RE)].map((m) => m[2]!))];
}
