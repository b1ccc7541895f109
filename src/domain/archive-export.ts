// Exporting the account as Mastodon's archive (app/services/backup_service.rb): a zip with
// outbox.json (an OrderedCollection of our Create and Announce activities, attachment URLs
// replaced by the media files' paths in the zip), likes.json and bookmarks.json (collections of
// post URIs), the avatar and header as avatar.<ext> and header.<ext> when they are files of ours,
// actor.json (our actor, its outbox/likes/bookmarks and icon/image pointing at those files) and the
// media files under media_attachments/files/…/original/ as Mastodon names them.
//
// A Free-plan invocation has 10 ms of CPU, so the zip is built by a chain of `archive` jobs, each
// writing the next few hundred posts or the next couple of MiB of media (limitsFor(plan)); every
// byte goes through the CRC-32, and nothing is compressed (images and video do not compress, and
// deflate in JS would cost more CPU than the budget has). The bytes go into one R2 multipart
// upload in equal 5 MiB parts; what a job makes beyond whole parts waits in a small "carry"
// object for the next job. The cursor in D1 is everything a job needs to go on.
import { and, asc, eq, gt, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { activities, bookmarks, mediaAttachments, objects, statuses } from "../db/schema.ts";
import { actorDocument } from "../federation/actor.ts";
import { addressing } from "../federation/addressing.ts";
import { NOTE_CONTEXT } from "../federation/notes.ts";
import { AS_CONTEXT } from "../federation/vocabulary.ts";
import { limitsFor } from "../delivery/limits.ts";
import { concat } from "../media/bytes.ts";
import { MULTIPART_PART_BYTES, type UploadedPart } from "../media/store.ts";
import { centralDirectory, crc32, dataDescriptor, dosDateTime, localHeader, type ZipEntryRecord } from "../media/zip.ts";
import type { Services } from "../services.ts";
import { type ArchiveRow, saveStep } from "./archive-steps.ts";

/** The steps, in the order Mastodon writes the entries (outbox, media, likes, bookmarks, avatar and header, actor), then the central directory. */
const STEPS = ["outbox", "media", "likes", "bookmarks", "profile", "actor", "directory", "done"] as const;
/** The profile images in the order BackupService#dump_actor! writes them. */
const PROFILE_IMAGES = [
  ["avatar", "avatarUrl"],
  ["header", "headerUrl"],
] as const;
type ProfileImage = (typeof PROFILE_IMAGES)[number][0];

export interface ExportCursor {
  seq: number;
  uploadId?: string;
  parts: UploadedPart[];
  /** Bytes of the zip made so far; `carried` of them wait in the carry object. */
  written: number;
  carried: number;
  step: number;
  /** The entry being written: its CRC and size so far. */
  open: { name: string; offset: number; crc: number; size: number } | null;
  /** outbox.json: the last status written and how many items so far. */
  afterStatus: number;
  items: number;
  /** Media: the last file done, and how much of the current one is written. */
  afterMedia: number;
  mediaAt: number;
  /** The file the open entry is. */
  mediaId?: number;
  /** Profile images: how many of PROFILE_IMAGES are done, the key of the one being written, and the entry names written (for actor.json). */
  profileAt?: number;
  profileKey?: string;
  profileFiles?: Partial<Record<ProfileImage, string>>;
  entries: ZipEntryRecord[];
  time: { dosTime: number; dosDate: number };
}

const encoder = new TextEncoder();

/** Mastodon's paperclip path for a file (`:id_partition` groups of three digits, `original` style). */
export function mediaPath(id: number, fileKey: string): string {
  const digits = String(id);
  const padded = digits.padStart(Math.max(9, Math.ceil(digits.length / 3) * 3), "0");
  return `media_attachments/files/${padded.match(/\d{3}/g)!.join("/")}/original/${fileKey.slice(fileKey.lastIndexOf("/") + 1)}`;
}

/** Our posts and boosts, oldest first (Mastodon's id order). */
const ownStatuses = (s: Services) => and(eq(statuses.local, true), eq(statuses.actorId, s.urls.actor));

/** Media attached to our posts that still exist. */
const exportedMedia = () => sql`${mediaAttachments.statusUri} IN (SELECT id FROM objects WHERE deleted_at IS NULL)`;

export function newExportCursor(now: number): ExportCursor {
  return { seq: 0, parts: [], written: 0, carried: 0, step: 0, open: null, afterStatus: 0, items: 0, afterMedia: 0, mediaAt: 0, profileAt: 0, entries: [], time: dosDateTime(now) };
}

export async function exportTotal(s: Services): Promise<number> {
  const [row] = await s.db.select({ n: sql<number>`count(*)` }).from(statuses).where(ownStatuses(s));
  return row?.n ?? 0;
}

/** The outbox items of the next page of statuses: Create for a post, Announce for a boost. */
async function outboxPage(s: Services, after: number, limit: number): Promise<{ items: string[]; last: number; more: boolean }> {
  const rows = await s.db
    .select({ id: statuses.id, uri: statuses.uri, reblogOf: statuses.reblogOfUri, visibility: statuses.visibility, published: statuses.published, document: objects.document })
    .from(statuses)
    .leftJoin(objects, and(eq(objects.id, statuses.uri), isNull(objects.deletedAt)))
    .where(and(ownStatuses(s), gt(statuses.id, after)))
    .orderBy(asc(statuses.id))
    .limit(limit);
  const uris = rows.flatMap((r) => (r.document ? [r.uri] : []));
  const media = uris.length > 0 ? await s.db.select({ id: mediaAttachments.id, fileKey: mediaAttachments.fileKey }).from(mediaAttachments).where(inArray(mediaAttachments.statusUri, uris)) : [];
  const paths = new Map(media.map((m) => [s.urls.media(m.fileKey), mediaPath(m.id, m.fileKey)]));
  const items: string[] = [];
  for (const row of rows) {
    if (row.reblogOf) {
      const { to, cc } = addressing(row.visibility, s.urls.followers, []);
      items.push(JSON.stringify({ id: row.uri, type: "Announce", actor: s.urls.actor, published: new Date(row.published).toISOString(), to, cc, object: row.reblogOf }));
      continue;
    }
    if (!row.document) continue;
    const note = JSON.parse(row.document) as Record<string, unknown> & { attachment?: { url?: unknown }[] };
    for (const a of note.attachment ?? []) if (typeof a.url === "string") a.url = paths.get(a.url) ?? a.url;
    items.push(JSON.stringify({ id: `${note.id}/activity`, type: "Create", actor: s.urls.actor, published: note.published, to: note.to, cc: note.cc, object: note }));
  }
  return { items, last: rows.at(-1)?.id ?? after, more: rows.length === limit };
}

/** likes.json and bookmarks.json: Mastodon's collection of post URIs, without totalItems. */
async function uriCollection(s: Services, name: "likes.json" | "bookmarks.json"): Promise<string> {
  const uris =
    name === "likes.json"
      ? (await s.db.select({ uri: activities.objectId }).from(activities).where(and(eq(activities.type, "Like"), isNotNull(activities.objectId))).orderBy(asc(activities.published))).map((r) => r.uri!)
      : (await s.db.select({ uri: bookmarks.statusUri }).from(bookmarks).orderBy(asc(bookmarks.id))).map((r) => r.uri);
  return JSON.stringify({ "@context": AS_CONTEXT, id: name, type: "OrderedCollection", orderedItems: uris });
}

/**
 * The bucket key of the avatar or header when it is a file of ours (one the owner uploaded, under
 * profile/); null for the [vars] default (the operator's, wherever it is) and any other URL.
 */
function ownProfileImage(s: Services, url: string | null, fallback: string | null): string | null {
  const base = s.urls.media("");
  return url && url !== fallback && url.startsWith(`${base}profile/`) ? url.slice(base.length) : null;
}

/** actor.json: our actor, its collections and the images written pointing into the archive (as BackupService#dump_actor! does). */
async function actorJson(s: Services, files: Partial<Record<ProfileImage, string>>): Promise<string> {
  const actor = await actorDocument(s);
  const image = (value: unknown, name: string | undefined) => (name && value && typeof value === "object" ? { ...value, url: name } : value);
  return JSON.stringify({ ...actor, icon: image(actor.icon, files.avatar), image: image(actor.image, files.header), outbox: "outbox.json", likes: "likes.json", bookmarks: "bookmarks.json" });
}

const carryKey = (row: ArchiveRow, written: number) => `${row.key}.carry-${written}`;

/** One step of the export: the next entries' bytes, whole parts uploaded, the rest carried. */
export async function exportStep(s: Services, row: ArchiveRow, cur: ExportCursor): Promise<void> {
  const limits = limitsFor(s.config.plan);
  const out: Uint8Array[] = [];
  let produced = 0;
  const raw = (bytes: Uint8Array) => {
    out.push(bytes);
    produced += bytes.length;
    cur.written += bytes.length;
  };
  const data = (bytes: Uint8Array) => {
    const open = cur.open!;
    open.crc = crc32(bytes, open.crc);
    open.size += bytes.length;
    raw(bytes);
  };
  const openEntry = (name: string) => {
    cur.open = { name, offset: cur.written, crc: 0, size: 0 };
    raw(localHeader(name, cur.time));
  };
  const closeEntry = () => {
    const open = cur.open!;
    raw(dataDescriptor(open.crc, open.size));
    cur.entries.push({ name: open.name, crc: open.crc, size: open.size, offset: open.offset, ...cur.time });
    cur.open = null;
  };
  const wholeFile = async (name: string, text: string) => {
    openEntry(name);
    data(encoder.encode(text));
    closeEntry();
  };
  /**
   * The next range of a file in the bucket into the open entry (opened first if need be), as much
   * as the job's share allows. "done" when the file is complete; "gone" when it left the bucket (or
   * is shorter than it said): its entry ends where its bytes end.
   */
  const fileChunk = async (name: string, key: string): Promise<"more" | "done" | "gone"> => {
    if (!cur.open) openEntry(name);
    const want = Math.max(64 * 1024, limits.archiveBytesPerJob - produced);
    const object = await s.media.get(key, new Headers({ Range: `bytes=${cur.mediaAt}-${cur.mediaAt + want - 1}` }));
    const bytes = object?.body ? new Uint8Array(await new Response(object.body).arrayBuffer()) : new Uint8Array(0);
    data(bytes);
    cur.mediaAt += bytes.length;
    if (object && bytes.length > 0 && cur.mediaAt < object.size) return "more";
    if (!object) s.log("archive.media_missing", { id: row.id, key });
    closeEntry();
    const whole = object !== null && cur.mediaAt === object.size;
    cur.mediaAt = 0;
    return whole ? "done" : "gone";
  };

  // A cursor saved before the profile step existed counts its steps without it.
  if (cur.profileAt === undefined) {
    if (cur.step >= STEPS.indexOf("profile")) cur.step++;
    cur.profileAt = 0;
  }

  // Steps run until the job has written its share: one page of posts, or archiveBytesPerJob.
  let spent = false;
  while (!spent && STEPS[cur.step] !== "done") {
    const step = STEPS[cur.step]!;
    if (step === "outbox") {
      if (!cur.open) {
        openEntry("outbox.json");
        const head = JSON.stringify({ "@context": NOTE_CONTEXT, id: "outbox.json", type: "OrderedCollection", totalItems: row.total, orderedItems: [] });
        data(encoder.encode(head.slice(0, -2)));
      }
      const page = await outboxPage(s, cur.afterStatus, limits.archivePostsPerJob);
      if (page.items.length > 0) data(encoder.encode((cur.items > 0 ? "," : "") + page.items.join(",")));
      cur.items += page.items.length;
      cur.afterStatus = page.last;
      if (!page.more) {
        data(encoder.encode("]}"));
        closeEntry();
        cur.step++;
      }
      spent = page.more;
    } else if (step === "media") {
      const [file] = await s.db.select().from(mediaAttachments).where(and(gt(mediaAttachments.id, cur.afterMedia), exportedMedia())).orderBy(asc(mediaAttachments.id)).limit(1);
      if (!file) {
        // The last file's post went while it was being written: its entry ends where it got to.
        if (cur.open) {
          closeEntry();
          cur.mediaAt = 0;
        }
        cur.step++;
        continue;
      }
      // A file whose post went while it was being written ends where it got to (its entry stays consistent).
      if (cur.open && cur.mediaId !== file.id) {
        closeEntry();
        cur.mediaAt = 0;
      }
      cur.mediaId = file.id;
      if ((await fileChunk(mediaPath(file.id, file.fileKey), file.fileKey)) !== "more") cur.afterMedia = file.id;
      spent = produced >= limits.archiveBytesPerJob;
    } else if (step === "profile") {
      // The avatar and header ride the media budget: an 8 MiB image takes several jobs, as a video does.
      const at: number = cur.profileAt ?? 0;
      const image = PROFILE_IMAGES[at];
      if (!image) {
        cur.step++;
        continue;
      }
      const [kind, field] = image;
      const key = ownProfileImage(s, (await s.profile())[field], s.config[field]);
      // An image replaced while it was being written ends where it got to, and is not pointed at.
      if (cur.open && cur.profileKey !== key) {
        closeEntry();
        cur.mediaAt = 0;
        cur.profileAt = at + 1;
        continue;
      }
      if (!key) {
        cur.profileAt = at + 1;
        continue;
      }
      cur.profileKey = key;
      const name = `${kind}${key.slice(key.lastIndexOf("."))}`;
      const copied = await fileChunk(name, key);
      if (copied === "done") cur.profileFiles = { ...cur.profileFiles, [kind]: name };
      if (copied !== "more") cur.profileAt = at + 1;
      spent = produced >= limits.archiveBytesPerJob;
    } else if (step === "likes" || step === "bookmarks") {
      await wholeFile(`${step}.json`, await uriCollection(s, `${step}.json`));
      cur.step++;
    } else if (step === "actor") {
      await wholeFile("actor.json", await actorJson(s, cur.profileFiles ?? {}));
      cur.step++;
    } else if (step === "directory") {
      raw(centralDirectory(cur.entries, cur.written));
      cur.step++;
    }
  }

  // Upload whole parts; keep the rest for the next job (or send it as the last part).
  const carriedBytes = cur.carried;
  const carried = cur.carried > 0 ? await s.media.get(carryKey(row, cur.written - produced)) : null;
  const pending = concat([...(carried?.body ? [new Uint8Array(await new Response(carried.body).arrayBuffer())] : []), ...out]);
  if (pending.length !== carriedBytes + produced) throw new Error(`archive ${row.id}: the carried bytes are missing`);
  cur.uploadId ??= await s.media.createMultipart(row.key, "application/zip");
  const done = STEPS[cur.step] === "done";
  let at = 0;
  while (pending.length - at >= MULTIPART_PART_BYTES || (done && at < pending.length)) {
    const end = Math.min(pending.length, at + MULTIPART_PART_BYTES);
    cur.parts.push(await s.media.uploadPart(row.key, cur.uploadId, cur.parts.length + 1, pending.subarray(at, end)));
    at = end;
  }
  cur.carried = pending.length - at;
  if (cur.carried > 0) await s.media.put(carryKey(row, cur.written), pending.subarray(at), "application/octet-stream");
  if (done) await s.media.completeMultipart(row.key, cur.uploadId, cur.parts);
  const saved = await saveStep(s, row, cur, done ? { state: "finished", size: cur.written, processed: cur.items } : { processed: cur.items });
  if (!saved) return;
  if (carried) await s.media.delete([carryKey(row, cur.written - produced)]);
  if (done) s.log("archive.exported", { id: row.id, bytes: cur.written, posts: cur.items, entries: cur.entries.length, parts: cur.parts.length });
}
