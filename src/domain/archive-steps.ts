// What the archive export and import steps share: the row, and saving a step's cursor so that
// each step runs once. A step's job names its number (`seq`); the next step's job is queued before
// the cursor is saved, and the save only lands if the cursor is still at this step, so a
// redelivered or doubled message of a step already done changes nothing.
import { and, eq, sql } from "drizzle-orm";
import { archives } from "../db/schema.ts";
import type { Services } from "../services.ts";

export type ArchiveRow = typeof archives.$inferSelect;

type StepFields = Partial<Pick<ArchiveRow, "state" | "size" | "total" | "processed" | "imported" | "skipped" | "failed" | "failures" | "error">>;

/** Saves `cursor` (its seq one on) and `fields`; false when another run of this step saved first. */
export async function saveStep(s: Services, row: ArchiveRow, cursor: { seq: number }, fields: StepFields): Promise<boolean> {
  const seq = cursor.seq;
  cursor.seq = seq + 1;
  const finished = fields.state === "finished" || fields.state === "failed";
  if (!finished) await s.jobs.send({ kind: "archive", id: row.id, seq: seq + 1 });
  const saved = await s.db
    .update(archives)
    .set({ ...fields, cursor: JSON.stringify(cursor), ...(finished ? { finishedAt: s.now() } : {}) })
    .where(and(eq(archives.id, row.id), sql`coalesce(json_extract(${archives.cursor}, '$.seq'), 0) = ${seq}`))
    .returning({ id: archives.id });
  return saved.length > 0;
}
