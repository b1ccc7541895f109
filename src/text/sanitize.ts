// Remote HTML → the HTML Mastodon keeps (its Sanitize::Config::MASTODON_STRICT, as of 4.x): a few
// structural and inline elements; links with allowed schemes; the classes that mark mentions,
// hashtags and shortened links. Every other element is unwrapped (its text stays), and script,
// style and similar elements are dropped with their content. The output is built from tokens,
// never copied through, so no attribute or tag survives that is not on the list.

const KEPT = new Set(["p", "br", "span", "a", "del", "s", "pre", "code", "em", "strong", "b", "i", "u", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "sup", "sub"]);
const VOID = new Set(["br"]);
// Elements whose content is not text to show.
const DROPPED = new Set(["script", "style", "template", "textarea", "title", "noscript", "iframe", "object", "embed", "svg", "math", "head", "select"]);
const LINK_SCHEMES = new Set(["http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"]);
const KEPT_CLASSES = new Set(["h-card", "u-url", "mention", "hashtag", "ellipsis", "invisible", "quote-inline"]);

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** Decodes the character references an attribute value may use, for checking it. */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : "";
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

const escapeAttr = (value: string) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeText = (value: string) => value.replace(/</g, "&lt;").replace(/>/g, "&gt;");

function safeHref(raw: string): string | null {
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  const value = decodeEntities(raw).replace(/[\u0000-\u0020\u007f]/g, "");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (!scheme || !LINK_SCHEMES.has(scheme)) return null;
  return decodeEntities(raw).trim();
}

function attributes(source: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of source.matchAll(/([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    const name = m[1]!.toLowerCase();
    if (!out.has(name)) out.set(name, m[2] ?? m[3] ?? m[4] ?? "");
  }
  return out;
}

function openTag(name: string, attrSource: string): string {
  const attrs = attributes(attrSource);
  const kept: string[] = [];
  if (name === "a") {
    const href = safeHref(attrs.get("href") ?? "");
    if (href) kept.push(`href="${escapeAttr(href)}"`);
    kept.push('rel="nofollow noopener noreferrer"', 'target="_blank"');
  }
  if ((name === "a" || name === "span") && attrs.has("class")) {
    const classes = decodeEntities(attrs.get("class")!).split(/\s+/).filter((c) => KEPT_CLASSES.has(c));
    if (classes.length > 0) kept.push(`class="${classes.join(" ")}"`);
  }
  if (name === "ol") {
    const start = attrs.get("start");
    if (start && /^\d{1,9}$/.test(start)) kept.push(`start="${start}"`);
    if (attrs.has("reversed")) kept.push("reversed");
  }
  if (name === "li") {
    const value = attrs.get("value");
    if (value && /^\d{1,9}$/.test(value)) kept.push(`value="${value}"`);
  }
  if (name === "span" || name === "a") {
    const translate = attrs.get("translate");
    if (translate === "no") kept.push('translate="no"');
  }
  return `<${name}${kept.length > 0 ? ` ${kept.join(" ")}` : ""}>`;
}

/** `html` from another server, safe to show; tags left open are closed at the end. */
export function sanitizeHtml(html: string): string {
  const out: string[] = [];
  const open: string[] = [];
  let dropping: string | null = null;
  const tag = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<[!?][^>]*>?/g;
  let last = 0;
  for (const m of html.matchAll(tag)) {
    const text = html.slice(last, m.index);
    last = m.index + m[0].length;
    if (!dropping) out.push(escapeText(text));
    const name = m[2]?.toLowerCase();
    if (!name) continue; // a comment, a doctype, or a stray "<!…": dropped
    const closing = m[1] === "/";
    if (dropping) {
      if (closing && name === dropping) dropping = null;
      continue;
    }
    if (DROPPED.has(name)) {
      if (!closing && !/\/\s*$/.test(m[3] ?? "")) dropping = name;
      continue;
    }
    if (!KEPT.has(name)) {
      // Unwrapped like Mastodon's sanitiser does, but block elements still separate their text.
      if (/^(div|section|article|header|footer|table|tr|figure|figcaption|dl|dt|dd|hr)$/.test(name) && !closing) out.push(" ");
      continue;
    }
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at === -1) continue;
      while (open.length > at) out.push(`</${open.pop()}>`);
      continue;
    }
    out.push(openTag(name, m[3] ?? ""));
    if (!VOID.has(name)) open.push(name);
  }
  if (!dropping) out.push(escapeText(html.slice(last)));
  while (open.length > 0) out.push(`</${open.pop()}>`);
  return out.join("");
}

/** A remote post's HTML for display: through the allowlist, an Article's `name` first as its title. */
export function remotePostHtml(content: string | null, articleTitle: string | null): string {
  return sanitizeHtml(articleTitle ? `<p><strong>${articleTitle.replace(/[<>&]/g, "")}</strong></p>${content ?? ""}` : (content ?? ""));
}
