// A page of rows by a numeric cursor column, as the client API's pagination helper
// (src/api/pagination.ts) describes it: lower < cursor < upper, read newest first or (min_id)
// oldest first and turned around, so every page comes newest first.
import { and, asc, desc, gt, lt, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

export interface CursorPage {
  lower: number | null;
  upper: number | null;
  ascending: boolean;
  limit: number;
}

export function cursorRange(column: SQLiteColumn, page: Pick<CursorPage, "lower" | "upper">): SQL | undefined {
  return and(page.lower !== null ? gt(column, page.lower) : undefined, page.upper !== null ? lt(column, page.upper) : undefined);
}

export function cursorOrder(column: SQLiteColumn, page: Pick<CursorPage, "ascending">): SQL {
  return page.ascending ? asc(column) : desc(column);
}

/** Rows read in cursorOrder, newest first: turned around in place when they were read oldest first (min_id). */
export function newestFirst<T>(rows: T[], page: Pick<CursorPage, "ascending">): T[] {
  return page.ascending ? rows.reverse() : rows;
}
