// Account archives (docs/portability.md): starting an export or an import, the `archive` job that
// runs their steps (src/domain/archive-export.ts, archive-import.ts), the report the API and CLI
// show, and the finished export's file for the owner's download.
import { desc, eq, sql } from "drizzle-orm";
import { archiveEntries, archives } from "../db/schema.ts";
import { snowflake } from "../db/snowflake.ts";
import type { Job } from "../delivery/jobs.ts";
import type { StoredObject } from "../media/store.ts";
import type { Services } from "../services.ts";
import { exportStep, exportTotal, newExportCursor, type ExportCursor } from "./archive-export.ts";
import { readArchiveDirectory, importStep, type ImportCursor } from "./archive-import.ts";
import type { ArchiveRow } from "./archive-steps.ts";
import { waitForBudget } from "./bulk-budget.ts";

/** The most an upload may be: a Worker request body is at most 100 MB on the Free and Pro plans. */
export const MAX_ARCHIVE_BYTES = 100 * 1024 * 1024;

export interface ArchiveReport {
  id: string;
  kind: "export" | "import";
  state: ArchiveRow["state"];
  total: number;
  processed: number;
  imported: number;
  skipped: number;
  failed: number;
  size: number | null;
  error: string | null;
  failures: string[];
  createdAt: string;
  finishedAt: string | null;
  /** A finished export's download (owner token or the owner's session). */
  download: string | null;
  /** An import's bookmarks.json, handed to a bookmarks import (GET /api/roost/imports/:id). */
  bookmarksImport: string | null;
}

export function archiveReport(s: Services, row: ArchiveRow): ArchiveReport {
  return {
    id: String(row.id),
    kind: row.kind,
    state: row.state,
    total: row.total,
    processed: row.processed,
    imported: row.imported,
    skipped: row.skipped,
    failed: row.failed,
    size: row.size,
    error: row.error,
    failures: JSON.parse(row.failures) as string[],
    createdAt: new Date(row.createdAt).toISOString(),
    finishedAt: row.finishedAt ? new Date(row.finishedAt).toISOString() : null,
    download: row.kind === "export" && row.state === "finished" ? `${s.urls.origin}/api/roost/archives/${row.id}/download` : null,
    bookmarksImport: row.kind === "import" ? ((JSON.parse(row.cursor) as ImportCursor).bookmarksImport ?? null) : null,
  };
}

export async function archiveRow(s: Services, id: number): Promise<ArchiveRow | null> {
  const [row] = await s.db.select().from(archives).where(eq(archives.id, id));
  return row ?? null;
}

export async function listArchives(s: Services): Promise<ArchiveRow[]> {
  return s.db.select().from(archives).orderBy(desc(archives.id)).limit(40);
}

/** An unguessable key: the bucket may be public (MEDIA_URL), and an archive holds followers-only and direct posts. */
function archiveKey(now: number, kind: "export" | "import"): string {
  const random = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  const stamp = new Date(now).toISOString().replace(/\D/g, "").slice(0, 14);
  return `archives/${random}/${kind === "export" ? `archive-${stamp}` : `upload-${stamp}`}.zip`;
}

export type ArchiveStarted = { ok: true; row: ArchiveRow } | { ok: false; status: 400 | 409 | 411 | 413; error: string };

/** Starts an export; one at a time, as Mastodon allows one backup in progress. */
export async function startExport(s: Services): Promise<ArchiveStarted> {
  const [running] = await s.db.select({ id: archives.id }).from(archives).where(sql`${archives.kind} = 'export' AND ${archives.state} IN ('queued', 'running')`);
  if (running) return { ok: false, status: 409, error: `export ${running.id} is still being made` };
  const now = s.now();
  const id = snowflake(now);
  const [row] = await s.db
    .insert(archives)
    .values({ id, kind: "export", state: "running", key: archiveKey(now, "export"), total: await exportTotal(s), cursor: JSON.stringify(newExportCursor(now)), createdAt: now })
    .returning();
  await s.jobs.send({ kind: "archive", id, seq: 0 });
  s.log("archive.export_started", { id, posts: row!.total });
  return { ok: true, row: row! };
}

/**
 * Stores an uploaded archive (the request body, `length` bytes) and reads its central directory;
 * a file that is not a usable zip is removed again and refused with the reason. `profile`: the
 * archive's actor.json becomes the profile once the posts are in.
 */
export async function startImport(s: Services, body: ReadableStream<Uint8Array> | null, length: number | null, options: { profile?: boolean } = {}): Promise<ArchiveStarted> {
  if (!body || length === null || !Number.isSafeInteger(length)) return { ok: false, status: 411, error: "send the zip as the request body, with its Content-Length" };
  if (length > MAX_ARCHIVE_BYTES) return { ok: false, status: 413, error: `the archive is larger than ${MAX_ARCHIVE_BYTES} bytes` };
  if (length < 22) return { ok: false, status: 400, error: "not a zip file: it is too short" };
  const now = s.now();
  const key = archiveKey(now, "import");
  await s.media.put(key, body.pipeThrough(new FixedLengthStream(length)), "application/zip");
  const directory = await readArchiveDirectory(s, key, length);
  if (!directory.ok) {
    await s.media.delete([key]);
    return { ok: false, status: 400, error: `not a usable archive: ${directory.error}` };
  }
  const id = snowflake(now);
  const cursor: ImportCursor = { seq: 0, at: 0, ...(options.profile ? { profile: true } : {}) };
  const [row] = await s.db.insert(archives).values({ id, kind: "import", state: "queued", key, size: length, cursor: JSON.stringify(cursor), createdAt: now }).returning();
  // A few statements for the whole directory, whatever its size (D1 binds at most 100 parameters).
  for (let i = 0; i < directory.value.length; i += 1000) {
    const chunk = JSON.stringify(directory.value.slice(i, i + 1000).map((e) => [e.name, e.method, e.compressedSize, e.size, e.offset]));
    await s.db.run(sql`INSERT OR IGNORE INTO archive_entries (archive_id, name, method, compressed_size, size, offset)
      SELECT ${id}, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(${chunk})`);
  }
  await s.jobs.send({ kind: "archive", id, seq: 0 });
  s.log("archive.import_started", { id, bytes: length, entries: directory.value.length });
  return { ok: true, row: row! };
}

/** The `archive` job: the archive's next step, once (a message of a step already done is dropped). */
export async function runArchive(job: Extract<Job, { kind: "archive" }>, s: Services): Promise<void> {
  const row = await archiveRow(s, job.id);
  if (!row || row.state === "finished" || row.state === "failed") return;
  const cursor = JSON.parse(row.cursor) as ExportCursor | ImportCursor;
  if ((cursor.seq ?? 0) !== (job.seq ?? 0)) return;
  if (await waitForBudget(s, job)) return;
  try {
    if (row.kind === "export") await exportStep(s, row, cursor as ExportCursor);
    else await importStep(s, row, cursor as ImportCursor);
  } catch (error) {
    // A step that cannot be made (the bucket refused, the upload vanished) ends the archive with the reason rather than retrying for ever.
    s.log("archive.failed", { id: row.id, kind: row.kind, error: String(error) });
    await s.db.update(archives).set({ state: "failed", error: String(error), finishedAt: s.now() }).where(eq(archives.id, row.id));
    await discardFiles(s, row, cursor).catch((e: unknown) => s.log("archive.cleanup_failed", { id: row.id, error: String(e) }));
  }
}

/** What a failed archive leaves in R2 and D1: an export's unfinished upload and carry, an import's upload and directory. */
async function discardFiles(s: Services, row: ArchiveRow, cursor: ExportCursor | ImportCursor): Promise<void> {
  if (row.kind === "export") {
    const exp = cursor as ExportCursor;
    if (exp.uploadId) await s.media.abortMultipart(row.key, exp.uploadId);
    if (exp.carried > 0) await s.media.delete([`${row.key}.carry-${exp.written}`]);
    return;
  }
  await s.media.delete([row.key, `${row.key}.outbox.json`]);
  await s.db.delete(archiveEntries).where(eq(archiveEntries.archiveId, row.id));
}

/** A finished export's zip, for the owner. */
export async function exportedFile(s: Services, id: number, request: Headers): Promise<{ row: ArchiveRow; object: StoredObject } | null> {
  const row = await archiveRow(s, id);
  if (!row || row.kind !== "export" || row.state !== "finished") return null;
  const object = await s.media.get(row.key, request);
  return object ? { row, object } : null;
}
