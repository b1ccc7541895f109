// THE pagination helper of the client API, as Mastodon pages: `max_id` (older than), `since_id`
// (newer than, newest first), `min_id` (the page immediately newer, still newest first; it wins
// over since_id), `limit` with a default and a cap; a `Link` header with `next` (max_id) and
// `prev` (min_id) that keeps the other query parameters, and no links on an empty page, so
// clients that follow `next` stop.
import type { AppContext } from "../context.ts";

export interface Page {
  maxId: number | null;
  sinceId: number | null;
  minId: number | null;
  limit: number;
}

const id = (raw: string | undefined): number | null | undefined => {
  if (raw === undefined || raw === "") return null;
  return /^\d{1,16}$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : undefined;
};

/** The page asked for, or the reason it cannot be read. */
export function readPage(c: AppContext, sizes: { default: number; max: number }): Page | { error: string } {
  const maxId = id(c.req.query("max_id"));
  const sinceId = id(c.req.query("since_id"));
  const minId = id(c.req.query("min_id"));
  if (maxId === undefined || sinceId === undefined || minId === undefined) return { error: "max_id, since_id and min_id must be ids" };
  const rawLimit = c.req.query("limit");
  const limit = rawLimit === undefined || rawLimit === "" ? sizes.default : Number(rawLimit);
  if (!Number.isInteger(limit)) return { error: "limit must be a whole number" };
  return { maxId, sinceId, minId, limit: Math.min(Math.max(limit, 1), sizes.max) };
}

/** SQL-free bounds for a query on a numeric id column: `lower < id < upper`, and the order to read in. */
export function bounds(page: Page): { lower: number | null; upper: number | null; ascending: boolean } {
  if (page.minId !== null) return { lower: page.minId, upper: page.maxId, ascending: true };
  return { lower: page.sinceId, upper: page.maxId, ascending: false };
}

/** Items come newest first; sets `Link` from their cursor ids. */
export function setLinks(c: AppContext, page: Page, cursors: number[]): void {
  if (cursors.length === 0) return;
  const url = new URL(c.req.url);
  const link = (param: "max_id" | "min_id", value: number) => {
    const target = new URL(url);
    for (const p of ["max_id", "min_id", "since_id"]) target.searchParams.delete(p);
    target.searchParams.set(param, String(value));
    target.searchParams.set("limit", String(page.limit));
    return target.href;
  };
  const newest = Math.max(...cursors);
  const oldest = Math.min(...cursors);
  c.header("Link", `<${link("max_id", oldest)}>; rel="next", <${link("min_id", newest)}>; rel="prev"`);
}
