// /api/v1/media and /api/v2/media: uploads, their processing state, alt text and focus. v1 answers
// once everything is made (Elk, toot and obs need `url` at once); v2 answers 202 with url null
// while a queue job makes the preview and blurhash, and GET /api/v1/media/:id says 206 until then
// (Tusky fails a post on any other status; masto.js polls until `url` is set). docs/media.md.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import {
  dropStaged, MEDIA_LIMITS, type MediaChanges, type MediaEdit, type Refusal, stageBody, type StagedFile, stagedRange, stagingKey, storeProfileImage,
  type UploadResult, unattachedMedia, updateMedia, uploadMedia,
} from "../../domain/media.ts";
import type { Services } from "../../services.ts";
import { jsonError } from "../../http.ts";
import { mediaEntity } from "../entities/media.ts";
import { fileParam, type Json, listParam, readParams, stringParam } from "../body.ts";
import { boundaryOf, locateParts, parseMultipart } from "../multipart.ts";
import { requireScope } from "../scopes.ts";

/** The largest body worth parsing: the largest file plus room for the other fields and multipart framing. */
const MAX_BODY = Math.max(MEDIA_LIMITS.imageBytes, MEDIA_LIMITS.videoBytes, MEDIA_LIMITS.audioBytes) + 64 * 1024;

function answer(c: AppContext, result: UploadResult, status: (processed: boolean) => 200 | 202 | 206) {
  if (!result.ok) return jsonError(c, result.status, result.error);
  return c.json(mediaEntity(c.var.services, result.media), status(result.media.processed));
}

/** The 413 for a body too large to read at all (a multipart body is held in memory whole), before it is read; null when it may be read. */
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
  /** Where each file lies in storage; in memory when the body had to be read whole. */
  files: Map<string, StagedFile | Uint8Array>;
  fields: [string, string][];
}

/**
 * A multipart upload with a Content-Length goes to storage as it arrives, unread (reading 2 MB
 * into the isolate is most of Free's 10 ms: BENCHMARKS.md → Media uploads); its head and tail are
 * read back to find the files `fileFields` and the other fields. Null for a body this cannot
 * take (no length, not multipart) or need not (64 KB or less): it is read into memory as before. The caller removes the
 * staged body (`dropStaged`) once done with it.
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
  const head = await stagedRange(s, key, 0, Math.min(HEAD, length));
  const tailStart = Math.max(0, length - TAIL);
  const tail = head.length >= length ? head : await stagedRange(s, key, tailStart, length - tailStart);
  const located = locateParts(head, tail, tailStart, length, boundary, fileFields);
  const files = new Map<string, StagedFile | Uint8Array>();
  if (!located) {
    // Two large files (an avatar and a header at once), or long fields after the file: the body
    // is read whole from storage and parsed in memory, as a body that was not streamed.
    const parsed = parseMultipart(await stagedRange(s, key, 0, length), boundary);
    if (!parsed) {
      await dropStaged(s, key);
      return jsonError(c, 422, "the multipart body could not be read");
    }
    const fields: [string, string][] = [];
    for (const [name, value] of parsed) {
      if (typeof value === "string") fields.push([name, value]);
      else if (fileFields.includes(name)) files.set(name, value.bytes);
    }
    return { key, files, fields };
  }
  for (const { name, start, end } of located.files) {
    files.set(name, { key, offset: start, length: end - start, head: start < head.length ? head.subarray(start, Math.min(end, head.length)) : new Uint8Array() });
  }
  return { key, files, fields: located.fields };
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
      // uploadMedia removes a staged file's body itself; here the one of a body read whole, or without a file.
      if (!file || file instanceof Uint8Array) await dropStaged(s, streamed.key);
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

/**
 * update_credentials' multipart `avatar` and `header`, stored, as profile changes. That body is
 * read into memory, not streamed: it may hold both files, and the head and tail of a streamed
 * body cannot show where the first of two large files ends (docs/media.md).
 */
export async function profileImages(s: Services, p: Json): Promise<{ ok: true; changes: { avatarUrl?: string; headerUrl?: string } } | Refusal> {
  const changes: { avatarUrl?: string; headerUrl?: string } = {};
  for (const [field, key] of [["avatar", "avatarUrl"], ["header", "headerUrl"]] as const) {
    const bytes = fileParam(p, field);
    if (!bytes) continue;
    const stored = await storeProfileImage(s, field, bytes);
    if (!stored.ok) return stored;
    changes[key] = stored.url;
  }
  return { ok: true, changes };
}
