// The status index the client API reads (`statuses`): every post and boost it can show, with a
// numeric id from its arrival. Our own posts and boosts are indexed when published; remote posts
// when they reach us as replies, mentions, or posts and boosts of accounts we follow.
import { and, eq, inArray, isNull, like, lt, not, or, type SQL, sql } from "drizzle-orm";
import { following, objects, remoteObjects, statuses } from "../db/schema.ts";
import { snowflake, snowflakeFloor } from "../db/snowflake.ts";
import type { Visibility } from "../federation/addressing.ts";
import { fetchActivityDocument } from "../federation/fetch.ts";
import { hostOf, isPublic, type NormalizedObject, normalizeObject } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { remotePollReceived } from "./poll-store.ts";
import { type StatusVersion, versionWrites } from "./status-edits.ts";
import { requestCard } from "./cards.ts";
import { hashtagKey } from "./posts/hashtags.ts";

export type StatusRow = typeof statuses.$inferSelect;

export interface IndexEntry {
  uri: string;
  actorId: string;
  reblogOfUri?: string | null;
  local: boolean;
  visibility: Visibility;
  inReplyTo: string | null;
  published: number;
  home: boolean;
}

/** Adds (or keeps) the entry; returns its row. */
export async function indexStatus(s: Services, entry: IndexEntry): Promise<StatusRow> {
  const [row] = await s.db
    .insert(statuses)
    .values({ id: snowflake(s.now()), reblogOfUri: null, ...entry })
    .onConflictDoUpdate({ target: statuses.uri, set: { home: entry.home } })
    .returning();
  return row!;
}

export async function unindexStatus(s: Services, uri: string): Promise<void> {
  const removed = await s.db.delete(statuses).where(eq(statuses.uri, uri)).returning({ id: statuses.id });
  await streamDeletes(s, removed);
}

/** Open apps drop statuses that left the index (a `delete` event each). */
export async function streamDeletes(s: Services, removed: { id: number }[]): Promise<void> {
  for (const { id } of removed) await s.stream.publish({ event: "delete", statusId: id });
}

/** The owner's accepted follow of `actorId` with its options, or null: their posts and boosts belong in the home timeline. */
export async function followOf(s: Services, actorId: string): Promise<{ showReblogs: boolean; notify: boolean } | null> {
  const [row] = await s.db
    .select({ showReblogs: following.showReblogs, notify: following.notify })
    .from(following)
    .where(and(eq(following.actorId, actorId), eq(following.state, "accepted")))
    .limit(1);
  return row ?? null;
}

/** Whether the owner follows `actorId` (accepted). */
export async function isFollowed(s: Services, actorId: string): Promise<boolean> {
  return (await followOf(s, actorId)) !== null;
}

/** SQL on `statuses`: not a boost by an account followed with `reblogs: false` (Mastodon leaves those out of home). */
export function boostShown(): SQL {
  return sql`(${statuses.reblogOfUri} IS NULL OR ${statuses.actorId} NOT IN (SELECT actor_id FROM following WHERE show_reblogs = 0))`;
}

/**
 * SQL on `statuses`: the post carries hashtag `tag` (with or without `#`, any case), or null when
 * `tag` cannot be a hashtag. Matched in the stored documents' tag names (a `Hashtag` is named `#tag`).
 */
export function withHashtag(s: Services, tag: string): SQL | null {
  const name = hashtagKey(tag);
  if (name === null) return null;
  const pattern = `%"#${name}"%`;
  const local = s.db.select({ id: objects.id }).from(objects).where(like(objects.document, pattern));
  const remote = s.db.select({ id: remoteObjects.id }).from(remoteObjects).where(like(remoteObjects.document, pattern));
  return or(inArray(statuses.uri, local), inArray(statuses.uri, remote))!;
}

/**
 * The visibility Mastodon would show for a remote post: public or unlisted by where Public is;
 * otherwise followers-only, unless it is addressed to actors only (then direct).
 */
export function remoteVisibility(object: NormalizedObject): Visibility {
  if (object.to.some(isPublic)) return "public";
  if (object.cc.some(isPublic)) return "unlisted";
  const followersLike = [...object.to, ...object.cc].some((r) => /\/followers$/.test(r));
  return followersLike ? "followers" : "direct";
}

function storedValues(object: NormalizedObject, actorId: string) {
  return {
    actorId,
    type: object.type,
    inReplyTo: object.inReplyTo,
    document: JSON.stringify(object.raw),
    published: object.published?.getTime() ?? null,
    updated: object.updated?.getTime() ?? null,
  };
}

/** Stores a remote post and indexes it; `stored` is false when it was already stored. */
export async function storeRemotePost(s: Services, object: NormalizedObject, authorId: string, home: boolean): Promise<{ stored: boolean; row: StatusRow }> {
  const inserted = await s.db
    .insert(remoteObjects)
    .values({ id: object.id, ...storedValues(object, authorId) })
    .onConflictDoNothing()
    .returning({ id: remoteObjects.id });
  const row = await indexStatus(s, {
    uri: object.id,
    actorId: authorId,
    local: false,
    visibility: remoteVisibility(object),
    inReplyTo: object.inReplyTo,
    published: object.published?.getTime() ?? s.now(),
    home,
  });
  if (inserted.length > 0) await requestCard(s, object.id, { html: object.content ?? "", tags: object.tag, attachments: object.attachment });
  // A Question's poll is shown on the status (every path that stores a remote post comes here).
  if (object.poll) await remotePollReceived(s, object);
  return { stored: inserted.length > 0, row };
}

/** An edit of a stored remote post; `earlier` is the version it replaces, kept for the edit history. */
export async function replaceRemotePost(s: Services, object: NormalizedObject, authorId: string, earlier: StatusVersion | null): Promise<void> {
  const replace = s.db.update(remoteObjects).set(storedValues(object, authorId)).where(eq(remoteObjects.id, object.id));
  await (earlier ? s.db.batch([...versionWrites(s, object.id, earlier), replace]) : replace);
  await requestCard(s, object.id, { html: object.content ?? "", tags: object.tag, attachments: object.attachment }, { edit: true });
}

/** A remote post gone: its row, its index entry, and the boosts of it we indexed. */
export async function removeRemotePost(s: Services, uri: string, authorId: string): Promise<boolean> {
  const [owned] = await s.db.select({ id: remoteObjects.id }).from(remoteObjects).where(and(eq(remoteObjects.id, uri), eq(remoteObjects.actorId, authorId)));
  if (!owned) return false;
  // One batch: a reader between the deletes would see the post indexed without its content (a null entity).
  const [, post, boosts] = await s.db.batch([
    s.db.delete(remoteObjects).where(and(eq(remoteObjects.id, uri), eq(remoteObjects.actorId, authorId))),
    s.db.delete(statuses).where(inArray(statuses.uri, [uri])).returning({ id: statuses.id }),
    s.db.delete(statuses).where(and(eq(statuses.reblogOfUri, uri), eq(statuses.local, false))).returning({ id: statuses.id }),
  ]);
  await streamDeletes(s, [...post, ...boosts]);
  return true;
}

const POST_TYPES = new Set(["Note", "Question", "Article", "Page"]);

/** One of our posts by its id or its permalink, from the index: our own URLs are never fetched. */
export async function localPost(s: Services, url: string): Promise<StatusRow | null> {
  const permalinks = `${s.urls.profile}/`;
  const uri = url.startsWith(permalinks) ? s.urls.object(url.slice(permalinks.length)) : url;
  const [row] = await s.db.select().from(statuses).where(and(eq(statuses.uri, uri), eq(statuses.local, true))).limit(1);
  return row ?? null;
}

/** `object`: the post as just fetched (absent when it was already stored). */
export type FetchedPost = { ok: true; row: StatusRow; fetched: boolean; object?: NormalizedObject } | { ok: false; reason: string };

/**
 * A post by URL: stored already (`fetched` false), or fetched through the safe fetcher, checked
 * and stored. Its author must be on the post's host, as Mastodon requires of a fetched status:
 * anyone else's server could otherwise put words in their mouth.
 */
export async function fetchRemotePost(s: Services, uri: string): Promise<FetchedPost> {
  const [known] = await s.db.select().from(statuses).where(eq(statuses.uri, uri)).limit(1);
  if (known) return { ok: true, row: known, fetched: false };
  const fetched = await fetchActivityDocument(uri, s.fetcher);
  if (!fetched.ok) return { ok: false, reason: fetched.reason };
  const object = normalizeObject(fetched.value);
  if (!object.ok) return { ok: false, reason: object.reason };
  if (!POST_TYPES.has(object.value.type)) return { ok: false, reason: `${uri} is a ${object.value.type}, not a post` };
  const author = object.value.attributedTo[0];
  if (!author) return { ok: false, reason: `${uri} names no author` };
  if (hostOf(author) !== hostOf(object.value.id)) return { ok: false, reason: `${uri} is attributed to ${author}, on another host` };
  return { ok: true, row: (await storeRemotePost(s, object.value, author, false)).row, fetched: true, object: object.value };
}

/** How long remote posts no one interacted with are kept (the home timeline's depth). */
export const REMOTE_RETENTION_DAYS = 30;

/**
 * Deletes remote posts older than the retention that the owner never touched — not bookmarked,
 * liked, boosted, replied to, nor the subject of a notification — so D1 stays within the Free
 * plan's size. Boosts by others of pruned posts go with them. Returns how many posts were removed.
 */
export async function pruneRemotePosts(s: Services, retentionDays = REMOTE_RETENTION_DAYS): Promise<number> {
  const cutoff = snowflakeFloor(s.now() - retentionDays * 86_400_000);
  const kept = sql`(
    ${statuses.uri} IN (SELECT status_uri FROM bookmarks)
    OR ${statuses.uri} IN (SELECT object_id FROM activities WHERE object_id IS NOT NULL)
    OR ${statuses.uri} IN (SELECT mine.in_reply_to FROM statuses AS mine WHERE mine.local = 1 AND mine.in_reply_to IS NOT NULL)
    OR ${statuses.uri} IN (SELECT object_id FROM notifications WHERE object_id IS NOT NULL)
  )`;
  const old = await s.db
    .select({ uri: statuses.uri })
    .from(statuses)
    .where(and(eq(statuses.local, false), isNull(statuses.reblogOfUri), lt(statuses.id, cutoff), not(kept)))
    .limit(PRUNE_BATCH);
  const uris = old.map((o) => o.uri);
  for (let i = 0; i < uris.length; i += CHUNK) {
    const chunk = uris.slice(i, i + CHUNK);
    await s.db.batch([
      s.db.delete(statuses).where(inArray(statuses.uri, chunk)),
      s.db.delete(statuses).where(and(eq(statuses.local, false), inArray(statuses.reblogOfUri, chunk))),
      s.db.delete(remoteObjects).where(inArray(remoteObjects.id, chunk)),
    ]);
  }
  // Stored posts that never got an index entry (kept before the index existed) age out the same way.
  const orphans = await s.db
    .delete(remoteObjects)
    .where(
      and(
        lt(sql`coalesce(${remoteObjects.published}, 0)`, s.now() - retentionDays * 86_400_000),
        sql`${remoteObjects.id} NOT IN (SELECT uri FROM statuses)`,
        sql`${remoteObjects.id} NOT IN (SELECT object_id FROM notifications WHERE object_id IS NOT NULL)`,
      ),
    )
    .returning({ id: remoteObjects.id });
  const removed = uris.length + orphans.length;
  if (removed > 0) s.log("statuses.pruned", { removed, retentionDays });
  return removed;
}

// One scheduled run removes at most this many (bounded work per invocation); the next run goes on.
const PRUNE_BATCH = 500;
const CHUNK = 90;
