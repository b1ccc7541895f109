// The owner's media: uploads (checked by their bytes, images stripped of metadata), their preview
// and blurhash, alt text and focus, attaching them to posts, the Documents our Notes carry, and
// removing the files when a post goes or an upload was never used. Choices: docs/media.md.
import { and, asc, eq, inArray, isNull, lt, notInArray } from "drizzle-orm";
import { mediaAttachments } from "../db/schema.ts";
import { snowflake } from "../db/snowflake.ts";
import { blurhash } from "../media/blurhash.ts";
import { declaredEnd } from "../media/extent.ts";
import { cleanImage } from "../media/image.ts";
import { planByRanges } from "../media/ranges.ts";
import { pngPixels } from "../media/png-pixels.ts";
import { type MediaKind, sniff } from "../media/sniff.ts";
import type { Piece, StoredObject } from "../media/store.ts";
import type { Services } from "../services.ts";

export type MediaRow = typeof mediaAttachments.$inferSelect;

const MB = 1024 * 1024;

/**
 * Limits, as /api/v2/instance states them. Images as Mastodon's defaults (16 MB, 7680 × 4320
 * pixels). Video and audio at 40 MB, not Mastodon's 99: a multipart body is held in memory whole
 * (the request, then the File parsed out of it) and a Worker isolate has 128 MB.
 */
export const MEDIA_LIMITS = {
  imageBytes: 16 * MB,
  imageMatrix: 7680 * 4320,
  videoBytes: 40 * MB,
  audioBytes: 40 * MB,
  profileImageBytes: 8 * MB,
  descriptionChars: 1500,
  perPost: 4,
} as const;

const BYTES_LIMIT: Record<MediaKind, number> = { image: MEDIA_LIMITS.imageBytes, video: MEDIA_LIMITS.videoBytes, audio: MEDIA_LIMITS.audioBytes };

/** What apps may offer to upload: the types sniff() recognises, under the names browsers and apps give them. */
export const SUPPORTED_MIME_TYPES = [
  "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif",
  "video/mp4", "video/quicktime", "video/webm",
  "audio/mpeg", "audio/mp3", "audio/ogg", "audio/vorbis", "audio/wav", "audio/wave", "audio/x-wav", "audio/flac", "audio/mp4", "audio/m4a", "audio/x-m4a",
];

/** The preview's longest side (Mastodon's `small` is about 640 × 480) and the blurhash thumbnail's. */
export const PREVIEW_SIDE = 640;
const THUMBNAIL_SIDE = 32;
/** Avatars and headers are scaled to fit these (Mastodon crops to 400 × 400 and 1500 × 500). */
const PROFILE_SIDE = { avatar: 400, header: 1500 } as const;
/** Uploads no post took are removed after this long. */
export const UNATTACHED_MS = 86_400_000;

export type Refusal = { ok: false; status: 404 | 413 | 422; error: string };
const refuse = (status: 404 | 413 | 422, error: string): Refusal => ({ ok: false, status, error });

const NOT_SUPPORTED = "Validation failed: File content type is not supported (images: JPEG, PNG, WebP, GIF, AVIF; video: MP4, WebM, MOV; audio: MP3, Ogg, M4A, WAV, FLAC)";

function tooLarge(kind: MediaKind, limit: number): Refusal {
  return refuse(413, `Validation failed: File is too large (${kind === "image" ? "images" : kind} up to ${limit / MB} MB)`);
}

function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Mastodon's focus "x,y", each in [-1, 1]; undefined when not sent, a refusal when malformed. */
function parseFocus(focus: string | undefined): { x: number; y: number } | null | undefined | Refusal {
  if (focus === undefined) return undefined;
  if (focus.trim() === "") return null;
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(focus);
  const [x, y] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(Math.abs(x) <= 1 && Math.abs(y) <= 1)) return refuse(422, "Validation failed: focus must be two numbers from -1.0 to 1.0, as \"x,y\"");
  return { x, y };
}

export interface MediaChanges {
  description?: string;
  focus?: string;
}

function checkedChanges(changes: MediaChanges): { description?: string | null; focusX?: number | null; focusY?: number | null } | Refusal {
  const out: { description?: string | null; focusX?: number | null; focusY?: number | null } = {};
  if (changes.description !== undefined) {
    if (changes.description.length > MEDIA_LIMITS.descriptionChars) return refuse(422, `Validation failed: Description is too long (maximum is ${MEDIA_LIMITS.descriptionChars} characters)`);
    out.description = changes.description.trim() || null;
  }
  const focus = parseFocus(changes.focus);
  if (focus && "ok" in focus) return focus;
  if (focus !== undefined) {
    out.focusX = focus?.x ?? null;
    out.focusY = focus?.y ?? null;
  }
  return out;
}

/**
 * The preview (when it is smaller than the original) and blurhash, made by the Images binding;
 * nulls without it. `original` may be a stream (the media job passes R2's body on to the binding
 * without reading it into memory); the thumbnail is then made from the preview.
 */
async function derivatives(
  s: Services,
  id: number,
  original: Uint8Array | ReadableStream<Uint8Array>,
  originalSize: number,
  token: string,
): Promise<{ previewKey: string | null; blurhash: string | null }> {
  if (!s.images) return { previewKey: null, blurhash: null };
  let previewKey: string | null = null;
  let hash: string | null = null;
  try {
    const preview = await s.images.resize(original, PREVIEW_SIDE, "image/webp");
    // A service that answers with something else (an account without transformations returns the original) makes no preview.
    const usable = sniff(preview)?.mime === "image/webp" && preview.length < originalSize;
    if (usable) {
      previewKey = `${id}/${token}-small.webp`;
      await s.media.put(previewKey, preview, "image/webp");
    }
    const pixels = await pngPixels(await s.images.resize(usable || !(original instanceof Uint8Array) ? preview : original, THUMBNAIL_SIDE, "image/png"));
    hash = pixels ? blurhash(pixels.rgba, pixels.width, pixels.height) : null;
  } catch (error) {
    s.log("media.preview_failed", { id, error: String(error) });
  }
  return { previewKey, blurhash: hash };
}

export type UploadResult = { ok: true; media: MediaRow } | Refusal;

/** What an upload becomes: its stored bytes (or pieces to compose), type and size. */
type Prepared = { ok: true; type: NonNullable<ReturnType<typeof sniff>>; pieces: Piece[]; size: number; dimensions: { width: number; height: number } | null };

function checkedImage(width: number, height: number): Refusal | null {
  return width * height > MEDIA_LIMITS.imageMatrix ? refuse(422, `Validation failed: Image dimensions exceed ${MEDIA_LIMITS.imageMatrix} pixels (7680 × 4320)`) : null;
}

/** The type, the limits and the metadata rewrite of an upload held in memory. */
function prepareBytes(bytes: Uint8Array): Prepared | Refusal {
  if (bytes.length > Math.max(...Object.values(BYTES_LIMIT))) return refuse(413, `Validation failed: File is too large (images up to ${MEDIA_LIMITS.imageBytes / MB} MB, video and audio up to ${MEDIA_LIMITS.videoBytes / MB} MB)`);
  const type = sniff(bytes);
  if (!type) return refuse(422, NOT_SUPPORTED);
  if (bytes.length > BYTES_LIMIT[type.kind]) return tooLarge(type.kind, BYTES_LIMIT[type.kind]);
  if (type.kind !== "image") return { ok: true, type, pieces: [bytes], size: bytes.length, dimensions: null };
  const clean = cleanImage(type.mime, bytes);
  if (!clean?.ok) return refuse(422, `Validation failed: ${clean?.error ?? "the image could not be read"}`);
  return checkedImage(clean.width, clean.height) ?? { ok: true, type, pieces: [clean.bytes], size: clean.bytes.length, dimensions: { width: clean.width, height: clean.height } };
}

/**
 * An upload streamed into storage (`key`, the multipart body as it came): the file is `length`
 * bytes at `offset`, `head` its first bytes. Images are cleaned by ranges (src/media/ranges.ts)
 * when they can be; video and audio, and the rest of the file, are copied storage to storage.
 */
async function prepareStaged(s: Services, staged: StagedFile): Promise<Prepared | Refusal> {
  const { key, offset, length, head } = staged;
  const type = sniff(head);
  if (!type) return refuse(422, NOT_SUPPORTED);
  if (length > BYTES_LIMIT[type.kind]) return tooLarge(type.kind, BYTES_LIMIT[type.kind]);
  const all: Piece = { key, offset, length };
  if (type.kind !== "image") return { ok: true, type, pieces: [all], size: length, dimensions: null };
  const read = async (from: number, n: number) => (await s.media.range(key, offset + from, n)) ?? new Uint8Array();
  const plan = await planByRanges(type.mime, key, offset, length, head, read);
  if (plan === null) {
    if (head.length >= length) return prepareBytes(head.subarray(0, length));
    // A type or layout the range readers do not take: the whole file is read and rewritten here
    // (over Free's CPU for a few MB: BENCHMARKS.md → Media uploads).
    s.log("media.rewritten_whole", { type: type.mime, bytes: length });
    return prepareBytes(await read(0, length));
  }
  if (!plan.ok) return refuse(422, `Validation failed: ${plan.error}`);
  return checkedImage(plan.width, plan.height) ?? { ok: true, type, pieces: plan.pieces, size: plan.size, dimensions: { width: plan.width, height: plan.height } };
}

/** Where an upload's file lies in what was streamed into storage (src/api/v1/media.ts finds it). */
export interface StagedFile {
  /** A key under staging/: never served (servedMedia takes none), removed once the upload is stored or refused. */
  key: string;
  offset: number;
  length: number;
  /** The file's first bytes (up to the whole file), as read to find it. */
  head: Uint8Array;
}

/** A private key for a request body streamed into storage. */
export const stagingKey = () => `staging/${randomToken()}`;

/**
 * Streams a request body of `length` bytes (its Content-Length) into storage under `key`, the
 * Worker reading none of it: the runtime pipes it (a FixedLengthStream gives R2 the length it
 * needs, and fails the put when the body is not that long). False when it did not arrive whole.
 */
export async function stageBody(s: Services, key: string, body: ReadableStream<Uint8Array>, length: number): Promise<boolean> {
  const { readable, writable } = new FixedLengthStream(length);
  const piped = body.pipeTo(writable);
  try {
    await Promise.all([s.media.put(key, readable, "application/octet-stream"), piped]);
    return true;
  } catch (error) {
    s.log("media.staging_failed", { length, error: String(error) });
    await piped.catch(() => {});
    await dropStaged(s, key);
    return false;
  }
}

/** Bytes of a staged body, for finding the file in it. */
export async function stagedRange(s: Services, key: string, offset: number, length: number): Promise<Uint8Array> {
  return (await s.media.range(key, offset, length)) ?? new Uint8Array();
}

/** A staged body as storage streams it, for finding the parts its head and tail cannot place. */
export async function stagedStream(s: Services, key: string): Promise<ReadableStream<Uint8Array> | null> {
  return (await s.media.get(key))?.body ?? null;
}

/**
 * Whether a staged file placed from its body's head and tail is as long as its container says it
 * is (true when its type says nothing: src/media/extent.ts). A few 16-byte range reads for an MP4.
 */
export async function stagedLengthHolds(s: Services, f: StagedFile): Promise<boolean> {
  const end = await declaredEnd(f.head, f.length, (from, n) => stagedRange(s, f.key, f.offset + from, n));
  return end === null || end === f.length;
}

/** Removes a staged body (an upload refused before its file was found). */
export async function dropStaged(s: Services, key: string): Promise<void> {
  await s.media.delete([key]);
}

/**
 * Stores an upload. Its type comes from its bytes; an image is stored without its metadata.
 * `deferred` (POST /api/v2/media): the preview and blurhash are left to a `media` job and the
 * row says processed = false until it has run.
 */
export async function uploadMedia(s: Services, file: Uint8Array | StagedFile, changes: MediaChanges, options: { deferred: boolean }): Promise<UploadResult> {
  const staged = file instanceof Uint8Array ? null : file;
  const checked = checkedChanges(changes);
  let prepared: Prepared | Refusal;
  try {
    prepared = "ok" in checked ? checked : staged ? await prepareStaged(s, staged) : prepareBytes(file as Uint8Array);
  } catch (error) {
    if (staged) await dropStaged(s, staged.key);
    throw error;
  }
  if (!prepared.ok) {
    if (staged) await dropStaged(s, staged.key);
    return prepared;
  }
  const { type, pieces, size } = prepared;
  const id = snowflake(s.now());
  const token = randomToken();
  const fileKey = `${id}/${token}.${type.extension}`;
  try {
    if (pieces.length === 1 && pieces[0] instanceof Uint8Array) await s.media.put(fileKey, pieces[0], type.mime);
    else await s.media.compose(fileKey, pieces, type.mime);
  } finally {
    if (staged) await dropStaged(s, staged.key);
  }
  const inMemory = pieces.length === 1 && pieces[0] instanceof Uint8Array ? pieces[0] : null;
  const later = options.deferred && type.kind === "image" && s.images !== null;
  const made = type.kind === "image" && !later ? await derivativesOf(s, id, fileKey, inMemory, size, token) : { previewKey: null, blurhash: null };
  const [row] = await s.db
    .insert(mediaAttachments)
    .values({
      id,
      type: type.kind,
      contentType: type.mime,
      fileKey,
      size,
      width: prepared.dimensions?.width ?? null,
      height: prepared.dimensions?.height ?? null,
      ...(checked as Exclude<typeof checked, Refusal>),
      ...made,
      processed: !later,
      createdAt: s.now(),
    })
    .returning();
  s.log("media.uploaded", { id, type: type.mime, stored: size, staged: staged !== null, deferred: later });
  if (!later) return { ok: true, media: row! };
  try {
    await s.jobs.send({ kind: "media", id });
    return { ok: true, media: row! };
  } catch (error) {
    // No job, no one to finish it: made here, so the upload is not left "processing" for ever.
    s.log("media.job_not_queued", { id, error: String(error) });
    const [done] = await s.db
      .update(mediaAttachments)
      .set({ ...(await derivativesOf(s, id, fileKey, inMemory, size, token)), processed: true })
      .where(eq(mediaAttachments.id, id))
      .returning();
    return { ok: true, media: done! };
  }
}

/** The derivatives of a stored file: from its bytes when they are in memory, else from storage's stream. */
async function derivativesOf(s: Services, id: number, fileKey: string, bytes: Uint8Array | null, size: number, token: string) {
  if (bytes) return derivatives(s, id, bytes, size, token);
  const object = await s.media.get(fileKey);
  return object?.body ? derivatives(s, id, object.body, object.size, token) : { previewKey: null, blurhash: null };
}

/** The `media` job: the preview and blurhash of a v2 upload, then processed = true. */
export async function processMedia(s: Services, id: number): Promise<void> {
  const [row] = await s.db.select().from(mediaAttachments).where(eq(mediaAttachments.id, id));
  if (!row || row.processed) return;
  const token = row.fileKey.slice(row.fileKey.indexOf("/") + 1, row.fileKey.lastIndexOf("."));
  const made = await derivativesOf(s, id, row.fileKey, null, row.size, token);
  await s.db.update(mediaAttachments).set({ ...made, processed: true }).where(eq(mediaAttachments.id, id));
}

/** An upload no post has taken yet: the only ones GET and PUT /api/v1/media/:id reach, as in Mastodon. */
export async function unattachedMedia(s: Services, rawId: string | undefined): Promise<MediaRow | null> {
  if (!rawId || !/^\d{1,16}$/.test(rawId)) return null;
  const [row] = await s.db.select().from(mediaAttachments).where(and(eq(mediaAttachments.id, Number(rawId)), isNull(mediaAttachments.statusUri)));
  return row ?? null;
}

export async function updateMedia(s: Services, row: MediaRow, changes: MediaChanges): Promise<UploadResult> {
  const checked = checkedChanges(changes);
  if ("ok" in checked) return checked;
  if (Object.keys(checked).length === 0) return { ok: true, media: row };
  const [updated] = await s.db.update(mediaAttachments).set(checked).where(eq(mediaAttachments.id, row.id)).returning();
  return { ok: true, media: updated! };
}

/** A post's media in order. */
export async function mediaOf(s: Services, statusUri: string): Promise<MediaRow[]> {
  return s.db.select().from(mediaAttachments).where(eq(mediaAttachments.statusUri, statusUri)).orderBy(asc(mediaAttachments.position));
}

export interface MediaEdit {
  id: string;
  description?: string;
  focus?: string;
}

/**
 * The uploads `ids` name, in that order, if a post may take them: at most four, each the owner's,
 * processed, and not attached to another post (`ownUri`: the post being edited, whose own media
 * it may keep). `edits` (media_attributes[] on an edit) change alt text and focus on the way.
 */
export async function claimableMedia(s: Services, ids: string[], ownUri: string | null, edits: MediaEdit[] = []): Promise<{ ok: true; media: MediaRow[] } | Refusal> {
  const unique = [...new Set(ids)];
  if (unique.length > MEDIA_LIMITS.perPost) return refuse(422, `Validation failed: at most ${MEDIA_LIMITS.perPost} media attachments`);
  if (unique.length === 0) return { ok: true, media: [] };
  if (!unique.every((id) => /^\d{1,16}$/.test(id))) return refuse(422, "Validation failed: unknown media id");
  const rows = await s.db.select().from(mediaAttachments).where(inArray(mediaAttachments.id, unique.map(Number)));
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const media: MediaRow[] = [];
  for (const id of unique) {
    const row = byId.get(id);
    if (!row || (row.statusUri !== null && row.statusUri !== ownUri)) return refuse(422, `Validation failed: media ${id} does not exist or belongs to another post`);
    if (!row.processed) return refuse(422, "Validation failed: Cannot attach files that have not finished processing. Try again in a moment!");
    const edit = edits.find((e) => e.id === id);
    const changes = edit ? checkedChanges(edit) : {};
    if ("ok" in changes) return changes;
    media.push({ ...row, ...changes });
  }
  return { ok: true, media };
}

/** Attaches `media` (from claimableMedia) to the post in its order; on an edit, what it no longer names is let go (and removed with the unattached uploads). */
export async function attachMedia(s: Services, statusUri: string, media: MediaRow[]): Promise<void> {
  const ids = media.map((m) => m.id);
  // createdAt 0: a let-go file is past the day's grace at once, so the next clean-up removes it.
  const detach = s.db
    .update(mediaAttachments)
    .set({ statusUri: null, createdAt: 0 })
    .where(and(eq(mediaAttachments.statusUri, statusUri), ids.length > 0 ? notInArray(mediaAttachments.id, ids) : undefined));
  const statements = media.map((m, position) =>
    s.db
      .update(mediaAttachments)
      .set({ statusUri, position, description: m.description, focusX: m.focusX, focusY: m.focusY })
      .where(eq(mediaAttachments.id, m.id)),
  );
  await s.db.batch([detach, ...statements]);
}

/** The Document a Note carries for one attachment, in Mastodon's shape (toot:blurhash, toot:focalPoint). */
export function attachmentDocument(s: Services, m: MediaRow): Record<string, unknown> {
  return {
    type: "Document",
    mediaType: m.contentType,
    url: s.urls.media(m.fileKey),
    name: m.description,
    ...(m.blurhash ? { blurhash: m.blurhash } : {}),
    ...(m.focusX !== null && m.focusY !== null ? { focalPoint: [m.focusX, m.focusY] } : {}),
    ...(m.width && m.height ? { width: m.width, height: m.height } : {}),
  };
}

async function removeRows(s: Services, rows: MediaRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 90) {
    const chunk = rows.slice(i, i + 90);
    await s.media.delete(chunk.flatMap((r) => (r.previewKey ? [r.fileKey, r.previewKey] : [r.fileKey])));
    await s.db.delete(mediaAttachments).where(inArray(mediaAttachments.id, chunk.map((r) => r.id)));
  }
}

/** A deleted post's files and rows. */
export async function deleteMediaOf(s: Services, statusUri: string): Promise<void> {
  await removeRows(s, await mediaOf(s, statusUri));
}

/** Uploads no post took within a day (the daily clean-up); returns how many went. */
export async function pruneUnattachedMedia(s: Services, now = s.now()): Promise<number> {
  const rows = await s.db
    .select()
    .from(mediaAttachments)
    .where(and(isNull(mediaAttachments.statusUri), lt(mediaAttachments.createdAt, now - UNATTACHED_MS)))
    .limit(1000);
  await removeRows(s, rows);
  // Staged bodies are removed by the request that made them; one whose Worker died on the way is removed here.
  const staged = await s.media.olderThan("staging/", now - UNATTACHED_MS);
  if (staged.length > 0) await s.media.delete(staged);
  return rows.length;
}

/** A stored file for GET /media/:key, only under the keys uploads are given. */
export async function servedMedia(s: Services, key: string, request: Headers): Promise<StoredObject | null> {
  // Custom emoji (src/domain/custom-emoji.ts) live under emoji/<shortcode>-<24 hex>.
  if (!/^(\d{1,16}\/[0-9a-f]{24}(-small)?|profile\/(avatar|header)-[0-9a-f]{24}|emoji\/[a-zA-Z0-9_]{2,64}-[0-9a-f]{24})\.[a-z0-9]{2,5}$/.test(key)) return null;
  return s.media.get(key, request);
}

/**
 * A new avatar or header: an image, stripped of metadata, scaled to fit by the Images binding when
 * it is bound (else stored as stripped, within the profile image limit). Returns its URL. A staged
 * file (streamed into storage, src/api/v1/media.ts) is cleaned by ranges like an upload and
 * composed in storage, and the binding is fed the stored object's stream: the Worker never holds
 * the image. The caller removes the staged body.
 */
export async function storeProfileImage(s: Services, kind: "avatar" | "header", file: Uint8Array | StagedFile): Promise<{ ok: true; url: string } | Refusal> {
  const staged = file instanceof Uint8Array ? null : file;
  if ((staged?.length ?? (file as Uint8Array).length) > MEDIA_LIMITS.profileImageBytes) return tooLarge("image", MEDIA_LIMITS.profileImageBytes);
  if (sniff(staged?.head ?? (file as Uint8Array))?.kind !== "image") return refuse(422, `Validation failed: ${kind === "avatar" ? "Avatar" : "Header"} must be a JPEG, PNG, WebP, GIF or AVIF image`);
  const prepared = staged ? await prepareStaged(s, staged) : prepareBytes(file as Uint8Array);
  if (!prepared.ok) return prepared;
  const { type, pieces, dimensions } = prepared;
  const inMemory = pieces.length === 1 && pieces[0] instanceof Uint8Array ? pieces[0] : null;
  const base = `profile/${kind}-${randomToken()}`;
  const cleanKey = `${base}.${type.extension}`;
  if (!inMemory) await s.media.compose(cleanKey, pieces, type.mime);
  if (s.images && dimensions && Math.max(dimensions.width, dimensions.height) > PROFILE_SIDE[kind]) {
    try {
      const source = inMemory ?? (await s.media.get(cleanKey))?.body;
      const resized = source ? await s.images.resize(source, PROFILE_SIDE[kind], "image/webp") : null;
      if (resized && sniff(resized)?.mime === "image/webp") {
        await s.media.put(`${base}.webp`, resized, "image/webp");
        if (!inMemory) await s.media.delete([cleanKey]);
        return { ok: true, url: s.urls.media(`${base}.webp`) };
      }
    } catch (error) {
      s.log("media.profile_resize_failed", { kind, error: String(error) });
    }
  }
  if (inMemory) await s.media.put(cleanKey, inMemory, type.mime);
  return { ok: true, url: s.urls.media(cleanKey) };
}

/** Removes a replaced avatar or header when it is one of ours (a URL from the [vars] is left alone). */
export async function removeProfileImage(s: Services, url: string | null): Promise<void> {
  const base = s.urls.media("");
  if (url?.startsWith(`${base}profile/`)) await s.media.delete([url.slice(base.length)]);
}
