// CSV imports in Mastodon's formats (app/models/form/import.rb, bulk_import_service.rb,
// bulk_import_row_service.rb). The request only parses the file and stores one row per line;
// `import` jobs apply the rows a few at a time (the plan's importRowsPerJob, waiting for the next
// day past the plan's budget), each resolving its account through WebFinger. Every step is
// idempotent: a row already applied is skipped, following an account already followed only
// updates the follow's options, a block or domain block that exists is left alone, so a
// redelivered job or the same file imported again changes nothing twice.
//
// Rows are applied last line first, except lists: exports list the newest first (Mastodon's
// `reorder(id: :desc)`), so an exported file imported elsewhere exports again in the same order.
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { snowflake } from "../db/snowflake.ts";
import { blocks, bookmarks, following, importRows, imports, listAccounts, lists, mutes } from "../db/schema.ts";
import type { Job } from "../delivery/jobs.ts";
import { limitsFor } from "../delivery/limits.ts";
import { resolveHandle } from "../federation/lookup.ts";
import { httpIri } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { type CsvRow, parseCsv } from "../text/csv.ts";
import { blockActor, blockDomain, unblockActor, unblockDomain } from "./blocks.ts";
import { waitForBudget } from "./bulk-budget.ts";
import { actorAccts } from "./exports.ts";
import { changeFollowOptions, followAccount, unfollowAccount } from "./follows.ts";
import { addToList, createList } from "./lists.ts";
import { muteAccount, unmuteAccount } from "./mutes.ts";
import { fetchRemotePost, localPost } from "./statuses.ts";

export const IMPORT_TYPES = ["following", "blocking", "muting", "domain_blocking", "bookmarks", "lists"] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];
export type ImportMode = "merge" | "overwrite";

/** Mastodon's Form::Import limits are 20 MB and 20,000 rows; a Worker request parses the file, so the file is bounded lower. */
export const MAX_IMPORT_BYTES = 2_000_000;
export const MAX_IMPORT_ROWS = 20_000;

const EXPECTED_HEADERS: Record<ImportType, string[]> = {
  following: ["Account address", "Show boosts", "Notify on new posts", "Languages"],
  blocking: ["Account address"],
  muting: ["Account address", "Hide notifications"],
  domain_blocking: ["#domain"],
  bookmarks: ["#uri"],
  lists: ["List name", "Account address"],
};
const KNOWN_FIRST_HEADERS = new Set(Object.values(EXPECTED_HEADERS).map((h) => h[0]!));
/** Without a header line Mastodon reads only these columns. */
const DEFAULT_HEADERS: Record<ImportType, string[]> = {
  following: ["Account address"],
  blocking: ["Account address"],
  muting: ["Account address"],
  domain_blocking: ["#domain"],
  bookmarks: ["#uri"],
  lists: ["List name", "Account address"],
};

/** A parsed row as stored (Mastodon's BulkImportRow data). */
export interface RowData {
  acct?: string;
  show_reblogs?: boolean | null;
  notify?: boolean | null;
  languages?: string[] | null;
  hide_notifications?: boolean | null;
  domain?: string;
  uri?: string;
  list_name?: string;
}

// ActiveModel::Type::Boolean on the lower-cased field: blank is nil, these are false, the rest true.
const FALSE_VALUES = new Set(["0", "f", "false", "off"]);
function castBoolean(value: string | undefined): boolean | null {
  if (value === undefined || value.trim() === "") return null;
  return !FALSE_VALUES.has(value.trim().toLowerCase());
}

type RowResult = { ok: true; data: RowData } | { ok: false; error: string };

function rowData(type: ImportType, headers: string[], row: CsvRow): RowResult {
  const get = (name: string) => {
    const at = headers.indexOf(name);
    return at < 0 ? undefined : row.fields[at];
  };
  const data: RowData = {};
  if (EXPECTED_HEADERS[type].includes("Account address")) {
    const acct = (get("Account address") ?? "").trim().replace(/^@/, "");
    if (!/^[^@\s]+@[^@\s]+$/.test(acct)) return { ok: false, error: `line ${row.line}: "${acct}" is not an account address (user@host)` };
    data.acct = acct;
  }
  if (type === "following") {
    data.show_reblogs = castBoolean(get("Show boosts"));
    data.notify = castBoolean(get("Notify on new posts"));
    const languages = (get("Languages") ?? "").split(",").map((l) => l.trim()).filter(Boolean);
    data.languages = languages.length > 0 ? languages : null;
  }
  if (type === "muting") data.hide_notifications = castBoolean(get("Hide notifications"));
  if (type === "domain_blocking") {
    const domain = (get("#domain") ?? "").trim().toLowerCase();
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) return { ok: false, error: `line ${row.line}: "${domain}" is not a domain` };
    data.domain = domain;
  }
  if (type === "bookmarks") {
    const uri = (get("#uri") ?? "").trim();
    if (!httpIri(uri)) return { ok: false, error: `line ${row.line}: "${uri}" is not a post URL` };
    data.uri = uri;
  }
  if (type === "lists") {
    const name = (get("List name") ?? "").trim();
    if (!name) return { ok: false, error: `line ${row.line}: the list name is empty` };
    data.list_name = name;
  }
  return { ok: true, data };
}

export type ImportStarted = { ok: true; id: number; total: number } | { ok: false; status: 400 | 413; error: string; line?: number };

/** Parses `text` as a `type` CSV, stores its rows and queues the first job; a malformed file is refused whole with its line. */
export async function startImport(s: Services, type: ImportType, mode: ImportMode, text: string): Promise<ImportStarted> {
  if (text.length > MAX_IMPORT_BYTES) return { ok: false, status: 413, error: `the file is larger than ${MAX_IMPORT_BYTES} bytes` };
  const parsed = parseCsv(text);
  if (!parsed.ok) return { ok: false, status: 400, error: `malformed CSV: ${parsed.error}`, line: parsed.line };
  let rows = parsed.rows;
  if (rows.length === 0) return { ok: false, status: 400, error: "the file is empty" };
  let headers = DEFAULT_HEADERS[type];
  if (KNOWN_FIRST_HEADERS.has(rows[0]!.fields[0]!.trim())) {
    headers = rows[0]!.fields.map((f) => f.trim());
    rows = rows.slice(1);
    const missing = DEFAULT_HEADERS[type].filter((h) => !headers.includes(h));
    if (missing.length > 0) return { ok: false, status: 400, error: `this is not a ${type} file: the header line lacks ${missing.join(", ")}`, line: 1 };
  }
  if (rows.length > MAX_IMPORT_ROWS) return { ok: false, status: 400, error: `at most ${MAX_IMPORT_ROWS} rows per import` };
  const stored: { line: number; data: RowData }[] = [];
  for (const row of rows) {
    const data = rowData(type, headers, row);
    if (!data.ok) return { ok: false, status: 400, error: data.error, line: row.line };
    stored.push({ line: row.line, data: data.data });
  }
  return { ok: true, ...(await queueImport(s, type, mode, stored)) };
}

/**
 * A bookmarks import of post URIs read from elsewhere than a CSV (an account archive's
 * bookmarks.json), newest first as the CSV lists them: the rows the CSV path makes, applied by the
 * same jobs. A URI that is not a post URL is left out; null when none is left.
 */
export async function importBookmarkUris(s: Services, uris: string[]): Promise<{ id: number; total: number } | null> {
  const stored = uris.slice(0, MAX_IMPORT_ROWS).flatMap((uri, i) => {
    const data = rowData("bookmarks", DEFAULT_HEADERS.bookmarks, { line: i + 1, fields: [uri] });
    return data.ok ? [{ line: i + 1, data: data.data }] : [];
  });
  return stored.length > 0 ? queueImport(s, "bookmarks", "merge", stored) : null;
}

/** Stores an import's rows and queues its first job. */
async function queueImport(s: Services, type: ImportType, mode: ImportMode, stored: { line: number; data: RowData }[]): Promise<{ id: number; total: number }> {
  const id = snowflake(s.now());
  await s.db.insert(imports).values({ id, type, mode, state: "queued", total: stored.length, createdAt: s.now() });
  // A few statements for the whole file, whatever its size (D1 binds at most 100 parameters).
  for (let i = 0; i < stored.length; i += 1000) {
    const chunk = JSON.stringify(stored.slice(i, i + 1000).map((r) => [r.line, JSON.stringify(r.data)]));
    await s.db.run(sql`INSERT OR IGNORE INTO import_rows (import_id, line, data)
      SELECT ${id}, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${chunk})`);
  }
  await s.jobs.send({ kind: "import", id });
  s.log("import.started", { id, type, mode, rows: stored.length });
  return { id, total: stored.length };
}

type Applied = { ok: true; actorId?: string } | { ok: false; error: string };

async function resolveAccount(s: Services, acct: string): Promise<{ ok: true; id: string } | { ok: false; error: string }> {
  const [user, host] = acct.split("@");
  if (user?.toLowerCase() === s.config.username.toLowerCase() && (host === s.config.handleDomain || host === new URL(s.config.origin).host)) return { ok: true, id: s.urls.actor };
  const actor = await resolveHandle(s.db, s.fetcher, acct);
  return actor.ok ? { ok: true, id: actor.value.id } : { ok: false, error: `${acct} could not be resolved: ${actor.reason}` };
}

/** Mastodon's `owned_lists.find_or_create_by!(title:)`. */
async function listNamed(s: Services, title: string): Promise<{ ok: true; id: number } | { ok: false; error: string }> {
  const [list] = await s.db.select({ id: lists.id }).from(lists).where(eq(lists.title, title)).orderBy(asc(lists.id)).limit(1);
  if (list) return { ok: true, id: list.id };
  const made = await createList(s, { title });
  return made.ok ? { ok: true, id: made.list.id } : { ok: false, error: made.error };
}

async function applyRow(s: Services, type: ImportType, data: RowData): Promise<Applied> {
  if (type === "domain_blocking") {
    const [held] = await s.db.select().from(blocks).where(and(eq(blocks.kind, "domain"), eq(blocks.value, data.domain!)));
    if (!held) await blockDomain(s, data.domain!);
    return { ok: true };
  }
  if (type === "bookmarks") {
    const uri = (await localPost(s, data.uri!))?.uri ?? (await fetchRemotePost(s, data.uri!));
    if (typeof uri !== "string" && !uri.ok) return { ok: false, error: `the post could not be fetched: ${uri.reason}` };
    const statusUri = typeof uri === "string" ? uri : uri.row.uri;
    // Ids rise row by row, so the newest-first export keeps the file's order even within one millisecond.
    const id = sql`max(${snowflake(s.now())}, coalesce((SELECT max(id) FROM bookmarks), 0) + 1)`;
    await s.db.insert(bookmarks).values({ id: id as unknown as number, statusUri }).onConflictDoNothing();
    return { ok: true, actorId: statusUri };
  }
  const account = await resolveAccount(s, data.acct!);
  if (!account.ok) return account;
  const actorId = account.id;
  const self = actorId === s.urls.actor;
  if (type === "following" || type === "lists") {
    if (self && type === "following") return { ok: false, error: "that is this account" };
    const options = type === "following" ? { reblogs: data.show_reblogs ?? undefined, notify: data.notify ?? undefined } : {};
    if (!self && !(await changeFollowOptions(s, actorId, options))) {
      const followed = await followAccount(s, actorId, options);
      if (!followed.ok) return { ok: false, error: followed.error };
    }
    if (type === "lists") {
      const list = await listNamed(s, data.list_name!);
      if (!list.ok) return list;
      const [member] = await s.db.select().from(listAccounts).where(and(eq(listAccounts.listId, list.id), eq(listAccounts.actorId, actorId)));
      if (!member) {
        const added = await addToList(s, list.id, [actorId]);
        if (!added.ok) return { ok: false, error: added.error };
      }
    }
    return { ok: true, actorId };
  }
  if (self) return { ok: false, error: "that is this account" };
  if (type === "blocking") {
    const [held] = await s.db.select().from(blocks).where(and(eq(blocks.kind, "actor"), eq(blocks.value, actorId)));
    if (!held) await blockActor(s, actorId);
  } else {
    // MuteService's notifications: defaults to true when the column is absent or blank.
    await muteAccount(s, actorId, { hideNotifications: data.hide_notifications ?? true, durationSeconds: 0 });
  }
  return { ok: true, actorId };
}

async function recount(s: Services, id: number): Promise<{ pending: number }> {
  const [c] = await s.db
    .select({
      done: sql<number>`sum(state = 'done')`,
      failed: sql<number>`sum(state = 'failed')`,
      pending: sql<number>`sum(state = 'pending')`,
    })
    .from(importRows)
    .where(eq(importRows.importId, id));
  const done = c?.done ?? 0;
  const failedRows = c?.failed ?? 0;
  await s.db.update(imports).set({ processed: done + failedRows, imported: done, failed: failedRows }).where(eq(imports.id, id));
  return { pending: c?.pending ?? 0 };
}

/**
 * Overwrite: what the file does not name goes (Mastodon's overwrite mode). An account whose row
 * failed to resolve is kept, since the file did name it. Unfollows and unblocks send an Undo each,
 * so at most `max` of them per job; returns whether more remain.
 */
async function removeUnlisted(s: Services, type: ImportType, id: number, max: number): Promise<boolean> {
  const rows = await s.db.select({ data: importRows.data, state: importRows.state, actorId: importRows.actorId }).from(importRows).where(eq(importRows.importId, id));
  const kept = new Set(rows.flatMap((r) => (r.actorId ? [r.actorId] : [])));
  const failedAccts = new Set(rows.filter((r) => r.state === "failed").map((r) => ((JSON.parse(r.data) as RowData).acct ?? "").toLowerCase()));
  const unlisted = async (ids: string[]) => {
    const accts = await actorAccts(s, ids);
    return ids.filter((a) => !kept.has(a) && !failedAccts.has((accts.get(a) ?? "").toLowerCase()));
  };
  if (type === "following") {
    const gone = await unlisted((await s.db.select({ id: following.actorId }).from(following)).map((r) => r.id));
    for (const actorId of gone.slice(0, max)) await unfollowAccount(s, actorId);
    return gone.length > max;
  }
  if (type === "blocking") {
    const gone = await unlisted((await s.db.select({ id: blocks.value }).from(blocks).where(eq(blocks.kind, "actor"))).map((r) => r.id));
    for (const actorId of gone.slice(0, max)) await unblockActor(s, actorId);
    return gone.length > max;
  }
  if (type === "muting") {
    for (const actorId of await unlisted((await s.db.select({ id: mutes.actorId }).from(mutes)).map((r) => r.id))) await unmuteAccount(s, actorId);
  } else if (type === "domain_blocking") {
    const named = new Set(rows.map((r) => (JSON.parse(r.data) as RowData).domain));
    for (const { value } of await s.db.select({ value: blocks.value }).from(blocks).where(eq(blocks.kind, "domain"))) if (!named.has(value)) await unblockDomain(s, value);
  } else if (type === "bookmarks") {
    const named = [...new Set([...kept, ...rows.map((r) => (JSON.parse(r.data) as RowData).uri!)])];
    await s.db.delete(bookmarks).where(sql`${bookmarks.statusUri} NOT IN (SELECT value FROM json_each(${JSON.stringify(named)}))`);
  }
  return false;
}

/** Lists in overwrite mode: lists the file does not name go, the rest are emptied, before any row (bulk_import_service.rb). */
async function clearLists(s: Services, id: number): Promise<void> {
  const rows = await s.db.select({ data: importRows.data }).from(importRows).where(eq(importRows.importId, id));
  const titles = JSON.stringify([...new Set(rows.map((r) => (JSON.parse(r.data) as RowData).list_name))]);
  await s.db.run(sql`DELETE FROM list_accounts WHERE list_id IN (SELECT id FROM lists)`);
  await s.db.delete(lists).where(sql`${lists.title} NOT IN (SELECT value FROM json_each(${titles}))`);
}

/** The `import` job: the next rows, then (overwrite) what the file does not name, then finished. */
export async function runImport(job: Extract<Job, { kind: "import" }>, s: Services): Promise<void> {
  const [imp] = await s.db.select().from(imports).where(eq(imports.id, job.id));
  if (!imp || imp.state === "finished") return;
  if (await waitForBudget(s, job)) return;
  if (imp.state === "queued") {
    if (imp.type === "lists" && imp.mode === "overwrite") await clearLists(s, imp.id);
    await s.db.update(imports).set({ state: "running" }).where(eq(imports.id, imp.id));
  }
  const perJob = limitsFor(s.config.plan).importRowsPerJob;
  const order = imp.type === "lists" ? asc(importRows.line) : desc(importRows.line);
  const rows = await s.db.select().from(importRows).where(and(eq(importRows.importId, imp.id), eq(importRows.state, "pending"))).orderBy(order).limit(perJob);
  for (const row of rows) {
    let applied: Applied;
    try {
      applied = await applyRow(s, imp.type, JSON.parse(row.data) as RowData);
    } catch (error) {
      // The row's own failure (a server that broke mid-way) is reported, not retried for ever.
      applied = { ok: false, error: String(error) };
    }
    await s.db
      .update(importRows)
      .set(applied.ok ? { state: "done", actorId: applied.actorId ?? null, error: null } : { state: "failed", error: applied.error })
      .where(and(eq(importRows.importId, imp.id), eq(importRows.line, row.line)));
  }
  const { pending } = await recount(s, imp.id);
  if (pending > 0 || (imp.mode === "overwrite" && (await removeUnlisted(s, imp.type, imp.id, perJob)))) {
    await s.jobs.send({ kind: "import", id: imp.id });
    return;
  }
  await s.db.update(imports).set({ state: "finished", finishedAt: s.now() }).where(eq(imports.id, imp.id));
  s.log("import.finished", { id: imp.id, type: imp.type });
}

export interface ImportReport {
  id: string;
  type: ImportType;
  mode: ImportMode;
  state: "queued" | "running" | "finished";
  total: number;
  processed: number;
  imported: number;
  failed: number;
  createdAt: string;
  finishedAt: string | null;
  failures: { line: number; value: string; error: string }[];
}

/** Progress and every failed row with its reason; null when there is no such import. */
export async function importReport(s: Services, id: number): Promise<ImportReport | null> {
  const [imp] = await s.db.select().from(imports).where(eq(imports.id, id));
  if (!imp) return null;
  const failed = await s.db.select().from(importRows).where(and(eq(importRows.importId, id), eq(importRows.state, "failed"))).orderBy(asc(importRows.line));
  return {
    id: String(imp.id),
    type: imp.type,
    mode: imp.mode,
    state: imp.state,
    total: imp.total,
    processed: imp.processed,
    imported: imp.imported,
    failed: imp.failed,
    createdAt: new Date(imp.createdAt).toISOString(),
    finishedAt: imp.finishedAt ? new Date(imp.finishedAt).toISOString() : null,
    failures: failed.map((r) => {
      const data = JSON.parse(r.data) as RowData;
      return { line: r.line, value: data.acct ?? data.uri ?? data.domain ?? "", error: r.error ?? "" };
    }),
  };
}

export async function listImports(s: Services) {
  return s.db.select().from(imports).orderBy(desc(imports.id)).limit(40);
}

