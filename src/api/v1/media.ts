// /api/v1/media and /api/v2/media: uploads, their processing state, alt text and focus. v1 answers
// once everything is made (Elk, toot and obs need `url` at once); v2 answers 202 with url null
// while a queue job makes the preview and blurhash, and GET /api/v1/media/:id says 206 until then
// (Tusky fails a post on any other status; masto.js polls until `url` is set). docs/media.md.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import {
  dropStaged, MEDIA_LIMITS, type MediaChanges, type MediaEdit, type Refusal, stageBody, type StagedFile, stagedLengthHolds, stagedRange, stagedStream, stagingKey, storeProfileImage,
  type UploadResult, unattachedMedia, updateMedia, uploadMedia,
} from "../../domain/media.ts";
import type { Services } from "../../services.ts";
import { jsonError } from "../../http.ts";
import { mediaEntity } from "../entities/media.ts";
import { fileParam, type Json, listParam, paramsOf, readParams, stringParam } from "../body.ts";
import { boundaryOf, locateParts, MultipartScanner, type ScanResult, scanStream } from "../multipart.ts";
import { requireScope } from "../scopes.ts";

/** The largest body worth parsing: the largest file plus room for the other fields and multipart framing. */
const MAX_BODY = Math.max(MEDIA_LIMITS.imageBytes, MEDIA_LIMITS.videoBytes, MEDIA_LIMITS.audioBytes) + 64 * 1024;

function answer(c: AppContext, result: UploadResult, status: (processed: boolean) => 200 | 202 | 206) {
  if (!result.ok) return jsonError(c, result.status, result.error);
  return c.json(mediaEntity(c.var.services, result.media), status(result.media.processed));
}

/** The 413 for a body too large to take (by its Content-Length), before any of it is read or staged; null when it may be taken. */
export function bodyTooLarge(c: AppContext): Response | null {
  if (Number(c.req.header("Content-Length") ?? 0) <= MAX_BODY) return null;
  return jsonError(c, 413, `Validation failed: File is too large (at most ${MEDIA_LIMITS.videoBytes / 1024 / 1024} MB)`);
}

/** How much of a streamed upload is read back to find its parts: the fields before the file and its first bytes; the file's end and the fields after it. */
const HEAD = 64 * 1024;
const TAIL = 64 * 1024;

/** A multipart body streamed into storage: where its files lie, and its text fields. */
export interface StreamedBody {
  key: string;
  files: Map<string, StagedFile>;
  fields: [string, string][];
}

/**
 * A multipart upload with a Content-Length goes to storage as it arrives, unread (reading 2 MB
 * into the isolate is most of Free's 10 ms: BENCHMARKS.md → Media uploads), and its parts are
 * found there: from its first and last 64 KB when they place every part (one large file, the
 * fields around it small), else by streaming the staged object through the scanner (two large
 * files, long fields after the file). Null for a body this cannot take (no length, not multipart)
 * or need not (64 KB or less): it is read into memory as before. A refusal has removed the staged
 * body; otherwise the caller removes it (`dropStaged`) once done with it.
 */
export async function streamedBody(c: AppContext, fileFields: string[]): Promise<StreamedBody | Response | null> {
  const s = c.var.services;
  const type = c.req.header("Content-Type") ?? "";
  const length = Number(c.req.header("Content-Length") ?? NaN);
  const boundary = boundaryOf(type);
  const body = c.req.raw.body;
  // A body that fits in the head read costs no more in memory than read back from storage.
  if (!Number.isSafeInteger(length) || length <= HEAD || !boundary || !/^multipart\/form-data/i.test(type) || !body) return null;
  const key = stagingKey();
  if (!(await stageBody(s, key, body, length))) return jsonError(c, 400, "The request body did not arrive whole");
  let scanned: ScanResult;
  try {
    const head = await stagedRange(s, key, 0, Math.min(HEAD, length));
    const tailStart = Math.max(0, length - TAIL);
    const tail = head.length >= length ? head : await stagedRange(s, key, tailStart, length - tailStart);
    const located = locateParts(head, tail, tailStart, length, boundary, fileFields);
    // A refusal from the head alone (too many parts, a text field too long) stands; otherwise the body is scanned whole.
    const scan = located?.ok !== false && !(located && (await placedWhole(s, located, key, head.length, fileFields)));
    scanned = scan || !located ? await scanStaged(s, key, boundary, fileFields) : located;
    s.log("media.body_staged", { bytes: length, scanned: scan });
  } catch (error) {
    await dropStaged(s, key);
    throw error;
  }
  if (!scanned.ok) {
    await dropStaged(s, key);
    return jsonError(c, 422, scanned.error);
  }
  const files = new Map<string, StagedFile>();
  const fields: [string, string][] = [];
  for (const p of scanned.parts) {
    if (p.name === null) continue;
    if (!p.file) fields.push([p.name, p.text!]);
    else if (fileFields.includes(p.name)) files.set(p.name, { key, offset: p.start, length: p.end - p.start, head: p.head });
  }
  return { key, files, fields };
}

/**
 * Whether the parts the head and tail placed are all there is. The file the head ends inside is
 * taken to end at the tail's first delimiter, which is its end only if no other part began in
 * the unread middle; the two windows cannot show that, so the placement is trusted only when
 * every other file wanted was seen (else the middle may hold it: update_credentials' avatar and
 * header) and the file's container, when it states its length (MP4, MOV, AVIF, WebP, WAV), agrees
 * (a video's `thumbnail` hidden after it). JPEG, PNG and the rest state none: see docs/media.md.
 */
async function placedWhole(s: Services, scanned: ScanResult, key: string, headLength: number, fileFields: string[]): Promise<boolean> {
  if (!scanned.ok) return false;
  const open = scanned.parts.find((p) => p.start < headLength && p.end > headLength);
  if (!open) return true;
  if (fileFields.some((name) => name !== open.name && !scanned.parts.some((p) => p.name === name && p.file))) return false;
  return stagedLengthHolds(s, { key, offset: open.start, length: open.end - open.start, head: open.head });
}

/** The staged body streamed from storage through the scanner (the Worker reads it, chunk by chunk, holding only what the scanner keeps). */
async function scanStaged(s: Services, key: string, boundary: string, fileFields: string[]): Promise<ScanResult> {
  const stream = await stagedStream(s, key);
  if (!stream) return { ok: false, error: "the multipart body could not be read" };
  return scanStream(stream, new MultipartScanner(boundary, (name) => name !== null && fileFields.includes(name)));
}

/** The last value of a text field of a streamed body, else of the query string (Rails merges them). */
export const streamedField = (c: AppContext, body: StreamedBody, name: string) => body.fields.findLast(([n]) => n === name)?.[1] ?? c.req.query(name);

function upload(deferred: boolean) {
  return async (c: AppContext) => {
    const tooLarge = bodyTooLarge(c);
    if (tooLarge) return tooLarge;
    const s = c.var.services;
    const streamed = await streamedBody(c, ["file"]);
    if (streamed instanceof Response) return streamed;
    let file: Uint8Array | StagedFile | null | undefined;
    let changes: MediaChanges;
    if (streamed) {
      file = streamed.files.get("file");
      changes = { description: streamedField(c, streamed, "description"), focus: streamedField(c, streamed, "focus") };
      // uploadMedia removes a staged file's body itself; here the one of a body without a file.
      if (!file) await dropStaged(s, streamed.key);
    } else {
      const body = await readParams(c);
      if (!body.ok) return jsonError(c, 422, body.error);
      file = fileParam(body.params, "file");
      changes = { description: stringParam(body.params, "description"), focus: stringParam(body.params, "focus") };
    }
    if (!file) return jsonError(c, 422, "Validation failed: File can't be blank");
    return answer(c, await uploadMedia(s, file, changes, { deferred }), (processed) => (processed ? 200 : 202));
  };
}

const processingStatus = (processed: boolean) => (processed ? 200 : 206);

export const media = new Hono<AppEnv>()
  .post("/api/v1/media", requireScope("write:media"), upload(false))
  .post("/api/v2/media", requireScope("write:media"), upload(true))
  .get("/api/v1/media/:id", requireScope("write:media"), async (c) => {
    const row = await unattachedMedia(c.var.services, c.req.param("id"));
    if (!row) return jsonError(c, 404, "Record not found");
    return c.json(mediaEntity(c.var.services, row), processingStatus(row.processed));
  })
  .put("/api/v1/media/:id", requireScope("write:media"), async (c) => {
    const s = c.var.services;
    const row = await unattachedMedia(s, c.req.param("id"));
    if (!row) return jsonError(c, 404, "Record not found");
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const result = await updateMedia(s, row, { description: stringParam(body.params, "description"), focus: stringParam(body.params, "focus") });
    return answer(c, result, processingStatus);
  });

/** A post's media_ids[] (order kept) and, on an edit, media_attributes[][id|description|focus]. */
export function postMedia(p: Json): { ids: string[]; edits: MediaEdit[] } {
  const attributes = p.media_attributes;
  const entries = (Array.isArray(attributes) ? attributes : attributes && typeof attributes === "object" ? Object.values(attributes) : []) as Json[];
  const edits = entries.flatMap((e) => {
    const id = e && typeof e === "object" ? stringParam(e, "id") : undefined;
    return id ? [{ id, description: stringParam(e, "description"), focus: stringParam(e, "focus") }] : [];
  });
  return { ids: listParam(p, "media_ids"), edits };
}

/** update_credentials' body: its parameters, its `avatar` and `header` files, and what to call once they are stored or refused. */
export interface ProfileBody {
  params: Json;
  file: (field: "avatar" | "header") => Uint8Array | StagedFile | null;
  /** Removes the staged body, if the files were streamed into storage. */
  done: () => Promise<void>;
}

/**
 * A large multipart body streams into storage with its files placed there (streamedBody: an
 * avatar and a header both large are found by scanning the staged body); other bodies are read
 * into memory (readParams).
 */
export async function profileBody(c: AppContext): Promise<ProfileBody | Response> {
  const s = c.var.services;
  const streamed = await streamedBody(c, ["avatar", "header"]);
  if (streamed instanceof Response) return streamed;
  if (streamed) return { params: paramsOf(c, streamed.fields), file: (field) => streamed.files.get(field) ?? null, done: () => dropStaged(s, streamed.key) };
  const body = await readParams(c);
  if (!body.ok) return jsonError(c, 422, body.error);
  return { params: body.params, file: (field) => fileParam(body.params, field), done: async () => {} };
}

/** The avatar and header of update_credentials, stored, as profile changes. */
export async function profileImages(s: Services, body: ProfileBody): Promise<{ ok: true; changes: { avatarUrl?: string; headerUrl?: string } } | Refusal> {
  const changes: { avatarUrl?: string; headerUrl?: string } = {};
  for (const [field, key] of [["avatar", "avatarUrl"], ["header", "headerUrl"]] as const) {
    const file = body.file(field);
    if (!file) continue;
    const stored = await storeProfileImage(s, field, file);
    if (!stored.ok) return stored;
    changes[key] = stored.url;
  }
  return { ok: true, changes };
}
