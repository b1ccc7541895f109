// Notifications, v1 and grouped v2, from what the inbox records. Types Mastodon clients do not know
// are shown as the nearest Mastodon type (emoji reactions as favourites, a report as admin.report)
// or left out (moves: Mastodon shows them as the account's `moved`).
import { cursorOrder, cursorRange, newestFirst } from "../../db/queries/page.ts";
import { and, desc, eq, gt, inArray, notInArray } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { notifications, statuses } from "../../db/schema.ts";
import { jsonError } from "../../http.ts";
import type { Services } from "../../services.ts";
import { readMarkers } from "../../domain/markers.ts";
import { notMuted } from "../../domain/mutes.ts";
import { MASTODON_TYPES } from "../../domain/notification-types.ts";
import { type AccountEntity, accountsFor, ownerAccount } from "../entities/account.ts";
import { reactionName } from "../entities/reactions.ts";
import { statusEntities } from "../entities/status.ts";
import { listParam, readParams } from "../body.ts";
import { bounds, readPage, setLinks } from "../pagination.ts";
import { requireScope } from "../scopes.ts";

type Row = typeof notifications.$inferSelect;

/** Our stored type → Mastodon's. */
// A report of us is shown (to the owner, Mastodon's admin) but not pushed: MASTODON_TYPES leaves it out.
// An emoji reaction is listed as Pleroma's type (Pleroma and Akkoma clients show the emoji;
// Mastodon clients skip types they do not know) and pushed as a favourite.
const TYPES: Record<string, string> = { ...MASTODON_TYPES, reaction: "pleroma:emoji_reaction", report: "admin.report" };
const STATUS_TYPES = new Set(["mention", "favourite", "reblog", "update", "status", "poll", "quote", "quoted_update", "pleroma:emoji_reaction"]);
type StoredType = Row["type"];
const ours = (mastodonTypes: string[]) => (Object.keys(TYPES) as StoredType[]).filter((k) => mastodonTypes.includes(TYPES[k]!));

/** What a report notification keeps: the reporter's comment and the reported objects (ours among them). */
function reportDetail(r: Row): { content: string; objects: string[] } {
  const detail = r.detail ? (JSON.parse(r.detail) as { content?: unknown; objects?: unknown }) : {};
  const objects = Array.isArray(detail.objects) ? detail.objects.filter((o): o is string => typeof o === "string") : [];
  return { content: typeof detail.content === "string" ? detail.content : "", objects };
}

/**
 * A report of us, as Mastodon's REST::ReportSerializer shapes one for an admin: the owner is the
 * reported account, the reported posts are given by status id. Nothing is ever "actioned" here.
 */
function reportEntity(r: Row, owner: AccountEntity, statusIds: Map<string, number>) {
  const { content, objects } = reportDetail(r);
  return {
    id: String(r.id),
    action_taken: false,
    action_taken_at: null,
    category: "other",
    comment: content,
    forwarded: false,
    created_at: new Date(r.createdAt).toISOString(),
    status_ids: objects.flatMap((o) => (statusIds.has(o) ? [String(statusIds.get(o))] : [])),
    rule_ids: [],
    target_account: owner,
  };
}

/** Pleroma's `emoji` and `emoji_url` of a reaction notification (the name as statuses list it). */
function reactionFields(r: Row): { emoji?: string; emoji_url?: string | null } {
  if (r.type !== "reaction" || !r.detail) return {};
  const detail = JSON.parse(r.detail) as { content?: unknown; url?: unknown };
  if (typeof detail.content !== "string") return {};
  return { emoji: reactionName(detail.content), emoji_url: typeof detail.url === "string" ? detail.url : null };
}

/** Notification entities for `rows` in their order (the streaming hub sends the same). */
export async function notificationEntities(s: Services, rows: Row[]) {
  const reports = rows.filter((r) => r.type === "report");
  const [accounts, owner] = await Promise.all([accountsFor(s, rows.map((r) => r.actorId)), reports.length > 0 ? ownerAccount(s) : null]);
  const uris = [...new Set(rows.flatMap((r) => (r.objectId && STATUS_TYPES.has(TYPES[r.type] ?? "") ? [r.objectId] : [])))];
  const reported = [...new Set(reports.flatMap((r) => reportDetail(r).objects))];
  const [statusRows, reportedRows] = await Promise.all([
    uris.length ? s.db.select().from(statuses).where(inArray(statuses.uri, uris)) : [],
    reported.length ? s.db.select({ id: statuses.id, uri: statuses.uri }).from(statuses).where(inArray(statuses.uri, reported.slice(0, 90))) : [],
  ]);
  // A notification whose status a `hide` filter of the notifications context covers goes with it.
  const built = await statusEntities(s, statusRows, { owner: true, context: "notifications" });
  const byUri = new Map(statusRows.map((r) => [r.uri, built.get(r.id)]));
  const reportedIds = new Map(reportedRows.map((r) => [r.uri, r.id]));
  return rows.flatMap((r) => {
    const type = TYPES[r.type];
    if (!type) return [];
    const status = r.objectId ? (byUri.get(r.objectId) ?? null) : null;
    // A status notification whose status is gone is not shown (Mastodon deletes them with it).
    if (STATUS_TYPES.has(type) && !status) return [];
    const base = { id: String(r.id), type, created_at: new Date(r.createdAt).toISOString(), account: accounts.get(r.actorId)!, group_key: `ungrouped-${r.id}`, ...reactionFields(r) };
    return [owner && r.type === "report" ? { ...base, status: null, report: reportEntity(r, owner, reportedIds) } : { ...base, status }];
  });
}

/** What the request shows: `types[]` / `exclude_types[]` (unknown types simply match nothing), muted accounts left out. */
async function shownWhere(c: AppContext) {
  const params = await readParams(c);
  const p = params.ok ? params.params : {};
  const only = listParam(p, "types");
  const except = listParam(p, "exclude_types");
  return and(
    inArray(notifications.type, only.length > 0 ? ours(only) : (Object.keys(TYPES) as StoredType[])),
    except.length > 0 ? notInArray(notifications.type, ours(except)) : undefined,
    notMuted(c.var.services, notifications.actorId, "notifications"),
  );
}

/** The rows of a page of what the request shows. */
async function page(c: AppContext) {
  const page = readPage(c, { default: 40, max: 80 });
  if ("error" in page) return { error: page.error } as const;
  const cursor = bounds(page);
  const rows = await c.var.services.db
    .select()
    .from(notifications)
    .where(and(await shownWhere(c), cursorRange(notifications.id, cursor)))
    .orderBy(cursorOrder(notifications.id, cursor))
    .limit(page.limit);
  newestFirst(rows, cursor);
  return { page, rows } as const;
}

const hourOf = (ms: number) => Math.floor(ms / 3600_000);

/** Mastodon's grouping: favourites and boosts of one status, and follows, within the same hour; the rest alone. */
function groupKey(type: string, status: string | null | undefined, createdAt: number, id: number | string): string {
  const hour = hourOf(createdAt);
  if (type === "favourite" || type === "reblog") return `${type}-${status}-${hour}`;
  return type === "follow" ? `follow-${hour}` : `ungrouped-${id}`;
}

/**
 * Notifications newer than the notifications marker (all of them without one), as Mastodon's
 * unread_count: capped by `limit` (100, at most 1000); grouped counts the v2 groups among them.
 */
async function unreadCount(c: AppContext, grouped: boolean) {
  const rawLimit = c.req.query("limit");
  const limit = rawLimit === undefined || rawLimit === "" ? 100 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1) return jsonError(c, 400, "limit must be a positive whole number");
  const s = c.var.services;
  const [marker] = await readMarkers(s, ["notifications"]);
  const rows = await s.db
    .select({ id: notifications.id, type: notifications.type, objectId: notifications.objectId, createdAt: notifications.createdAt })
    .from(notifications)
    .where(and(await shownWhere(c), marker ? gt(notifications.id, marker.lastReadId) : undefined))
    .orderBy(desc(notifications.id))
    .limit(Math.min(limit, 1000));
  const count = grouped ? new Set(rows.map((r) => groupKey(TYPES[r.type] ?? r.type, r.objectId, r.createdAt, r.id))).size : rows.length;
  return c.json({ count });
}

export const notificationRoutes = new Hono<AppEnv>()
  .get("/api/v1/notifications", requireScope("read:notifications"), async (c) => {
    const result = await page(c);
    if ("error" in result) return jsonError(c, 400, result.error!);
    setLinks(c, result.page, result.rows.map((r) => r.id));
    return c.json(await notificationEntities(c.var.services, result.rows));
  })
  .get("/api/v1/notifications/unread_count", requireScope("read:notifications"), (c) => unreadCount(c, false))
  .get("/api/v1/notifications/policy", requireScope("read:notifications"), (c) => c.json(policy()))
  .get("/api/v2/notifications/policy", requireScope("read:notifications"), (c) => c.json(policy()))
  .get("/api/v1/notifications/requests", requireScope("read:notifications"), (c) => c.json([]))
  .get("/api/v1/notifications/:id{\\d+}", requireScope("read:notifications"), async (c) => {
    const [row] = await c.var.services.db.select().from(notifications).where(eq(notifications.id, Number(c.req.param("id"))));
    const [entity] = row ? await notificationEntities(c.var.services, [row]) : [];
    return entity ? c.json(entity) : jsonError(c, 404, "Record not found");
  })
  .post("/api/v1/notifications/:id{\\d+}/dismiss", requireScope("write:notifications"), async (c) => {
    await c.var.services.db.delete(notifications).where(eq(notifications.id, Number(c.req.param("id"))));
    return c.json({});
  })
  .post("/api/v1/notifications/clear", requireScope("write:notifications"), async (c) => {
    await c.var.services.db.delete(notifications);
    return c.json({});
  })
  .get("/api/v2/notifications/unread_count", requireScope("read:notifications"), (c) => unreadCount(c, true))
  .get("/api/v2/notifications", requireScope("read:notifications"), async (c) => {
    const result = await page(c);
    if ("error" in result) return jsonError(c, 400, result.error!);
    const s = c.var.services;
    const shown = await notificationEntities(s, result.rows);
    const groups = new Map<string, { group_key: string; type: string; items: (typeof shown)[number][] }>();
    for (const n of shown) {
      const key = groupKey(n.type, (n.status as { id?: string } | null)?.id, Date.parse(n.created_at), n.id);
      const group = groups.get(key) ?? { group_key: key, type: n.type, items: [] };
      group.items.push(n);
      groups.set(key, group);
    }
    const accounts = new Map(shown.map((n) => [n.account.id, n.account]));
    const statusesById = new Map(shown.flatMap((n) => (n.status ? [[(n.status as { id: string }).id, n.status]] : [])));
    setLinks(c, result.page, result.rows.map((r) => r.id));
    return c.json({
      accounts: [...accounts.values()],
      statuses: [...statusesById.values()],
      notification_groups: [...groups.values()].map((g) => {
        const ids = g.items.map((i) => Number(i.id));
        return {
          group_key: g.group_key,
          notifications_count: g.items.length,
          type: g.type,
          most_recent_notification_id: Math.max(...ids),
          page_min_id: String(Math.min(...ids)),
          page_max_id: String(Math.max(...ids)),
          latest_page_notification_at: g.items[0]!.created_at,
          sample_account_ids: [...new Set(g.items.map((i) => i.account.id))].slice(0, 8),
          status_id: (g.items[0]!.status as { id?: string } | null)?.id ?? null,
        };
      }),
    });
  });

function policy() {
  return {
    for_not_following: "accept",
    for_not_followers: "accept",
    for_new_accounts: "accept",
    for_private_mentions: "accept",
    for_limited_accounts: "accept",
    filter_not_following: false,
    filter_not_followers: false,
    filter_new_accounts: false,
    filter_private_mentions: false,
    summary: { pending_requests_count: 0, pending_notifications_count: 0 },
  };
}
