import { drizzle } from "drizzle-orm/d1";

export type Database = ReturnType<typeof database>;

// No relational schema: nothing uses db.query, and building its relational config for every
// Services object (each request, queue message and Durable Object call) cost CPU for nothing.
export function database(d1: D1Database) {
  return drizzle(d1);
}
