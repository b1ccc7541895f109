// Muted conversations, as Mastodon's conversation mutes: nothing about a post in a muted thread —
// replies, mentions, likes, boosts, edits — becomes a notification. Mastodon keeps a conversation
// id on every status; Roost has the index's in_reply_to links instead, so a thread is found by
// walking up them. A mute is stored on the thread's top post as the index knows it (the first
// post, or the parent that was never stored), and a post is in a muted thread when that post or
// any post above it is muted.
import { sql } from "drizzle-orm";
import { conversationMutes } from "../db/schema.ts";
import type { Services } from "../services.ts";
import type { StatusRow } from "./statuses.ts";

// The walk up a thread is SQL the federation routes use too (a Note's `context`): it lives in db/.
export { threadWalk } from "../db/queries/threads.ts";
import { threadTopUri, threadWalk } from "../db/queries/threads.ts";

/** SQL condition on a `thread` row (after threadWalk): it, or the unstored parent above it, is a muted thread's top. */
export const MUTED_THREAD = sql`(thread.uri IN (SELECT root_uri FROM conversation_mutes) OR thread.parent IN (SELECT root_uri FROM conversation_mutes))`;

/** Whether the post `uri` is in a muted conversation. */
export async function inMutedConversation(s: Services, uri: string): Promise<boolean> {
  const rows = await s.db.all(sql`${threadWalk(sql`(${uri})`, true)} SELECT 1 AS muted FROM thread WHERE ${MUTED_THREAD} LIMIT 1`);
  return rows.length > 0;
}

/** The top of the thread `row` is in: the first stored post, or the parent it replies to that was never stored. */
export async function threadTop(s: Services, row: StatusRow): Promise<string> {
  return threadTopUri(s.db, row.uri);
}

export async function muteConversation(s: Services, row: StatusRow): Promise<void> {
  const root = await threadTop(s, row);
  await s.db.insert(conversationMutes).values({ rootUri: root, createdAt: s.now() }).onConflictDoNothing();
}

/** Unmutes the thread `row` is in, wherever in it the mute was stored. */
export async function unmuteConversation(s: Services, row: StatusRow): Promise<void> {
  await s.db.run(
    sql`${threadWalk(sql`(${row.uri})`, true)} DELETE FROM conversation_mutes WHERE root_uri IN (SELECT uri FROM thread UNION SELECT parent FROM thread WHERE parent IS NOT NULL)`,
  );
}
