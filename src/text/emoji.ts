// Custom emoji in HTML the pages show: `:shortcode:` in text (never inside a tag or an attribute)
// becomes a small inline image. Run on HTML that is already sanitised (or on escaped plain text),
// so these images are the only ones the text can bring: the sanitiser itself allows no <img>.
import { escapeHtml } from "./html.ts";

export interface InlineEmoji {
  shortcode: string;
  url: string;
}

const SHORTCODE = /:([a-zA-Z0-9_+-]{1,100}):/g;

function image(shortcode: string, url: string): string {
  const alt = escapeHtml(`:${shortcode}:`);
  return `<img class="emoji" src="${escapeHtml(url)}" alt="${alt}" title="${alt}" width="20" height="20" loading="lazy">`;
}

/** `html` with each known `:shortcode:` in its text nodes replaced by the emoji's image. */
export function emojifyHtml(html: string, emojis: InlineEmoji[]): string {
  const known = new Map(emojis.filter((e) => /^https?:\/\//.test(e.url)).map((e) => [e.shortcode, e.url]));
  if (known.size === 0 || !html.includes(":")) return html;
  return html
    .split(/(<[^>]*>)/)
    .map((part) => (part.startsWith("<") ? part : part.replace(SHORTCODE, (whole, code: string) => (known.has(code) ? image(code, known.get(code)!) : whole))))
    .join("");
}

/** Plain text (a display name, a content warning) as HTML with its custom emoji shown. */
export function emojifyText(text: string, emojis: InlineEmoji[]): string {
  return emojifyHtml(escapeHtml(text), emojis);
}
