// Conversation entities (Mastodon's REST::ConversationSerializer): id, unread, the other
// participants (the owner alone when there are none) and the last status.
import { inArray } from "drizzle-orm";
import { statuses } from "../../db/schema.ts";
import type { DirectConversation } from "../../domain/direct-conversations.ts";
import type { Services } from "../../services.ts";
import { accountsFor } from "./account.ts";
import { statusEntities } from "./status.ts";

export async function conversationEntities(s: Services, rows: DirectConversation[]): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const participants = rows.map((r) => {
    const others = JSON.parse(r.participants) as string[];
    return others.length > 0 ? others : [s.urls.actor];
  });
  const lastIds = rows.map((r) => r.lastStatusId);
  const [accounts, lastRows] = await Promise.all([accountsFor(s, participants.flat()), s.db.select().from(statuses).where(inArray(statuses.id, lastIds))]);
  const last = await statusEntities(s, lastRows, { owner: true });
  return rows.map((r, i) => ({
    id: String(r.id),
    unread: r.unread,
    accounts: participants[i]!.map((a) => accounts.get(a)!),
    last_status: last.get(r.lastStatusId) ?? null,
  }));
}
