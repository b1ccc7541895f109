// /api/v1/media and /api/v2/media: uploads, their processing state, alt text and focus. v1 answers
// once everything is made (Elk, toot and obs need `url` at once); v2 answers 202 with url null
// while a queue job makes the preview and blurhash, and GET /api/v1/media/:id says 206 until then
// (Tusky fails a post on any other status; masto.js polls until `url` is set). docs/media.md.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import {
  MEDIA_LIMITS, type MediaEdit, type Refusal, storeProfileImage, type UploadResult, unattachedMedia, updateMedia, uploadMedia,
} from "../../domain/media.ts";
import type { Services } from "../../services.ts";
import { jsonError } from "../../http.ts";
import { mediaEntity } from "../entities/media.ts";
import { fileParam, type Json, listParam, readParams, stringParam } from "../body.ts";
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

function upload(deferred: boolean) {
  return async (c: AppContext) => {
    const tooLarge = bodyTooLarge(c);
    if (tooLarge) return tooLarge;
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const bytes = fileParam(body.params, "file");
    if (!bytes) return jsonError(c, 422, "Validation failed: File can't be blank");
    const changes = { description: stringParam(body.params, "description"), focus: stringParam(body.params, "focus") };
    const result = await uploadMedia(c.var.services, bytes, changes, { deferred });
    return answer(c, result, (processed) => (processed ? 200 : 202));
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

/** update_credentials' multipart `avatar` and `header`, stored, as profile changes. */
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
