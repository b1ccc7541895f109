// Scheduled posts, as Mastodon's ScheduledStatus: the checked PostInput is kept until its time and
// then handed to publishNote, the same use case as a post made now, so it is rendered, stored and
// federated exactly the same way. The PostScheduler Durable Object's alarm runs publishDueStatuses
// at the earliest scheduled time (docs/client-api.md → Scheduled posts says why an alarm, not the cron).
import { and, asc, count, eq, gte, inArray, lt, lte, min, ne } from "drizzle-orm";
import { mediaAttachments, scheduledStatuses } from "../../db/schema.ts";
import { type CursorPage, cursorOrder, cursorRange, newestFirst } from "../../db/queries/page.ts";
import { snowflake } from "../../db/snowflake.ts";
import type { Services } from "../../services.ts";
import { claimableMedia, type MediaRow } from "../media.ts";
import { publishNote } from "./compose.ts";
import type { PostInput } from "./input.ts";

export type ScheduledRow = typeof scheduledStatuses.$inferSelect;

/** Mastodon's ScheduledStatusValidator: at least 5 minutes ahead, 25 a day, 300 in all. */
export const SCHEDULE_LIMITS = { minimumOffsetMs: 5 * 60_000, daily: 25, total: 300 };
const DAY_MS = 86_400_000;
// One alarm publishes at most this many; more that are due are left to an alarm set for now.
// Each is a signed post and a few D1 writes: this keeps one alarm's CPU well inside the Free plan's.
const PUBLISH_PER_RUN = 4;

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** The `status_uri` that holds a scheduled post's uploads, so the clean-up of unattached media keeps them. */
const HOLDER = "urn:roost:scheduled:";
export const mediaHolder = (id: number) => `${HOLDER}${id}`;

/** The scheduled post's id in a mediaHolder value, or null when `uri` is not one. */
export function scheduledIdOf(uri: string): number | null {
  return uri.startsWith(HOLDER) && /^\d{1,16}$/.test(uri.slice(HOLDER.length)) ? Number(uri.slice(HOLDER.length)) : null;
}

/**
 * Makes sure the scheduler's alarm fires by `at`. The post is stored already, so an object that
 * cannot be reached fails nothing: the daily catch-up publishes it and sets the alarm again.
 */
async function arm(s: Services, at: number): Promise<void> {
  await s
    .postScheduler()
    .wake(at)
    .catch((error: unknown) => s.log("scheduled.alarm_not_set", { at, error: String(error) }));
}

/** An ISO 8601 time (what Mastodon's `to_datetime` reads) as milliseconds, or null. */
export function parseScheduledAt(raw: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}(T|\s)\d{2}:\d{2}/.test(raw.trim())) return null;
  const at = Date.parse(raw.trim());
  return Number.isFinite(at) ? at : null;
}

/** Why `at` cannot be a scheduled time (Mastodon's messages), or null; `except` is the post being moved. */
async function timeRefused(s: Services, at: number, except: number | null): Promise<string | null> {
  if (at < s.now() + SCHEDULE_LIMITS.minimumOffsetMs) return "Validation failed: Scheduled at The scheduled date must be in the future";
  const others = except === null ? undefined : ne(scheduledStatuses.id, except);
  const dayStart = Math.floor(at / DAY_MS) * DAY_MS;
  const [[total], [sameDay]] = await Promise.all([
    s.db.select({ n: count() }).from(scheduledStatuses).where(others),
    s.db
      .select({ n: count() })
      .from(scheduledStatuses)
      .where(and(others, gte(scheduledStatuses.scheduledAt, dayStart), lt(scheduledStatuses.scheduledAt, dayStart + DAY_MS))),
  ]);
  if ((total?.n ?? 0) >= SCHEDULE_LIMITS.total) return `Validation failed: You have exceeded the limit of ${SCHEDULE_LIMITS.total} scheduled posts`;
  if ((sameDay?.n ?? 0) >= SCHEDULE_LIMITS.daily) return `Validation failed: You have exceeded the limit of ${SCHEDULE_LIMITS.daily} scheduled posts for today`;
  return null;
}

/**
 * Keeps `input` to publish at `at`. `params` is what the entity shows back (Mastodon's stored
 * options). The uploads are checked now, as for a post made now, and held for it.
 */
export async function schedulePost(s: Services, input: PostInput, params: Record<string, unknown>, at: number): Promise<Result<ScheduledRow>> {
  const refused = await timeRefused(s, at, null);
  if (refused) return { ok: false, error: refused };
  const claimed = await claimableMedia(s, input.media?.ids ?? [], null, input.media?.edits);
  if (!claimed.ok) return { ok: false, error: claimed.error };
  const id = snowflake(s.now());
  const mediaIds = claimed.media.map((m) => m.id);
  const [inserted] = await s.db.batch([
    s.db
      .insert(scheduledStatuses)
      .values({ id, scheduledAt: at, input: JSON.stringify(input), params: JSON.stringify(params), mediaIds: JSON.stringify(mediaIds), createdAt: s.now() })
      .returning(),
    ...(mediaIds.length > 0 ? [s.db.update(mediaAttachments).set({ statusUri: mediaHolder(id) }).where(inArray(mediaAttachments.id, mediaIds))] : []),
  ]);
  await arm(s, at);
  return { ok: true, value: inserted[0]! };
}

export async function scheduledPost(s: Services, rawId: string | undefined): Promise<ScheduledRow | null> {
  if (!rawId || !/^\d{1,16}$/.test(rawId)) return null;
  const [row] = await s.db.select().from(scheduledStatuses).where(eq(scheduledStatuses.id, Number(rawId))).limit(1);
  return row ?? null;
}

/** GET /api/v1/scheduled_statuses: a page by id, newest first, as Mastodon pages them. */
export async function scheduledPosts(s: Services, page: CursorPage): Promise<ScheduledRow[]> {
  const rows = await s.db.select().from(scheduledStatuses).where(cursorRange(scheduledStatuses.id, page)).orderBy(cursorOrder(scheduledStatuses.id, page)).limit(page.limit);
  return newestFirst(rows, page);
}

/** The uploads a scheduled post holds, in its order. */
export async function scheduledMedia(s: Services, rows: ScheduledRow[]): Promise<Map<number, MediaRow[]>> {
  const found = new Map<number, MediaRow[]>(rows.map((r) => [r.id, []]));
  if (rows.length === 0) return found;
  const media = await s.db.select().from(mediaAttachments).where(inArray(mediaAttachments.statusUri, rows.map((r) => mediaHolder(r.id))));
  const byId = new Map(media.map((m) => [m.id, m]));
  for (const row of rows) {
    const ids = JSON.parse(row.mediaIds) as number[];
    found.set(row.id, ids.map((id) => byId.get(id)).filter((m): m is MediaRow => m !== undefined));
  }
  return found;
}

/** PUT /api/v1/scheduled_statuses/:id: only the time changes, under the same rules. */
export async function reschedulePost(s: Services, row: ScheduledRow, at: number): Promise<Result<ScheduledRow>> {
  const refused = await timeRefused(s, at, row.id);
  if (refused) return { ok: false, error: refused };
  const [updated] = await s.db.update(scheduledStatuses).set({ scheduledAt: at }).where(eq(scheduledStatuses.id, row.id)).returning();
  if (!updated) return { ok: false, error: "Record not found" };
  await arm(s, at);
  return { ok: true, value: updated };
}

/** Cancels a scheduled post; its uploads become unattached again (and age out a day after their upload, as Mastodon's nullify). */
export async function cancelScheduledPost(s: Services, row: ScheduledRow): Promise<void> {
  await s.db.batch([
    s.db.delete(scheduledStatuses).where(eq(scheduledStatuses.id, row.id)),
    s.db.update(mediaAttachments).set({ statusUri: null }).where(eq(mediaAttachments.statusUri, mediaHolder(row.id))),
  ]);
}

/**
 * Publishes the scheduled posts whose time has come at `now`, oldest first, and returns when the
 * next one is due (null: none left). Each row is removed before its post is made, so an alarm
 * and the daily catch-up running at once cannot publish it twice.
 */
export async function publishDueStatuses(s: Services, now = s.now()): Promise<number | null> {
  const due = await s.db
    .select({ id: scheduledStatuses.id })
    .from(scheduledStatuses)
    .where(lte(scheduledStatuses.scheduledAt, now))
    .orderBy(asc(scheduledStatuses.scheduledAt))
    .limit(PUBLISH_PER_RUN + 1);
  const clock = { ...s, now: () => Math.max(s.now(), now) };
  for (const { id } of due.slice(0, PUBLISH_PER_RUN)) {
    const [claimed] = await s.db.delete(scheduledStatuses).where(eq(scheduledStatuses.id, id)).returning();
    if (!claimed) continue;
    const published = await publishNote(clock, JSON.parse(claimed.input) as PostInput, { mediaHeldBy: mediaHolder(id) });
    if (published.ok) {
      s.log("scheduled.published", { id, objectId: published.objectId, late: now - claimed.scheduledAt });
    } else {
      // Nothing to answer to: the owner finds the post neither scheduled nor published; the log says why.
      await s.db.update(mediaAttachments).set({ statusUri: null }).where(eq(mediaAttachments.statusUri, mediaHolder(id)));
      s.log("scheduled.failed", { id, error: published.error });
    }
  }
  if (due.length > PUBLISH_PER_RUN) return now;
  const [next] = await s.db.select({ at: min(scheduledStatuses.scheduledAt) }).from(scheduledStatuses);
  return next?.at ?? null;
}

/** The daily cron's catch-up: anything overdue (an alarm lost) is published, and the alarm is set for the next. */
export async function catchUpScheduled(s: Services): Promise<void> {
  const next = await publishDueStatuses(s);
  if (next !== null) await arm(s, next);
}
