// THE request-body parser of the C2S outbox and the Mastodon client API.
// Mastodon is a Rails app, and clients send what Rails accepts: JSON, urlencoded or multipart
// bodies, or none at all; parameters in the query string too (Mammoth, Ice Cubes' push), merged
// under the body; Rails keys (`a[]`, `a[b]`, `fields_attributes[0][name]`); booleans as
// true/false/1/0/on; JSON null and Mastodon.py's literal "None" meaning absent.
import type { AppContext } from "../context.ts";
import { boundaryOf, parseMultipart, UploadedFile } from "./multipart.ts";

export type Json = Record<string, unknown>;

/** The body as a JSON object, or null when it is not one (absent, malformed, an array, a scalar). */
export async function readJsonObject(c: AppContext): Promise<Json | null> {
  try {
    const body: unknown = await c.req.json();
    return body && typeof body === "object" && !Array.isArray(body) ? (body as Json) : null;
  } catch {
    return null;
  }
}

const MAX_KEYS = 500;
const MAX_DEPTH = 5;

/** `a[b][0][]` → ["a", "b", "0", ""]; null for keys deeper than we take. */
function railsPath(key: string): string[] | null {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) return [key];
  const rest = [...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!);
  return rest.length > MAX_DEPTH ? null : [match[1]!, ...rest];
}

const SAFE_KEY = (k: string) => k !== "__proto__" && k !== "constructor" && k !== "prototype";

function assign(target: Json, path: string[], value: unknown): void {
  let node: Json = target;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (!SAFE_KEY(key)) return;
    const last = i === path.length - 1;
    const next = path[i + 1];
    if (last) {
      if (key === "") return;
      node[key] = value;
      return;
    }
    if (next === "") {
      // `key[]`: a list (of scalars; `key[][id]` makes a list of objects, Rails' media_attributes[][id]).
      const list = Array.isArray(node[key]) ? (node[key] as unknown[]) : (node[key] = []) as unknown[];
      if (i + 1 === path.length - 1) {
        list.push(value);
        return;
      }
      const rest = path.slice(i + 2);
      const lastItem = list.at(-1) as Json | undefined;
      const item = lastItem && typeof lastItem === "object" && !(rest[0]! in lastItem) ? lastItem : {};
      if (item !== lastItem) list.push(item);
      assign(item, rest, value);
      return;
    }
    const child = node[key];
    node = child && typeof child === "object" && !Array.isArray(child) ? (child as Json) : (node[key] = {}) as Json;
  }
}

function fromPairs(pairs: Iterable<[string, unknown]>, into: Json = Object.create(null) as Json): Json {
  let n = 0;
  for (const [key, value] of pairs) {
    if (++n > MAX_KEYS) break;
    const path = railsPath(key);
    if (path) assign(into, path, value);
  }
  return into;
}

/** Without JSON's nulls, and with "None" (Mastodon.py) as absent. */
function withoutNulls(value: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== "None" && SAFE_KEY(k)) out[k] = v;
  return out;
}

export type BodyResult = { ok: true; params: Json } | { ok: false; error: string };

/** Query string and body, merged as Rails merges them (the body wins). */
export async function readParams(c: AppContext): Promise<BodyResult> {
  const url = new URL(c.req.url);
  const params = fromPairs(url.searchParams.entries());
  if (c.req.method === "GET" || c.req.method === "HEAD") return { ok: true, params: withoutNulls(params) };
  const type = (c.req.header("Content-Type") ?? "").toLowerCase();
  const body = new Uint8Array(await c.req.arrayBuffer());
  const text = type.startsWith("multipart/form-data") ? null : new TextDecoder().decode(body);
  if (type.startsWith("multipart/form-data")) {
    const boundary = boundaryOf(type);
    const parsed = boundary ? parseMultipart(body, boundary) : { ok: false as const, error: "the multipart body has no boundary" };
    if (!parsed.ok) return { ok: false, error: parsed.error };
    fromPairs(parsed.fields, params);
  } else if (text !== null && text.trim() !== "") {
    if (type.startsWith("application/x-www-form-urlencoded") || (!type.includes("json") && !/^\s*[{[]/.test(text))) {
      fromPairs(new URLSearchParams(text).entries(), params);
    } else {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, error: "the body is not valid JSON" };
      }
      if (!json || typeof json !== "object" || Array.isArray(json)) return { ok: false, error: "the body must be a JSON object" };
      Object.assign(params, withoutNulls(json as Json));
    }
  }
  return { ok: true, params: withoutNulls(params) };
}

/** The query string and a streamed multipart body's text fields (src/api/v1/media.ts streamedBody), merged as readParams merges them. */
export function paramsOf(c: AppContext, fields: [string, string][]): Json {
  const params = fromPairs(new URL(c.req.url).searchParams.entries());
  return withoutNulls(fromPairs(fields, params));
}

// Readers for one parameter. Wrong types count as absent, as Rails' params do with strong
// parameters; endpoints that must refuse say so themselves.

export function stringParam(params: Json, key: string): string | undefined {
  const value = params[key];
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return undefined;
}

export function boolParam(params: Json, key: string): boolean | undefined {
  const value = params[key];
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value !== "string") return undefined;
  const v = value.toLowerCase();
  if (["true", "1", "on", "t", "yes"].includes(v)) return true;
  if (["false", "0", "off", "f", "no", ""].includes(v)) return false;
  return undefined;
}

/** `key[]` (or `key` once, or a JSON array, or a JSON object of "0", "1"…) as strings. */
export function listParam(params: Json, key: string): string[] {
  const value = params[key] ?? params[`${key}[]`];
  const items = Array.isArray(value) ? value : value && typeof value === "object" ? Object.values(value as Json) : value === undefined ? [] : [value];
  return items.filter((v) => typeof v === "string" || typeof v === "number").map(String);
}

/** The bytes of a multipart file field (`file`, `avatar`…), a view into the body; null when the field is absent or not a file. */
export function fileParam(params: Json, key: string): Uint8Array | null {
  const value = params[key];
  return value instanceof UploadedFile ? value.bytes : null;
}
