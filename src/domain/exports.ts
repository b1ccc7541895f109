// CSV exports in Mastodon's exact formats (app/models/export.rb): the same headers (or none), the
// same columns, newest first where Mastodon orders by id descending. An account is written as
// `user@host` — the host of its actor id, as the client API's `acct` shows it — and ours as
// `user@handle-domain` (Mastodon's local_username_and_domain).
import { desc, eq, sql } from "drizzle-orm";
import { blocks, bookmarks, followers, following, listAccounts, lists, mutes, remoteActors } from "../db/schema.ts";
import { hostOf } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { formatCsv } from "../text/csv.ts";

export const EXPORT_KINDS = ["follows", "followers", "lists", "blocks", "mutes", "domain_blocks", "bookmarks"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** `user@host` for each actor id (one query for all of them). */
export async function actorAccts(s: Services, actorIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (actorIds.length === 0) return out;
  const known = await s.db
    .select({ id: remoteActors.id, username: remoteActors.preferredUsername })
    .from(remoteActors)
    .where(sql`${remoteActors.id} IN (SELECT value FROM json_each(${JSON.stringify(actorIds)}))`);
  const names = new Map(known.map((r) => [r.id, r.username]));
  for (const id of actorIds) {
    if (id === s.urls.actor) out.set(id, `${s.config.username}@${s.config.handleDomain}`);
    else out.set(id, `${names.get(id) ?? id.replace(/\/+$/, "").split("/").pop()}@${hostOf(id) ?? ""}`);
  }
  return out;
}

/** Newest first: rowid is the insertion order (an upsert keeps its row). */
const newestFirst = sql`rowid DESC`;

export async function exportCsv(s: Services, kind: ExportKind): Promise<string> {
  switch (kind) {
    case "follows": {
      const rows = await s.db.select().from(following).orderBy(newestFirst);
      const accts = await actorAccts(s, rows.map((r) => r.actorId));
      // Roost keeps no per-follow languages: the column stays empty, as Mastodon writes nil.
      return formatCsv(
        rows.map((r) => [accts.get(r.actorId), r.showReblogs, r.notify, null]),
        ["Account address", "Show boosts", "Notify on new posts", "Languages"],
      );
    }
    case "followers": {
      const rows = await s.db.select({ actorId: followers.actorId }).from(followers).where(eq(followers.state, "accepted")).orderBy(newestFirst);
      const accts = await actorAccts(s, rows.map((r) => r.actorId));
      return formatCsv(rows.map((r) => [accts.get(r.actorId)]));
    }
    case "lists": {
      const rows = await s.db
        .select({ title: lists.title, actorId: listAccounts.actorId })
        .from(lists)
        .innerJoin(listAccounts, eq(listAccounts.listId, lists.id))
        .orderBy(lists.id, listAccounts.id);
      const accts = await actorAccts(s, [...new Set(rows.map((r) => r.actorId))]);
      return formatCsv(rows.map((r) => [r.title, accts.get(r.actorId)]));
    }
    case "blocks": {
      const rows = await s.db.select({ value: blocks.value }).from(blocks).where(eq(blocks.kind, "actor")).orderBy(newestFirst);
      const accts = await actorAccts(s, rows.map((r) => r.value));
      return formatCsv(rows.map((r) => [accts.get(r.value)]));
    }
    case "mutes": {
      const rows = await s.db.select().from(mutes).orderBy(newestFirst);
      const accts = await actorAccts(s, rows.map((r) => r.actorId));
      return formatCsv(rows.map((r) => [accts.get(r.actorId), r.hideNotifications]), ["Account address", "Hide notifications"]);
    }
    case "domain_blocks": {
      const rows = await s.db.select({ value: blocks.value }).from(blocks).where(eq(blocks.kind, "domain")).orderBy(newestFirst);
      return formatCsv(rows.map((r) => [r.value]));
    }
    case "bookmarks": {
      const rows = await s.db.select({ uri: bookmarks.statusUri }).from(bookmarks).orderBy(desc(bookmarks.id));
      return formatCsv(rows.map((r) => [r.uri]));
    }
  }
}
