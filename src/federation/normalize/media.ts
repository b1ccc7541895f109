// URLs in their many spellings (string, Link, Image, arrays of them), images and attachments.
import type { Attachment } from "./types.ts";
import {
  asArray, field, httpIri, isRecord, localized, nonNegativeIntegerOrNull, stringOrNull, typeNames,
} from "./values.ts";

const MAX_URL_CANDIDATES = 20;
const MAX_IMAGES = 10;
const MAX_ATTACHMENTS = 20;

interface Link {
  href: string;
  mediaType: string | null;
}

/** Strings and Links (`href`) at one level, plus the `url` of an Image-like wrapper. */
function links(value: unknown, nested = true): Link[] {
  const found: Link[] = [];
  for (const entry of asArray(value, MAX_URL_CANDIDATES)) {
    const href = httpIri(entry);
    if (href) {
      found.push({ href, mediaType: null });
    } else if (isRecord(entry)) {
      const linkHref = httpIri(field(entry, "href"));
      if (linkHref) found.push({ href: linkHref, mediaType: stringOrNull(field(entry, "mediaType")) });
      else if (nested) found.push(...links(field(entry, "url"), false));
    }
  }
  return found;
}

/** The `url` value as one URL: the text/html one when there is a choice (PeerTube sends several). */
export function pageUrl(value: unknown): string | null {
  const candidates = links(value);
  return (candidates.find((l) => l.mediaType?.startsWith("text/html")) ?? candidates[0])?.href ?? null;
}

/** The first URL of a `url` value, with its Link's media type. */
function firstLink(value: unknown): Link | null {
  return links(value)[0] ?? null;
}

/** An `icon`/`image`: a URL string, an Image, or an array of them (the widest wins). */
export function imageUrl(value: unknown): string | null {
  let best: { url: string; width: number } | null = null;
  for (const entry of asArray(value, MAX_IMAGES)) {
    const url = isRecord(entry) ? firstLink(field(entry, "url"))?.href : httpIri(entry);
    if (!url) continue;
    const width = isRecord(entry) ? (nonNegativeIntegerOrNull(field(entry, "width")) ?? 0) : 0;
    if (!best || width > best.width) best = { url, width };
  }
  return best?.url ?? null;
}

function focalPoint(value: unknown): [number, number] | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [x, y] = value;
  const valid = (n: unknown): n is number => typeof n === "number" && n >= -1 && n <= 1;
  return valid(x) && valid(y) ? [x, y] : null;
}

function attachmentOf(entry: unknown): Attachment | null {
  if (!isRecord(entry)) return null;
  const href = httpIri(field(entry, "href"));
  const link = href ? { href, mediaType: null } : firstLink(field(entry, "url"));
  if (!link) return null;
  return {
    type: href ? "Link" : (typeNames(entry)[0] ?? "Document"),
    url: link.href,
    mediaType: stringOrNull(field(entry, "mediaType")) ?? link.mediaType,
    name: localized(entry, "name") ?? localized(entry, "summary"),
    blurhash: stringOrNull(field(entry, "blurhash")),
    width: nonNegativeIntegerOrNull(field(entry, "width")),
    height: nonNegativeIntegerOrNull(field(entry, "height")),
    focalPoint: focalPoint(field(entry, "focalPoint")),
  };
}

/** Media and link previews; a single object or an array. PropertyValues (no URL) drop out. */
export function attachments(value: unknown): Attachment[] {
  return asArray(value, MAX_ATTACHMENTS)
    .map(attachmentOf)
    .filter((a): a is Attachment => a !== null);
}
