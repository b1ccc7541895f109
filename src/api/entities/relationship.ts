// Relationship entities: every boolean present (Tusky needs them non-null).
import { and, eq, inArray } from "drizzle-orm";
import { blocks, followers, following } from "../../db/schema.ts";
import { domainsOf } from "../../federation/normalize.ts";
import { accountNotesFor } from "../../domain/account-notes.ts";
import { activeMutes } from "../../domain/mutes.ts";
import type { Services } from "../../services.ts";

export async function relationshipsFor(s: Services, accounts: { id: number; actorId: string }[]) {
  const actors = accounts.map((a) => a.actorId).slice(0, 80);
  const domains = [...new Set(actors.flatMap(domainsOf))].slice(0, 80);
  const none = Promise.resolve([]);
  const [ours, theirs, blocked, blockedDomains, muted, notes] = await Promise.all([
    actors.length ? s.db.select().from(following).where(inArray(following.actorId, actors)) : none,
    actors.length ? s.db.select().from(followers).where(inArray(followers.actorId, actors)) : none,
    actors.length ? s.db.select().from(blocks).where(and(eq(blocks.kind, "actor"), inArray(blocks.value, actors))) : none,
    domains.length ? s.db.select().from(blocks).where(and(eq(blocks.kind, "domain"), inArray(blocks.value, domains))) : none,
    activeMutes(s),
    accountNotesFor(s, actors),
  ]);
  return accounts.map(({ id, actorId }) => {
    const out = (ours as (typeof following.$inferSelect)[]).find((f) => f.actorId === actorId);
    const inn = (theirs as (typeof followers.$inferSelect)[]).find((f) => f.actorId === actorId);
    return {
      id: String(id),
      following: out?.state === "accepted",
      // A follow request keeps its options too (Mastodon shows them for requested as for following).
      showing_reblogs: out ? out.showReblogs : false,
      notifying: out ? out.notify : false,
      languages: null,
      followed_by: inn?.state === "accepted",
      blocking: (blocked as { value: string }[]).some((b) => b.value === actorId),
      blocked_by: false,
      muting: muted.some((m) => m.actorId === actorId),
      muting_notifications: muted.some((m) => m.actorId === actorId && m.hideNotifications),
      requested: out?.state === "pending",
      requested_by: inn?.state === "pending",
      domain_blocking: domainsOf(actorId).some((d) => (blockedDomains as { value: string }[]).some((b) => b.value === d)),
      endorsed: false,
      note: notes.get(actorId) ?? "",
    };
  });
}
