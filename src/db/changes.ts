import type { SQL } from "drizzle-orm";
import type { Database } from "./client.ts";

/** Runs a DELETE or UPDATE and returns how many rows it changed (D1's meta.changes). */
export async function changedRows(db: Database, query: SQL): Promise<number> {
  const result = await db.run(query);
  return (result as unknown as { meta?: { changes?: number } }).meta?.changes ?? 0;
}
