// Link preview cards from HTML, with the runtime's streaming HTMLRewriter (lol-html, native code):
// the links of a post, and the OpenGraph / Twitter / oEmbed tags of a page, turned into Mastodon's
// PreviewCard entity. Pure: fetching and storing are src/domain/cards.ts. Every text that reaches
// the card is plain text (entities decoded, tags removed), and the only HTML a card carries is an
// <iframe> built here from a checked https URL, never markup copied from the page.
import { escapeHtml, htmlToText } from "./html.ts";

export interface Anchor {
  href: string;
  rel: string;
  className: string;
}

/** The `<a href>` elements of `html`, in order. */
export async function anchors(html: string): Promise<Anchor[]> {
  const out: Anchor[] = [];
  await new HTMLRewriter()
    .on("a[href]", {
      element(a) {
        out.push({ href: decode(a.getAttribute("href") ?? ""), rel: a.getAttribute("rel") ?? "", className: a.getAttribute("class") ?? "" });
      },
    })
    .transform(new Response(html))
    .arrayBuffer();
  return out;
}

/** What a page says about itself: its meta tags (first of each name wins), title, language and oEmbed link. */
export interface PageMeta {
  meta: Map<string, string>;
  title: string;
  language: string | null;
  /** The JSON oEmbed endpoint the page names (`<link rel="alternate" type="application/json+oembed">`), as written. */
  oembed: string | null;
  /** `<link rel="canonical">`, as written. */
  canonical: string | null;
}

/** The most of a page read for its tags: the rewriter's CPU grows with the bytes (about 5 ms for 500 KiB; BENCHMARKS.md → Link cards). */
export const HEAD_BYTES = 256 * 1024;

const lower = (b: number) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
const HEAD_END = [..."</head"].map((c) => c.charCodeAt(0));
const BODY_START = [..."<body"].map((c) => c.charCodeAt(0));

/**
 * Where the head ends (`</head` or `<body`), at most HEAD_BYTES: the tags a card is made of
 * belong in the head (OpenGraph asks for it), and the body is most of a page's bytes.
 */
export function headLength(page: Uint8Array): number {
  const end = Math.min(page.length, HEAD_BYTES);
  const at = (i: number, word: number[]) => word.every((c, k) => lower(page[i + k]!) === c);
  for (let i = page.indexOf(0x3c); i !== -1 && i < end; i = page.indexOf(0x3c, i + 1)) {
    if (at(i, HEAD_END) || at(i, BODY_START)) return i;
  }
  return end;
}

/** Reads the tags of an HTML page's head; `page` is the page as fetched (HTMLRewriter decodes it by the response's charset). */
export async function pageMeta(page: Uint8Array, contentType = "text/html; charset=utf-8"): Promise<PageMeta> {
  const body = page.subarray(0, headLength(page));
  const meta = new Map<string, string>();
  let title = "";
  let inTitle = false;
  let titleDone = false;
  let language: string | null = null;
  let oembed: string | null = null;
  let canonical: string | null = null;
  await new HTMLRewriter()
    .on("html[lang]", {
      element(e) {
        language ??= e.getAttribute("lang");
      },
    })
    .on("meta[content]", {
      element(e) {
        const key = (e.getAttribute("property") ?? e.getAttribute("name") ?? "").trim().toLowerCase();
        if (key && !meta.has(key)) meta.set(key, e.getAttribute("content")!);
      },
    })
    .on("link[href]", {
      element(e) {
        const rel = ` ${(e.getAttribute("rel") ?? "").toLowerCase()} `;
        const type = (e.getAttribute("type") ?? "").toLowerCase();
        if (rel.includes(" alternate ") && type === "application/json+oembed") oembed ??= e.getAttribute("href");
        if (rel.includes(" canonical ")) canonical ??= e.getAttribute("href");
      },
    })
    // The first title: the document's (an SVG's is in the body, which is not read). A plain
    // selector: `head title` would be tested against every element of a head that never ends.
    .on("title", {
      element(e) {
        if (titleDone) return;
        inTitle = true;
        e.onEndTag(() => {
          inTitle = false;
          titleDone = true;
        });
      },
      text(t) {
        if (inTitle) title += t.text;
      },
    })
    .transform(new Response(body, { headers: { "Content-Type": contentType } }))
    .arrayBuffer();
  return { meta, title, language, oembed, canonical };
}

/** The first `<iframe src>` of an oEmbed `html`, or null. */
async function iframeSrc(html: string): Promise<string | null> {
  let src: string | null = null;
  await new HTMLRewriter()
    .on("iframe[src]", {
      element(e) {
        src ??= e.getAttribute("src");
      },
    })
    .transform(new Response(html))
    .arrayBuffer();
  return src;
}

/** Mastodon's PreviewCard entity (REST::PreviewCardSerializer). */
export interface PreviewCard {
  url: string;
  title: string;
  description: string;
  language: string | null;
  type: "link" | "photo" | "video" | "rich";
  author_name: string;
  author_url: string;
  provider_name: string;
  provider_url: string;
  html: string;
  width: number;
  height: number;
  image: string | null;
  image_description: string;
  embed_url: string;
  blurhash: string | null;
  published_at: string | null;
  authors: { name: string; url: string; account: null }[];
}

const TITLE_CHARS = 250;
const DESCRIPTION_CHARS = 1000;

/** Attribute values and title text come raw from the rewriter: references decoded here. */
function decode(value: string): string {
  return htmlToText(value.replace(/</g, "&lt;"));
}

/** Plain text: references decoded, any markup (even markup written as references) removed, spaces collapsed, bounded. */
export function plainText(value: string | null | undefined, max: number): string {
  if (!value) return "";
  const text = htmlToText(htmlToText(value)).replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** An absolute http(s) URL for `value` relative to `base`, or null. */
export function httpUrl(value: string | null | undefined, base: string): string | null {
  if (!value) return null;
  try {
    const url = new URL(decode(value).trim(), base);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

const dimension = (value: unknown): number => {
  const n = typeof value === "number" ? value : Number.parseInt(String(value ?? ""), 10);
  return Number.isFinite(n) && n > 0 && n < 100_000 ? Math.round(n) : 0;
};

function player(src: string, width: number, height: number): string {
  return `<iframe src="${escapeHtml(src)}" width="${width}" height="${height}" allowfullscreen="true" frameborder="0" scrolling="no"></iframe>`;
}

function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/**
 * The card for the page at `pageUrl` (where it was finally fetched from) linked as `link`, from its
 * tags and, when it named one, its oEmbed answer (`oembed`, parsed JSON, with `oembedUrl`). Null
 * when the page gives nothing to show (no title and no player), as Mastodon keeps no card then.
 */
export async function buildCard(link: string, pageUrl: string, page: PageMeta, oembed: Record<string, unknown> | null, oembedUrl: string | null): Promise<PreviewCard | null> {
  const m = (...keys: string[]) => {
    for (const k of keys) {
      const v = page.meta.get(k);
      if (v && v.trim()) return v;
    }
    return undefined;
  };
  const sameOrigin = (u: string | null) => (u && new URL(u).origin === new URL(pageUrl).origin ? u : null);
  const card: PreviewCard = {
    url: sameOrigin(httpUrl(m("og:url") ?? page.canonical, pageUrl)) ?? link,
    title: plainText(m("og:title", "twitter:title") ?? decode(page.title), TITLE_CHARS),
    description: plainText(m("og:description", "twitter:description", "description"), DESCRIPTION_CHARS),
    language: (m("og:locale") ?? page.language)?.trim().split(/[-_]/)[0]?.toLowerCase().slice(0, 8) || null,
    type: "link",
    author_name: plainText(m("author", "article:author", "twitter:creator"), TITLE_CHARS),
    author_url: "",
    provider_name: plainText(m("og:site_name", "application-name"), TITLE_CHARS),
    provider_url: "",
    html: "",
    width: dimension(m("og:image:width")),
    height: dimension(m("og:image:height")),
    image: httpUrl(m("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"), pageUrl),
    image_description: plainText(m("og:image:alt", "twitter:image:alt"), DESCRIPTION_CHARS),
    embed_url: "",
    blurhash: null,
    published_at: isoDate(m("article:published_time", "og:published_time")),
    authors: [],
  };
  // A player: Twitter's tag, as Mastodon reads it (only an https one can be framed from an https page).
  const playerUrl = httpUrl(m("twitter:player"), pageUrl);
  if (playerUrl?.startsWith("https:")) {
    card.type = "video";
    card.width = dimension(m("twitter:player:width"));
    card.height = dimension(m("twitter:player:height"));
    card.html = player(playerUrl, card.width, card.height);
  }
  if (oembed && oembedUrl) await applyOembed(card, oembed, oembedUrl);
  if (card.author_name) card.authors = [{ name: card.author_name, url: card.author_url, account: null }];
  return card.title || card.html ? card : null;
}

/** oEmbed's answer over the tags, as Mastodon prefers it: photo and video; `rich` (scripts, mostly) is not used. */
async function applyOembed(card: PreviewCard, o: Record<string, unknown>, base: string): Promise<void> {
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const type = str(o.type);
  if (type !== "link" && type !== "photo" && type !== "video") return;
  if (type === "photo") {
    const url = httpUrl(str(o.url), base);
    if (!url) return;
    card.type = "photo";
    card.embed_url = url;
    card.image = url;
    card.width = dimension(o.width);
    card.height = dimension(o.height);
  }
  if (type === "video") {
    const src = httpUrl(await iframeSrc(str(o.html) ?? ""), base);
    if (!src?.startsWith("https:")) return;
    card.type = "video";
    card.width = dimension(o.width);
    card.height = dimension(o.height);
    card.html = player(src, card.width, card.height);
  }
  if (type !== "photo") card.image = httpUrl(str(o.thumbnail_url), base) ?? card.image;
  card.title = plainText(str(o.title), TITLE_CHARS) || card.title;
  card.author_name = plainText(str(o.author_name), TITLE_CHARS) || card.author_name;
  card.author_url = httpUrl(str(o.author_url), base) ?? card.author_url;
  card.provider_name = plainText(str(o.provider_name), TITLE_CHARS) || card.provider_name;
  card.provider_url = httpUrl(str(o.provider_url), base) ?? card.provider_url;
}
