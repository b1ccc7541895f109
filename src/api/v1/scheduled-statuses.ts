// /api/v1/scheduled_statuses (Mastodon's scheduled_statuses_controller.rb), and the scheduled
// branch of POST /api/v1/statuses. The rules are src/domain/posts/scheduled.ts.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { cancelScheduledPost, mediaHolder, parseScheduledAt, reschedulePost, scheduledPost, scheduledIdOf, scheduledPosts, schedulePost } from "../../domain/posts/scheduled.ts";
import type { PostInput } from "../../domain/posts/input.ts";
import { jsonError } from "../../http.ts";
import { scheduledEntities } from "../entities/scheduled-status.ts";
import { boolParam, type Json, readParams, stringParam } from "../body.ts";
import { bounds, readPage, setLinks } from "../pagination.ts";
import { requireScope } from "../scopes.ts";

const ID = "{\\d{1,16}}";
const INVALID_TIME = "Validation failed: Scheduled at is not a valid time";

async function oneEntity(c: AppContext, row: Parameters<typeof scheduledEntities>[1][number]) {
  const [entity] = await scheduledEntities(c.var.services, [row]);
  return c.json(entity);
}

/**
 * POST /api/v1/statuses with `scheduled_at`: the post, checked as one made now, kept for later;
 * the answer is a ScheduledStatus instead of a Status. `params` echoes the request's options in
 * Mastodon's shape (its stored options hash).
 */
export async function scheduleStatus(c: AppContext, input: PostInput, p: Json, rawAt: string, remember: (uri: string) => Promise<void>): Promise<Response> {
  const at = parseScheduledAt(rawAt);
  if (at === null) return jsonError(c, 422, INVALID_TIME);
  const params = {
    text: input.text,
    visibility: stringParam(p, "visibility") ?? "public",
    spoiler_text: input.summary,
    sensitive: boolParam(p, "sensitive") ?? null,
    language: input.language,
    in_reply_to_id: stringParam(p, "in_reply_to_id") ?? null,
    poll: typeof p.poll === "object" && p.poll !== null ? p.poll : null,
    scheduled_at: null,
    idempotency: c.req.header("Idempotency-Key")?.slice(0, 200) ?? null,
    application_id: c.var.grant?.appId != null ? String(c.var.grant.appId) : null,
    with_rate_limit: false,
  };
  const scheduled = await schedulePost(c.var.services, input, params, at);
  if (!scheduled.ok) return jsonError(c, 422, scheduled.error);
  await remember(mediaHolder(scheduled.value.id));
  return oneEntity(c, scheduled.value);
}

/** The answer to a repeated Idempotency-Key that made a scheduled post (`uri` its media holder), or null when it names a status. */
export async function scheduledReplay(c: AppContext, uri: string): Promise<Response | null> {
  const id = scheduledIdOf(uri);
  if (id === null) return null;
  const row = await scheduledPost(c.var.services, String(id));
  // Published or cancelled since: nothing left to show as scheduled (Mastodon's find raises, a 404).
  return row ? oneEntity(c, row) : jsonError(c, 404, "Record not found");
}

async function rowOf(c: AppContext) {
  return (await scheduledPost(c.var.services, c.req.param("id"))) ?? jsonError(c, 404, "Record not found");
}

export const scheduledRoutes = new Hono<AppEnv>()
  .get("/api/v1/scheduled_statuses", requireScope("read:statuses"), async (c) => {
    const page = readPage(c, { default: 20, max: 40 });
    if ("error" in page) return jsonError(c, 400, page.error);
    const rows = await scheduledPosts(c.var.services, { ...bounds(page), limit: page.limit });
    setLinks(c, page, rows.map((r) => r.id));
    return c.json(await scheduledEntities(c.var.services, rows));
  })
  .get(`/api/v1/scheduled_statuses/:id${ID}`, requireScope("read:statuses"), async (c) => {
    const row = await rowOf(c);
    return row instanceof Response ? row : oneEntity(c, row);
  })
  .put(`/api/v1/scheduled_statuses/:id${ID}`, requireScope("write:statuses"), async (c) => {
    const row = await rowOf(c);
    if (row instanceof Response) return row;
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    // Only the time can change (Mastodon permits scheduled_at alone); without one nothing changes.
    const raw = stringParam(body.params, "scheduled_at");
    if (raw === undefined) return oneEntity(c, row);
    const at = parseScheduledAt(raw);
    if (at === null) return jsonError(c, 422, INVALID_TIME);
    const moved = await reschedulePost(c.var.services, row, at);
    return moved.ok ? oneEntity(c, moved.value) : jsonError(c, 422, moved.error);
  })
  .delete(`/api/v1/scheduled_statuses/:id${ID}`, requireScope("write:statuses"), async (c) => {
    const row = await rowOf(c);
    if (row instanceof Response) return row;
    await cancelScheduledPost(c.var.services, row);
    return c.json({});
  });
