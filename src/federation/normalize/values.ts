// Readers for single JSON-LD values in the shapes servers actually send: a value or an array of them,
// an IRI or an object carrying an `id`, a string or a language map.
import { PUBLIC } from "../vocabulary.ts";

export const PUBLIC_COLLECTION = PUBLIC;

/** Longer IRIs are refused: nobody needs them, and parsing them costs CPU. */
const MAX_IRI_LENGTH = 4096;
const MAX_DATE_LENGTH = 64;

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An own property only, so `constructor` and friends never leak in from the prototype. */
export function field(json: Json, key: string): unknown {
  return Object.hasOwn(json, key) ? json[key] : undefined;
}

/** A single value or an array as an array, looking at no more than `limit` entries. */
export function asArray(value: unknown, limit: number): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.slice(0, limit) : [value];
}

export function isPublic(iri: string): boolean {
  return iri === PUBLIC_COLLECTION || iri === "as:Public" || iri === "Public";
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-escapes in upper case, and escapes of unreserved characters decoded (RFC 3986 §6.2.2). */
function normalizeEscapes(part: string): string {
  return part.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/**
 * The canonical spelling of an absolute http(s) IRI, or null (docs/inbox.md, rule 3): lower-case
 * scheme and host, no trailing dot on the host, no default port, dot segments resolved, percent
 * escapes normalised. Control characters and spaces are refused, not stripped (the URL parser
 * would silently drop tabs and newlines, making two spellings of one id).
 */
export function canonicalIri(value: string): string | null {
  if (value.length > MAX_IRI_LENGTH || /[\u0000-\u0020\u007f-\u009f]/.test(value)) return null;
  if (!/^https?:\/\//i.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (url.hostname.endsWith(".")) url.hostname = url.hostname.replace(/\.+$/, "");
  if (!url.hostname) return null;
  url.pathname = normalizeEscapes(url.pathname);
  if (url.search) url.search = normalizeEscapes(url.search);
  if (url.hash) url.hash = normalizeEscapes(url.hash);
  return url.href;
}

/** The canonical IRI (see canonicalIri) when it is an absolute http(s) URL, else null. */
export function httpIri(value: unknown): string | null {
  return typeof value === "string" ? canonicalIri(value) : null;
}

/** Host (with port) of an http(s) IRI, lowercased; null for anything else. */
export function hostOf(iri: string): string | null {
  const canonical = httpIri(iri);
  return canonical === null ? null : new URL(canonical).host;
}

/**
 * The host of an http(s) IRI without its port, and each parent domain of it (`a.b.example.com`
 * → itself, `b.example.com`, `example.com`): what a domain block names. Empty for anything else.
 */
export function domainsOf(iri: string): string[] {
  const host = hostOf(iri)?.replace(/:\d+$/, "");
  if (!host) return [];
  const labels = host.split(".");
  const parents = labels.map((_, i) => labels.slice(i).join(".")).filter((d) => d.includes("."));
  return parents.length > 0 ? parents : [host];
}

/** The id of a reference: an IRI string, or an object with an `id` (`{id}` link or embedded document). */
export function idOf(value: unknown): string | null {
  if (typeof value === "string") return httpIri(value);
  if (isRecord(value)) return httpIri(field(value, "id"));
  return null;
}

/** The first usable id of a value that may be an array (Mastodon reads `inbox` this way). */
export function firstId(value: unknown): string | null {
  for (const entry of asArray(value, 10)) {
    const id = idOf(entry);
    if (id) return id;
  }
  return null;
}

/** Ids of every usable entry, deduplicated, inspecting at most `limit` entries. */
export function idList(value: unknown, limit: number): string[] {
  const ids = new Set<string>();
  for (const entry of asArray(value, limit)) {
    const id = idOf(entry);
    if (id) ids.add(id);
  }
  return [...ids];
}

/** An addressing list (`to`, `cc`, `audience`) with every spelling of Public made the full IRI. */
export function audienceList(value: unknown, limit: number): string[] {
  const ids = new Set<string>();
  for (const entry of asArray(value, limit)) {
    const raw = isRecord(entry) ? field(entry, "id") : entry;
    if (typeof raw === "string" && isPublic(raw)) ids.add(PUBLIC_COLLECTION);
    else {
      const id = idOf(entry);
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** The first string value of a language map (`contentMap`, `nameMap`, ...) and its language. */
export function firstOfMap(value: unknown): { text: string; language: string } | null {
  if (!isRecord(value)) return null;
  for (const language of Object.keys(value).slice(0, 50)) {
    const text = value[language];
    if (typeof text === "string") return { text, language };
  }
  return null;
}

/** `key` as a string, else the first value of `keyMap`. */
export function localized(json: Json, key: string): string | null {
  return stringOrNull(field(json, key)) ?? firstOfMap(field(json, `${key}Map`))?.text ?? null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO 8601 date-time; anything else (including lenient forms `Date` would accept) is null. */
export function dateOrNull(value: unknown): Date | null {
  if (typeof value !== "string" || value.length > MAX_DATE_LENGTH || !ISO_DATE.test(value)) return null;
  const time = Date.parse(value);
  return Number.isFinite(time) ? new Date(time) : null;
}

export function nonNegativeIntegerOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

const AS_PREFIXES = ["https://www.w3.org/ns/activitystreams#", "as:"];

/** The `type` values as short AS names (`as:Note` and the full IRI become `Note`). */
export function typeNames(json: Json): string[] {
  const names: string[] = [];
  for (const entry of asArray(field(json, "type"), 10)) {
    if (typeof entry !== "string" || entry.length === 0 || entry.length > 200) continue;
    const prefix = AS_PREFIXES.find((p) => entry.startsWith(p));
    names.push(prefix ? entry.slice(prefix.length) : entry);
  }
  return names;
}
