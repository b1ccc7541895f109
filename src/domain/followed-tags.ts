// Followed hashtags (Mastodon's TagFollow): a public post carrying one that reaches the node is
// kept for home whoever sent it, as Mastodon's FanOutOnWriteService delivers public posts to the
// followers of their tags (only public ones, never boosts).
import { eq, inArray } from "drizzle-orm";
import { followedTags } from "../db/schema.ts";
import { type CursorPage, cursorOrder, cursorRange, newestFirst } from "../db/queries/page.ts";
import { snowflake } from "../db/snowflake.ts";
import type { NormalizedObject } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { hashtagKey } from "./posts/hashtags.ts";
import { remoteVisibility } from "./statuses.ts";

export type FollowedTag = typeof followedTags.$inferSelect;

/** The tag as the client named it (without `#`) and its key, or null when it cannot be a hashtag. */
export function tagOf(raw: string): { key: string; display: string } | null {
  const key = hashtagKey(raw);
  return key === null ? null : { key, display: raw.replace(/^#/, "") };
}

export async function followedTag(s: Services, key: string): Promise<FollowedTag | null> {
  const [row] = await s.db.select().from(followedTags).where(eq(followedTags.name, key)).limit(1);
  return row ?? null;
}

/** Follows the tag; following it again changes nothing. */
export async function followTag(s: Services, tag: { key: string; display: string }): Promise<FollowedTag> {
  await s.db.insert(followedTags).values({ name: tag.key, id: snowflake(s.now()), displayName: tag.display, createdAt: s.now() }).onConflictDoNothing();
  return (await followedTag(s, tag.key))!;
}

export async function unfollowTag(s: Services, key: string): Promise<void> {
  await s.db.delete(followedTags).where(eq(followedTags.name, key));
}

/** GET /api/v1/followed_tags: a page by when each was followed, newest first. */
export async function followedTagPage(s: Services, page: CursorPage): Promise<FollowedTag[]> {
  const rows = await s.db.select().from(followedTags).where(cursorRange(followedTags.id, page)).orderBy(cursorOrder(followedTags.id, page)).limit(page.limit);
  return newestFirst(rows, page);
}

/** Whether a remote post belongs in home for its hashtags: public, and carrying one the owner follows. */
export async function hasFollowedTag(s: Services, object: NormalizedObject): Promise<boolean> {
  if (remoteVisibility(object) !== "public") return false;
  const keys = [...new Set(object.tag.flatMap((t) => (t.type === "Hashtag" ? [hashtagKey(t.name)] : [])).filter((k): k is string => k !== null))];
  if (keys.length === 0) return false;
  const [found] = await s.db.select({ name: followedTags.name }).from(followedTags).where(inArray(followedTags.name, keys.slice(0, 90))).limit(1);
  return found !== undefined;
}
