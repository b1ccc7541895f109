// The owner's private notes on accounts (Mastodon's account notes): shown only to the owner, as
// the relationship's `note`; never sent anywhere.
import { eq, inArray } from "drizzle-orm";
import { accountNotes } from "../db/schema.ts";
import type { Services } from "../services.ts";

/** Mastodon's AccountNote limit. */
export const MAX_ACCOUNT_NOTE = 2000;

/** Stores the note on `actorId`; a blank one removes it. */
export async function setAccountNote(s: Services, actorId: string, comment: string): Promise<{ ok: true } | { ok: false; error: string }> {
  if (!comment.trim()) {
    await s.db.delete(accountNotes).where(eq(accountNotes.actorId, actorId));
    return { ok: true };
  }
  if (comment.length > MAX_ACCOUNT_NOTE) return { ok: false, error: `the note is too long (at most ${MAX_ACCOUNT_NOTE} characters)` };
  const values = { comment, updatedAt: s.now() };
  await s.db.insert(accountNotes).values({ actorId, ...values }).onConflictDoUpdate({ target: accountNotes.actorId, set: values });
  return { ok: true };
}

/** The notes on these accounts, by actor (at most 80 per call, as relationships are asked for). */
export async function accountNotesFor(s: Services, actorIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(actorIds)].slice(0, 80);
  const rows = ids.length ? await s.db.select().from(accountNotes).where(inArray(accountNotes.actorId, ids)) : [];
  return new Map(rows.map((r) => [r.actorId, r.comment]));
}
