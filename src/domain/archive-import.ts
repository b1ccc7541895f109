// Importing the posts of a Mastodon account archive (the zip app/services/backup_service.rb
// writes, or ours): the upload goes to R2 whole and its central directory is read in the request,
// so a damaged zip is refused before anything changes; `archive` jobs then read outbox.json a
// window at a time by range reads and make each Create{Note} one of our posts, with its published
// date, visibility (from to/cc, the old followers collection read as ours), content (through the
// sanitiser), content warning, mentions, hashtags and media (copied into our media, checked by
// their bytes). Imported posts are stored, never sent: followers saw them at the old home; each
// gets its Create in `activities` unsent, so the outbox collection lists it among the others.
// Boosts, polls and posts of another author are skipped and counted. After the posts:
// bookmarks.json becomes a bookmarks import (src/domain/imports.ts, the CSV's rows and jobs), and
// when asked for (`profile`), actor.json's name, bio, fields, avatar and header become the
// profile through updateProfile, in one Update{Person}. likes.json is not read (docs/portability.md).
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { activities, archiveEntries, archivePosts, mediaAttachments, objects, statuses } from "../db/schema.ts";
import { snowflake } from "../db/snowflake.ts";
import { limitsFor } from "../delivery/limits.ts";
import { actorRecipients, addressing, visibilityOf } from "../federation/addressing.ts";
import { newId } from "../federation/urls.ts";
import { sniff } from "../media/sniff.ts";
import { dataOffset, END_MAX, findCentralDirectory, readCentralDirectory, type ZipEntry } from "../media/zip.ts";
import type { Services } from "../services.ts";
import { findTopLevelArray, scanArrayItems } from "../text/json-items.ts";
import { htmlToText } from "../text/html.ts";
import { sanitizeHtml } from "../text/sanitize.ts";
import { NOTE_CONTEXT } from "../federation/notes.ts";
import { type ArchiveRow, saveStep } from "./archive-steps.ts";
import { importBookmarkUris, MAX_IMPORT_BYTES } from "./imports.ts";
import { attachmentDocument, MEDIA_LIMITS, type MediaRow, storeProfileImage } from "./media.ts";
import { type ProfileChanges, updateProfile } from "./profile.ts";

/** Most entries an archive may hold (Mastodon's hold one per media file, plus four). */
const MAX_ENTRIES = 50_000;
/** The window of outbox.json a job reads; doubled for an item larger than it, up to the most. */
const WINDOW_BYTES = 1024 * 1024;
const MAX_WINDOW_BYTES = 8 * 1024 * 1024;
/** Failure reasons kept for the report. */
const MAX_FAILURES = 50;

export interface ImportCursor {
  seq: number;
  /** Where outbox.json's bytes are: in the zip (stored) or in an inflated copy. */
  source?: { key: string; start: number; size: number };
  /** The byte of outbox.json (from its start) where the next item is looked for. */
  at: number;
  /** The archive's account and its followers collection (actor.json), to read visibility with. */
  actor?: string | null;
  followers?: string | null;
  /** Asked for with the upload: the profile comes from actor.json. */
  profile?: boolean;
  /** actor.json's profile texts, and the entries its icon and image name; applied together at the end. */
  profileChanges?: ProfileChanges;
  profileImages?: Partial<Record<ProfileImage, string>>;
  /** Set once the posts are read: the index of the next of afterSteps(). */
  after?: number;
  /** The bookmarks import bookmarks.json became. */
  bookmarksImport?: string;
}

type ProfileImage = "avatar" | "header";
/** What follows the posts, one job each: bookmarks, then the profile's images and the one update. */
const afterSteps = (cur: ImportCursor) => (cur.profile ? (["bookmarks", "avatar", "header", "profile"] as const) : (["bookmarks"] as const));

/** update_credentials' bounds (src/api/v1/accounts.ts) and Mastodon's 255 characters a field. */
const PROFILE_BOUNDS = { displayName: 100, bio: 5000, fields: 50, field: 255 };

/** The profile an actor.json describes: its texts as changes (HTML through the sanitiser, then as the plain text we keep), and the archive entries its images are. */
function archivedProfile(actor: Record<string, unknown>): { changes: ProfileChanges; images: Partial<Record<ProfileImage, string>> } {
  const changes: ProfileChanges = {};
  const text = (html: string, max: number) => htmlToText(sanitizeHtml(html)).slice(0, max);
  if (typeof actor.name === "string") changes.displayName = actor.name.trim().slice(0, PROFILE_BOUNDS.displayName);
  if (typeof actor.summary === "string") changes.bio = text(actor.summary, PROFILE_BOUNDS.bio);
  if (Array.isArray(actor.attachment)) {
    changes.fields = actor.attachment
      .flatMap((f: Record<string, unknown> | null) =>
        f?.type === "PropertyValue" && typeof f.name === "string" && typeof f.value === "string" ? [{ name: f.name.trim().slice(0, PROFILE_BOUNDS.field), value: text(f.value, PROFILE_BOUNDS.field) }] : [],
      )
      .filter((f) => f.name || f.value)
      .slice(0, PROFILE_BOUNDS.fields);
  }
  const images: Partial<Record<ProfileImage, string>> = {};
  for (const [kind, key] of [["avatar", "icon"], ["header", "image"]] as const) {
    const value = actor[key];
    const url = typeof value === "string" ? value : typeof (value as { url?: unknown } | null)?.url === "string" ? (value as { url: string }).url : null;
    if (url) images[kind] = url;
  }
  return { changes, images };
}

type Read<T> = { ok: true; value: T } | { ok: false; error: string };

async function readRange(s: Services, key: string, start: number, length: number): Promise<Uint8Array> {
  if (length <= 0) return new Uint8Array(0);
  const object = await s.media.get(key, new Headers({ Range: `bytes=${start}-${start + length - 1}` }));
  if (!object?.body) throw new Error(`${key} is missing from the bucket`);
  return new Uint8Array(await new Response(object.body).arrayBuffer());
}

/** The uploaded zip's central directory, read by two range reads; a reason when it is not a usable archive. */
export async function readArchiveDirectory(s: Services, key: string, size: number): Promise<Read<ZipEntry[]>> {
  const tailLength = Math.min(size, END_MAX);
  const end = findCentralDirectory(await readRange(s, key, size - tailLength, tailLength), size);
  if (!end.ok) return end;
  if (end.value.entries > MAX_ENTRIES) return { ok: false, error: `the archive has ${end.value.entries} entries, more than ${MAX_ENTRIES}` };
  const entries = readCentralDirectory(await readRange(s, key, end.value.offset, end.value.length), end.value.entries, size);
  if (!entries.ok) return entries;
  const outbox = entries.value.find((e) => e.name === "outbox.json");
  if (!outbox) return { ok: false, error: "this is not an account archive: it has no outbox.json" };
  if (outbox.size === 0) return { ok: false, error: "outbox.json is empty" };
  return entries;
}

async function entryOf(s: Services, row: ArchiveRow, name: string): Promise<typeof archiveEntries.$inferSelect | null> {
  const [entry] = await s.db.select().from(archiveEntries).where(and(eq(archiveEntries.archiveId, row.id), eq(archiveEntries.name, name)));
  return entry ?? null;
}

/** An entry's data as a stream of its uncompressed bytes, of a length R2 knows. */
async function entryStream(s: Services, row: ArchiveRow, entry: typeof archiveEntries.$inferSelect): Promise<ReadableStream<Uint8Array>> {
  const start = dataOffset({ ...entry, crc: 0 }, await readRange(s, row.key, entry.offset, 30));
  if (!start.ok) throw new Error(start.error);
  const object = await s.media.get(row.key, new Headers({ Range: `bytes=${start.value}-${start.value + Math.max(entry.compressedSize, 1) - 1}` }));
  if (!object?.body) throw new Error(`${row.key} is missing from the bucket`);
  const body = entry.method === 8 ? object.body.pipeThrough(new DecompressionStream("deflate-raw")) : object.body;
  return body.pipeThrough(new FixedLengthStream(entry.size));
}

async function entryBytes(s: Services, row: ArchiveRow, entry: typeof archiveEntries.$inferSelect): Promise<Uint8Array> {
  return new Uint8Array(await new Response(await entryStream(s, row, entry)).arrayBuffer());
}

/** The first step: where outbox.json is, where its orderedItems start, how many it says it has, and whose it is. */
async function locateOutbox(s: Services, row: ArchiveRow, cur: ImportCursor): Promise<Read<{ total: number }>> {
  const outbox = (await entryOf(s, row, "outbox.json"))!;
  if (outbox.method === 0) {
    const start = dataOffset({ ...outbox, crc: 0 }, await readRange(s, row.key, outbox.offset, 30));
    if (!start.ok) return start;
    cur.source = { key: row.key, start: start.value, size: outbox.size };
  } else {
    // A deflated outbox.json (Mastodon's) is inflated once into its own object, which range reads can then window.
    const key = `${row.key}.outbox.json`;
    await s.media.put(key, await entryStream(s, row, outbox), "application/json");
    cur.source = { key, start: 0, size: outbox.size };
  }
  const head = await readRange(s, cur.source.key, cur.source.start, Math.min(cur.source.size, 256 * 1024));
  const at = findTopLevelArray(head, "orderedItems");
  if (at === null) return { ok: false, error: "outbox.json has no orderedItems array near its start" };
  cur.at = at;
  const total = /"totalItems"\s*:\s*(\d+)/.exec(new TextDecoder().decode(head.subarray(0, at)));
  const actorEntry = await entryOf(s, row, "actor.json");
  if (actorEntry && actorEntry.size < 1024 * 1024) {
    try {
      const actor = JSON.parse(new TextDecoder().decode(await entryBytes(s, row, actorEntry))) as Record<string, unknown>;
      cur.actor = typeof actor.id === "string" ? actor.id : null;
      cur.followers = typeof actor.followers === "string" ? actor.followers : null;
      if (cur.profile) {
        const profile = archivedProfile(actor);
        cur.profileChanges = profile.changes;
        cur.profileImages = profile.images;
      }
    } catch {
      // An unreadable actor.json leaves the items' own actor to go by.
    }
  }
  return { ok: true, value: { total: total ? Number(total[1]) : 0 } };
}

const strings = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const BLURHASH = /^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,100}$/;

type ItemResult = { kind: "imported" } | { kind: "skipped"; reason: string } | { kind: "failed"; error: string };

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** One attachment of the post copied into our media: the row to store, or why not. */
async function copyAttachment(s: Services, row: ArchiveRow, a: Record<string, unknown>, statusUri: string, position: number, page: PageContext): Promise<Read<MediaRow>> {
  const url = typeof a.url === "string" ? a.url : typeof (a.url as { href?: unknown })?.href === "string" ? (a.url as { href: string }).href : "";
  const name = url.replace(/^\/+/, "").replace(/^system\//, "");
  const entry = name ? await entryOf(s, row, name) : null;
  if (!entry) return { ok: false, error: `${url || "an attachment"} is not in the archive` };
  if (entry.size > MEDIA_LIMITS.videoBytes) return { ok: false, error: `${name} is larger than ${MEDIA_LIMITS.videoBytes} bytes` };
  const bytes = await entryBytes(s, row, entry);
  const type = sniff(bytes);
  if (!type) return { ok: false, error: `${name} is not an image, video or audio file` };
  const id = uniqueSnowflake(page, s.now());
  const fileKey = `${id}/${randomHex(12)}.${type.extension}`;
  await s.media.put(fileKey, bytes, type.mime);
  const focus = Array.isArray(a.focalPoint) && a.focalPoint.length === 2 && a.focalPoint.every((n) => typeof n === "number" && Math.abs(n) <= 1) ? (a.focalPoint as [number, number]) : null;
  const dimension = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v > 0 && v < 100_000 ? v : null);
  return {
    ok: true,
    value: {
      id,
      statusUri,
      position,
      type: type.kind,
      contentType: type.mime,
      fileKey,
      previewKey: null,
      size: bytes.length,
      width: dimension(a.width),
      height: dimension(a.height),
      description: typeof a.name === "string" && a.name.trim() ? a.name.trim().slice(0, MEDIA_LIMITS.descriptionChars) : null,
      focusX: focus?.[0] ?? null,
      focusY: focus?.[1] ?? null,
      blurhash: typeof a.blurhash === "string" && BLURHASH.test(a.blurhash) ? a.blurhash : null,
      processed: true,
      createdAt: s.now(),
    },
  };
}

/** What one job's items share: the archive's post ids already made here (before or earlier in the page), and the page's writes. */
interface PageContext {
  known: Map<string, string>;
  /** Our own ids that are still here (an archive of this node imported back into it). */
  ours: Set<string>;
  writes: BatchItem<"sqlite">[];
  /** Snowflakes given out in this page: posts of one millisecond (and files copied in one) must not share one. */
  used: Set<number>;
}

function uniqueSnowflake(page: PageContext, ms: number): number {
  let id = snowflake(ms);
  while (page.used.has(id)) id = snowflake(ms);
  page.used.add(id);
  return id;
}

/** Two queries for the whole page: which of its posts (and the posts they reply to) are here already. */
async function pageContext(s: Services, items: Record<string, unknown>[]): Promise<PageContext> {
  const uris = new Set<string>();
  for (const item of items) {
    const object = item.object as Record<string, unknown> | undefined;
    if (typeof object?.id === "string") uris.add(object.id);
    if (typeof object?.inReplyTo === "string") uris.add(object.inReplyTo);
  }
  const list = JSON.stringify([...uris]);
  const mapped = uris.size > 0 ? await s.db.select({ sourceUri: archivePosts.sourceUri, objectId: archivePosts.objectId }).from(archivePosts).where(sql`${archivePosts.sourceUri} IN (SELECT value FROM json_each(${list}))`) : [];
  const local = JSON.stringify([...uris].filter((u) => s.urls.isLocal(u)));
  const ours = local !== "[]" ? await s.db.select({ id: objects.id }).from(objects).where(sql`${objects.id} IN (SELECT value FROM json_each(${local}))`) : [];
  return { known: new Map(mapped.map((m) => [m.sourceUri, m.objectId])), ours: new Set(ours.map((o) => o.id)), writes: [], used: new Set() };
}

async function importItem(s: Services, row: ArchiveRow, cur: ImportCursor, item: Record<string, unknown>, failures: string[], page: PageContext): Promise<ItemResult> {
  if (item.type === "Announce") return { kind: "skipped", reason: "a boost" };
  const object = item.object as Record<string, unknown> | undefined;
  if (item.type !== "Create" || typeof object !== "object" || object === null) return { kind: "skipped", reason: `a ${String(item.type)}` };
  if (object.type !== "Note") return { kind: "skipped", reason: `a ${String(object.type)}` };
  const sourceUri = typeof object.id === "string" ? object.id : null;
  if (!sourceUri) return { kind: "failed", error: "a Note without an id" };
  const author = typeof object.attributedTo === "string" ? object.attributedTo : typeof item.actor === "string" ? item.actor : null;
  const oldActor = cur.actor ?? (typeof item.actor === "string" ? item.actor : null);
  if (oldActor && author !== oldActor) return { kind: "skipped", reason: "another account's post" };
  const published = Date.parse(String(object.published ?? item.published ?? ""));
  if (!Number.isFinite(published)) return { kind: "failed", error: `${sourceUri}: no published date` };
  if (page.ours.has(sourceUri)) return { kind: "skipped", reason: "already here" };
  if (page.known.has(sourceUri)) return { kind: "skipped", reason: "already imported" };
  const objectId = s.urls.object(newId(published));

  const oldFollowers = cur.followers ?? (oldActor ? `${oldActor}/followers` : "");
  const to = strings(object.to);
  const cc = strings(object.cc);
  const visibility = visibilityOf(to, cc, oldFollowers);
  const recipients = actorRecipients(to, cc, oldFollowers).filter((r) => r !== oldActor);
  const media: MediaRow[] = [];
  for (const a of Array.isArray(object.attachment) ? object.attachment.slice(0, MEDIA_LIMITS.perPost) : []) {
    if (typeof a !== "object" || a === null) continue;
    const copied = await copyAttachment(s, row, a as Record<string, unknown>, objectId, media.length, page);
    if (copied.ok) media.push(copied.value);
    else if (failures.length < MAX_FAILURES) failures.push(`${sourceUri}: ${copied.error}`);
  }
  const content = sanitizeHtml(typeof object.content === "string" ? object.content : "");
  const summary = typeof object.summary === "string" && object.summary.trim() ? object.summary : null;
  const languages = object.contentMap && typeof object.contentMap === "object" ? Object.keys(object.contentMap).filter((l) => /^[a-z]{2,3}(-[A-Za-z0-9]+)?$/.test(l)) : [];
  const tags = (Array.isArray(object.tag) ? object.tag : []).flatMap((t: Record<string, unknown>) => {
    if (t?.type === "Mention" && typeof t.href === "string") return [{ type: "Mention", href: t.href, name: typeof t.name === "string" ? t.name : t.href }];
    if (t?.type === "Hashtag" && typeof t.name === "string") {
      const name = t.name.replace(/^#/, "");
      return name ? [{ type: "Hashtag", href: s.urls.tag(name), name: `#${name}` }] : [];
    }
    return [];
  });
  // A reply to an earlier post of the archive points at ours; any other parent stays as it was.
  const parent = typeof object.inReplyTo === "string" ? object.inReplyTo : null;
  const inReplyTo = parent ? (page.known.get(parent) ?? parent) : null;
  const note = {
    id: objectId,
    type: "Note",
    attributedTo: s.urls.actor,
    ...addressing(visibility, s.urls.followers, recipients),
    inReplyTo,
    published: new Date(published).toISOString(),
    url: s.urls.permalink(objectId.slice(objectId.lastIndexOf("/") + 1)),
    summary,
    sensitive: summary !== null || object.sensitive === true,
    content,
    ...(languages[0] ? { contentMap: { [languages[0]]: content } } : {}),
    tag: tags,
    ...(media.length > 0 ? { attachment: media.map((m) => attachmentDocument(s, m)) } : {}),
  };
  // The Create the outbox collection lists, stored as the Outbox stores one but never handed to it (nothing is sent).
  // It carries no proof: a proof is for a copy relayed by others, and this one is only ever read from our origin.
  // The Note's JSON is spliced in as its `object` rather than serialised a second time (CPU: 100 posts a job on Free).
  const document = JSON.stringify(note);
  const create = { "@context": NOTE_CONTEXT, id: `${objectId}/activity`, type: "Create", actor: s.urls.actor, published: note.published, to: note.to, cc: note.cc };
  // The post, its index entry, its Create, its media and the mapping go in the page's one batch.
  page.writes.push(
    s.db.insert(objects).values({ id: objectId, type: "Note", visibility, inReplyTo, document, published }),
    s.db.insert(activities).values({ id: create.id, type: "Create", objectId, visibility, document: `${JSON.stringify(create).slice(0, -1)},"object":${document}}`, published }),
    s.db.insert(statuses).values({ id: uniqueSnowflake(page, published), uri: objectId, actorId: s.urls.actor, local: true, visibility, inReplyTo, published, home: true }),
    ...media.map((m) => s.db.insert(mediaAttachments).values(m)),
    s.db.insert(archivePosts).values({ sourceUri, objectId, archiveId: row.id, state: "done" }).onConflictDoNothing(),
  );
  page.known.set(sourceUri, objectId);
  return { kind: "imported" };
}

/** bookmarks.json's post URIs, newest first, the archive's own posts mapped to their copies here; a reason when it cannot be read. */
async function archivedBookmarks(s: Services, row: ArchiveRow): Promise<Read<string[]>> {
  const entry = await entryOf(s, row, "bookmarks.json");
  if (!entry) return { ok: true, value: [] };
  if (entry.size > MAX_IMPORT_BYTES) return { ok: false, error: `bookmarks.json is larger than ${MAX_IMPORT_BYTES} bytes` };
  let items: unknown;
  try {
    items = (JSON.parse(new TextDecoder().decode(await entryBytes(s, row, entry))) as { orderedItems?: unknown }).orderedItems;
  } catch {
    return { ok: false, error: "bookmarks.json is not JSON" };
  }
  const uris = strings(items);
  const list = JSON.stringify(uris);
  const mapped = new Map(
    uris.length > 0
      ? (await s.db.select({ sourceUri: archivePosts.sourceUri, objectId: archivePosts.objectId }).from(archivePosts).where(sql`${archivePosts.sourceUri} IN (SELECT value FROM json_each(${list}))`)).map((m) => [m.sourceUri, m.objectId])
      : [],
  );
  // Both Mastodon's and our bookmarks.json list the oldest first; the CSV import applies the last line first.
  return { ok: true, value: uris.map((u) => mapped.get(u) ?? u).reverse() };
}

/** The profile image actor.json names, stored as update_credentials stores one; a reason when it cannot be. */
async function archivedImage(s: Services, row: ArchiveRow, kind: ProfileImage, url: string): Promise<Read<string>> {
  const name = url.replace(/^\/+/, "");
  const entry = /^[a-z][a-z0-9+.-]*:/i.test(name) ? null : await entryOf(s, row, name);
  if (!entry) return { ok: false, error: `the ${kind} ${url} is not a file in the archive` };
  if (entry.size > MEDIA_LIMITS.profileImageBytes) return { ok: false, error: `the ${kind} is larger than ${MEDIA_LIMITS.profileImageBytes} bytes` };
  const stored = await storeProfileImage(s, kind, await entryBytes(s, row, entry));
  return stored.ok ? { ok: true, value: stored.url } : { ok: false, error: `the ${kind}: ${stored.error}` };
}

/** One of the steps after the posts; the last one finishes the archive. */
async function afterStep(s: Services, row: ArchiveRow, cur: ImportCursor): Promise<void> {
  const steps = afterSteps(cur);
  const step = steps[cur.after!];
  const failures = JSON.parse(row.failures) as string[];
  const fail = (error: string) => {
    if (failures.length < MAX_FAILURES) failures.push(error);
  };
  if (step === "bookmarks") {
    const uris = await archivedBookmarks(s, row);
    if (!uris.ok) fail(uris.error);
    else {
      const started = await importBookmarkUris(s, uris.value);
      if (started) cur.bookmarksImport = String(started.id);
    }
  } else if (step === "avatar" || step === "header") {
    const url = cur.profileImages?.[step];
    const stored = url ? await archivedImage(s, row, step, url) : null;
    if (stored?.ok) cur.profileChanges = { ...cur.profileChanges, [step === "avatar" ? "avatarUrl" : "headerUrl"]: stored.value };
    else if (stored) fail(stored.error);
  } else if (step === "profile" && cur.profileChanges && Object.keys(cur.profileChanges).length > 0) {
    // All of it in one change, so followers' servers get one Update{Person}.
    await updateProfile(s, cur.profileChanges);
  }
  cur.after! += 1;
  const done = cur.after! >= steps.length;
  const saved = await saveStep(s, row, cur, { failures: JSON.stringify(failures), ...(done ? { state: "finished" } : {}) });
  if (saved && done) await finishImport(s, row, { imported: row.imported, skipped: row.skipped, failed: row.failed, error: null });
}

/** The upload and its inflated outbox have served: the posts and their media are ours now. */
async function finishImport(s: Services, row: ArchiveRow, fields: Record<string, unknown>): Promise<void> {
  await s.media.delete([row.key, `${row.key}.outbox.json`]);
  await s.db.delete(archiveEntries).where(eq(archiveEntries.archiveId, row.id));
  s.log("archive.imported", { id: row.id, ...fields });
}

/** One step of an import: locate outbox.json first, then the next posts, then what follows them. */
export async function importStep(s: Services, row: ArchiveRow, cur: ImportCursor): Promise<void> {
  if (cur.after !== undefined) return afterStep(s, row, cur);
  if (!cur.source) {
    const located = await locateOutbox(s, row, cur);
    if (!located.ok) {
      await saveStep(s, row, cur, { state: "failed", error: located.error });
      return;
    }
    await saveStep(s, row, cur, { state: "running", total: located.value.total });
    return;
  }
  const { source } = cur;
  const perJob = limitsFor(s.config.plan).archivePostsPerJob;
  let window = WINDOW_BYTES;
  let scanned: ReturnType<typeof scanArrayItems>;
  let bytes: Uint8Array;
  for (;;) {
    bytes = await readRange(s, source.key, source.start + cur.at, Math.min(window, source.size - cur.at));
    scanned = scanArrayItems(bytes, perJob);
    const whole = cur.at + bytes.length >= source.size;
    if (scanned.error || scanned.items.length > 0 || scanned.end || whole) break;
    if (window >= MAX_WINDOW_BYTES) {
      scanned.error = `a post in outbox.json is larger than ${MAX_WINDOW_BYTES} bytes`;
      break;
    }
    window *= 2;
  }
  const counts = { processed: row.processed, imported: row.imported, skipped: row.skipped, failed: row.failed };
  const failures = JSON.parse(row.failures) as string[];
  const decoder = new TextDecoder();
  const items = scanned.items.map(([start, end]) => {
    try {
      const item = JSON.parse(decoder.decode(bytes.subarray(start, end))) as unknown;
      return typeof item === "object" && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : ("not an activity" as const);
    } catch {
      return `item at byte ${cur.at + start}: not JSON`;
    }
  });
  const page = await pageContext(s, items.filter((i): i is Record<string, unknown> => typeof i === "object"));
  for (const item of items) {
    let result: ItemResult;
    if (item === "not an activity") result = { kind: "skipped", reason: item };
    else if (typeof item === "string") result = { kind: "failed", error: item };
    else {
      try {
        result = await importItem(s, row, cur, item, failures, page);
      } catch (error) {
        result = { kind: "failed", error: `${String((item.object as { id?: unknown } | undefined)?.id ?? "an item")}: ${String(error)}` };
      }
    }
    counts.processed++;
    counts[result.kind]++;
    if (result.kind === "failed" && failures.length < MAX_FAILURES) failures.push(result.error);
  }
  // One batch for the page's posts (a transaction): a job that dies before it makes the page again.
  if (page.writes.length > 0) await s.db.batch(page.writes as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  cur.at += scanned.next;
  const ended = scanned.end || !!scanned.error || (scanned.items.length === 0 && cur.at >= source.size);
  const error = scanned.error ?? (ended && !scanned.end ? "outbox.json ends inside its orderedItems" : null);
  // Read to its end: the steps after the posts go on (the upload still holds their files); a failed read ends here.
  if (ended && !error) cur.after = 0;
  const saved = await saveStep(s, row, cur, { ...counts, failures: JSON.stringify(failures), ...(error ? { state: "failed", error } : {}) });
  if (saved && error) await finishImport(s, row, { ...counts, error });
}
