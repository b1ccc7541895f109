// Lists as Mastodon keeps them (list.rb, list_account.rb): titled sets of accounts the owner
// follows (or asked to follow), each with a timeline of what those accounts post and boost to
// home, a rule for which of their replies it shows, and optionally `exclusive`: its members' posts
// then leave the home timeline. Members leave every list when unfollowed (the trigger of
// migrations/0014_lists_filters.sql), as Mastodon's list accounts belong to their follow.
import { cursorOrder, cursorRange, newestFirst } from "../db/queries/page.ts";
import { and, eq, type SQL, sql } from "drizzle-orm";
import { following, listAccounts, lists, statuses } from "../db/schema.ts";
import { snowflake, snowflakes } from "../db/snowflake.ts";
import type { Services } from "../services.ts";
import { checkTitle, isRefusal, NOT_FOUND, type Refusal, refuse } from "./refusal.ts";

export type List = typeof lists.$inferSelect;
export const REPLIES_POLICIES = ["followed", "list", "none"] as const;
export type RepliesPolicy = (typeof REPLIES_POLICIES)[number];

/** Mastodon's List::PER_ACCOUNT_LIMIT. */
const MAX_LISTS = 50;
const MAX_TITLE = 256;
// A bound on one request's work (Mastodon has none).
const MAX_ADDED = 250;

export interface ListChanges {
  title?: string;
  repliesPolicy?: string;
  exclusive?: boolean;
}

function listValues(changes: ListChanges): Partial<typeof lists.$inferInsert> | Refusal {
  const values: Partial<typeof lists.$inferInsert> = {};
  if (changes.title !== undefined) {
    const bad = checkTitle(changes.title, MAX_TITLE);
    if (bad) return bad;
    values.title = changes.title;
  }
  if (changes.repliesPolicy !== undefined) {
    // Mastodon's enum raises ArgumentError, which its lists controller answers with 422 and this text.
    if (!(REPLIES_POLICIES as readonly string[]).includes(changes.repliesPolicy)) return refuse(`'${changes.repliesPolicy}' is not a valid replies_policy`);
    values.repliesPolicy = changes.repliesPolicy as RepliesPolicy;
  }
  if (changes.exclusive !== undefined) values.exclusive = changes.exclusive;
  return values;
}

export function allLists(s: Services): Promise<List[]> {
  return s.db.select().from(lists).orderBy(lists.id);
}

export async function findList(s: Services, id: number): Promise<List | null> {
  const [row] = await s.db.select().from(lists).where(eq(lists.id, id));
  return row ?? null;
}

export async function createList(s: Services, changes: ListChanges): Promise<{ ok: true; list: List } | Refusal> {
  const values = listValues({ ...changes, title: changes.title ?? "" });
  if (isRefusal(values)) return values;
  const [held] = await s.db.select({ n: sql<number>`count(*)` }).from(lists);
  if ((held?.n ?? 0) >= MAX_LISTS) return refuse("Validation failed: You have reached the maximum number of lists");
  const [list] = await s.db.insert(lists).values({ id: snowflake(s.now()), title: values.title!, ...values }).returning();
  return { ok: true, list: list! };
}

export async function updateList(s: Services, id: number, changes: ListChanges): Promise<{ ok: true; list: List } | Refusal> {
  const values = listValues(changes);
  if (isRefusal(values)) return values;
  const [list] = Object.keys(values).length ? await s.db.update(lists).set(values).where(eq(lists.id, id)).returning() : [await findList(s, id)];
  return list ? { ok: true, list } : NOT_FOUND;
}

/** Deletes the list; its members go with it (foreign key). */
export async function deleteList(s: Services, id: number): Promise<boolean> {
  return (await s.db.delete(lists).where(eq(lists.id, id)).returning({ id: lists.id })).length > 0;
}

/**
 * Adds accounts, all or none. As Mastodon: an account the owner neither follows nor asked to
 * follow is "Record not found" (ListAccount#set_follow's find_by! raising), one already in the
 * list is 422. The owner may be a member of their own lists.
 */
export async function addToList(s: Services, listId: number, actorIds: string[]): Promise<{ ok: true } | Refusal> {
  const wanted = [...new Set(actorIds)];
  if (wanted.length === 0) return { ok: true };
  if (wanted.length > MAX_ADDED) return refuse(`Validation failed: at most ${MAX_ADDED} accounts at once`);
  const json = JSON.stringify(wanted);
  const [followed, members] = await s.db.batch([
    s.db.select({ actorId: following.actorId }).from(following).where(sql`${following.actorId} IN (SELECT value FROM json_each(${json}))`),
    s.db.select({ actorId: listAccounts.actorId }).from(listAccounts).where(and(eq(listAccounts.listId, listId), sql`${listAccounts.actorId} IN (SELECT value FROM json_each(${json}))`)),
  ]);
  const known = new Set([s.urls.actor, ...followed.map((f) => f.actorId)]);
  if (wanted.some((a) => !known.has(a))) return NOT_FOUND;
  if (members.length > 0) return refuse("Validation failed: Account has already been taken");
  const ids = snowflakes(s.now(), wanted.length);
  const rows = JSON.stringify(wanted.map((actorId, i) => [ids[i], actorId]));
  // One statement whatever the number of accounts (D1 binds at most 100 parameters).
  await s.db.run(sql`INSERT OR IGNORE INTO list_accounts (id, list_id, actor_id)
    SELECT json_extract(value, '$[0]'), ${listId}, json_extract(value, '$[1]') FROM json_each(${rows})`);
  return { ok: true };
}

export async function removeFromList(s: Services, listId: number, actorIds: string[]): Promise<void> {
  if (actorIds.length === 0) return;
  await s.db.delete(listAccounts).where(and(eq(listAccounts.listId, listId), sql`${listAccounts.actorId} IN (SELECT value FROM json_each(${JSON.stringify(actorIds)}))`));
}

/** A page of members, newest addition first; `limit` null reads them all (Mastodon's limit=0). */
export async function listMembers(
  s: Services,
  listId: number,
  page: { lower: number | null; upper: number | null; ascending: boolean; limit: number | null },
): Promise<{ cursor: number; actorId: string }[]> {
  const query = s.db
    .select({ cursor: listAccounts.id, actorId: listAccounts.actorId })
    .from(listAccounts)
    .where(and(eq(listAccounts.listId, listId), cursorRange(listAccounts.id, page)))
    .orderBy(cursorOrder(listAccounts.id, page));
  const rows = page.limit === null ? await query : await query.limit(page.limit);
  return newestFirst(rows, page);
}

/** The owner's lists that hold `actorId` (GET /api/v1/accounts/:id/lists). */
export function listsOf(s: Services, actorId: string): Promise<List[]> {
  return s.db
    .select({ id: lists.id, title: lists.title, repliesPolicy: lists.repliesPolicy, exclusive: lists.exclusive })
    .from(lists)
    .innerJoin(listAccounts, eq(listAccounts.listId, lists.id))
    .where(eq(listAccounts.actorId, actorId))
    .orderBy(lists.id);
}

/**
 * SQL for the list's timeline over `statuses`: what its members posted or boosted that is stored
 * for home, with Mastodon's reply rule (FeedManager#filter_from_list?): a reply to oneself or to
 * the owner is always shown; otherwise `followed` shows replies to accounts the owner follows,
 * `list` replies to the list's members, `none` no other reply. A reply whose parent is not
 * stored has no known target and is left out, as Mastodon leaves out replies it cannot place.
 */
export function inListTimeline(s: Services, list: List): SQL {
  const members = sql`SELECT actor_id FROM list_accounts WHERE list_id = ${list.id}`;
  const target = {
    followed: sql` OR parent.actor_id IN (SELECT actor_id FROM following WHERE state = 'accepted')`,
    list: sql` OR parent.actor_id IN (${members})`,
    none: sql``,
  }[list.repliesPolicy];
  return sql`(${statuses.home} = 1 AND ${statuses.actorId} IN (${members}) AND (${statuses.inReplyTo} IS NULL OR ${statuses.reblogOfUri} IS NOT NULL
    OR EXISTS (SELECT 1 FROM statuses AS parent WHERE parent.uri = ${statuses.inReplyTo}
      AND (parent.actor_id = ${statuses.actorId} OR parent.actor_id = ${s.urls.actor}${target}))))`;
}

/**
 * SQL for the home timeline: not a post or boost of a member of an exclusive list. The owner's
 * own posts stay, as Mastodon puts them in home without its filters.
 */
export function notInExclusiveList(): SQL {
  return sql`(${statuses.local} = 1 OR NOT EXISTS (SELECT 1 FROM list_accounts AS la JOIN lists AS l ON l.id = la.list_id
    WHERE l.exclusive = 1 AND la.actor_id = ${statuses.actorId}))`;
}
