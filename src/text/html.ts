// Plain text to the small HTML subset Mastodon keeps (p, br, a). Used for the bio and profile
// fields; post bodies go through the Markdown renderer, which builds on these helpers.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Escapes text and turns bare http(s) URLs into links Mastodon keeps. */
export function linkify(text: string, rel = "nofollow noopener noreferrer"): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const url = match[0];
    out += escapeHtml(text.slice(last, match.index));
    out += `<a href="${escapeHtml(url)}" rel="${rel}" target="_blank">${escapeHtml(url)}</a>`;
    last = match.index + url.length;
  }
  return out + escapeHtml(text.slice(last));
}

/** Paragraphs on blank lines, <br> on single newlines, links for URLs. */
export function textToHtml(text: string, rel?: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, "\n")
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean);
  return paragraphs.map((p) => `<p>${p.split("\n").map((line) => linkify(line, rel)).join("<br>")}</p>`).join("");
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntity(entity: string, name: string): string {
  if (name.startsWith("#")) {
    const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  }
  return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
}

/**
 * The text an HTML `content` shows (ActivityStreams content is HTML unless mediaType says
 * otherwise): line breaks and block ends become newlines, every tag is dropped. The result is
 * rendered again as Markdown, so nothing of the original markup survives.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/li>\s*/gi, "\n")
    .replace(/<\/(p|div|blockquote|pre|ul|ol|h[1-6])>\s*/gi, "\n\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,8});/g, decodeEntity)
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
