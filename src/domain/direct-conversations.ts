// Direct-message conversations, as Mastodon's AccountConversation: every direct post the owner
// sends or receives joins the conversation of its thread (the thread's top as the conversation
// mutes find it) and its other participants (the author and the actors addressed, the owner
// left out). A post by someone else marks it unread, one of the owner's marks it read. Removing
// statuses (any delete path) is handled by the triggers of migration 0019.
import { eq, sql } from "drizzle-orm";
import { directConversations, directConversationStatuses } from "../db/schema.ts";
import { type CursorPage, cursorOrder, cursorRange, newestFirst } from "../db/queries/page.ts";
import { snowflake } from "../db/snowflake.ts";
import type { Services } from "../services.ts";
import { threadTop } from "./conversations.ts";
import type { StatusRow } from "./statuses.ts";

export type DirectConversation = typeof directConversations.$inferSelect;

// A direct post addresses at most 50 actors (MAX_ADDRESSEES); a remote one is cut there too.
const MAX_PARTICIPANTS = 50;

/** Adds the direct post `row` to its conversation (created when new); `actors` are its author and addressees. */
export async function addDirectPost(s: Services, row: StatusRow, actors: string[]): Promise<void> {
  const participants = JSON.stringify([...new Set([row.actorId, ...actors])].filter((a) => a !== s.urls.actor).sort().slice(0, MAX_PARTICIPANTS));
  const root = await threadTop(s, row);
  const unread = row.actorId !== s.urls.actor;
  const [conversation] = await s.db
    .insert(directConversations)
    .values({ id: snowflake(s.now()), rootUri: root, participants, lastStatusId: row.id, unread })
    .onConflictDoUpdate({
      target: [directConversations.rootUri, directConversations.participants],
      set: { lastStatusId: sql`max(${directConversations.lastStatusId}, excluded.last_status_id)`, unread },
    })
    .returning({ id: directConversations.id });
  await s.db.insert(directConversationStatuses).values({ statusUri: row.uri, conversationId: conversation!.id }).onConflictDoNothing();
  await s.stream.publish({ event: "conversation", conversationId: conversation!.id });
}

/** A page of conversations, newest last status first (Mastodon pages them by last_status_id). */
export async function directConversationPage(s: Services, page: CursorPage): Promise<DirectConversation[]> {
  const rows = await s.db
    .select()
    .from(directConversations)
    .where(cursorRange(directConversations.lastStatusId, page))
    .orderBy(cursorOrder(directConversations.lastStatusId, page))
    .limit(page.limit);
  return newestFirst(rows, page);
}

export async function directConversation(s: Services, rawId: string | undefined): Promise<DirectConversation | null> {
  if (!rawId || !/^\d{1,16}$/.test(rawId)) return null;
  const [row] = await s.db.select().from(directConversations).where(eq(directConversations.id, Number(rawId))).limit(1);
  return row ?? null;
}

export async function markConversationRead(s: Services, row: DirectConversation): Promise<DirectConversation> {
  await s.db.update(directConversations).set({ unread: false }).where(eq(directConversations.id, row.id));
  return { ...row, unread: false };
}

/** DELETE /api/v1/conversations/:id: the conversation goes, its statuses stay (a later direct post starts a new one). */
export async function removeConversation(s: Services, row: DirectConversation): Promise<void> {
  await s.db.delete(directConversations).where(eq(directConversations.id, row.id));
}
