// Blocks: an actor or a whole domain. A blocked actor is refused at the inbox, relationships are
// dropped both ways, and for an actor a Block is sent so their server hides us from them;
// unblocking sends the Undo. A domain block drops that domain's followers without telling them.
import { and, desc, eq, inArray, like, or } from "drizzle-orm";
import { blocks, followers, following } from "../db/schema.ts";
import { canonicalIri, domainsOf } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { revokeFeaturesOf } from "./featuring.ts";
import { sendTo } from "./send.ts";

// D1 binds at most 100 parameters per statement.
const DELETE_CHUNK = 90;

/**
 * Whether any of these actors (or key ids), or any of their domains (or a parent domain, at any
 * port), is blocked: one query however many ids, so the inbox asks once per step.
 */
export async function isBlocked(s: Pick<Services, "db">, ...sent: string[]): Promise<boolean> {
  const ids = [...new Set(sent.map((id) => canonicalIri(id) ?? id))];
  if (ids.length === 0) return false;
  const domains = [...new Set(ids.flatMap((id) => domainsOf(id)))];
  const rows = await s.db
    .select({ kind: blocks.kind })
    .from(blocks)
    .where(
      or(
        and(eq(blocks.kind, "actor"), inArray(blocks.value, ids)),
        domains.length > 0 ? and(eq(blocks.kind, "domain"), inArray(blocks.value, domains)) : undefined,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

export async function listBlocks(s: Services) {
  return s.db.select().from(blocks).orderBy(desc(blocks.createdAt));
}

/** Returns the id of the Block sent. */
export async function blockActor(s: Services, sent: string): Promise<string> {
  // One spelling per id (rule 3), the one the normaliser gives incoming actors.
  const actor = canonicalIri(sent) ?? sent;
  await s.db.insert(blocks).values({ kind: "actor", value: actor }).onConflictDoNothing();
  await s.db.batch([s.db.delete(followers).where(eq(followers.actorId, actor)), s.db.delete(following).where(eq(following.actorId, actor))]);
  await revokeFeaturesOf(s, actor);
  return sendTo(s, actor, "Block", actor);
}

/** The id of the Undo sent; null when the actor was not blocked. */
export async function unblockActor(s: Services, sent: string): Promise<string | null> {
  const actor = canonicalIri(sent) ?? sent;
  const removed = await s.db.delete(blocks).where(and(eq(blocks.kind, "actor"), eq(blocks.value, actor))).returning();
  if (removed.length === 0) return null;
  return sendTo(s, actor, "Undo", { type: "Block", actor: s.urls.actor, object: actor });
}

/** Blocks `domain` (lower-case host name) and its subdomains; returns how many followers were removed. */
export async function blockDomain(s: Services, domain: string): Promise<number> {
  await s.db.insert(blocks).values({ kind: "domain", value: domain }).onConflictDoNothing();
  // LIKE only narrows the rows; the host itself decides, so a path never matches.
  const candidates = await s.db.select({ id: followers.actorId }).from(followers).where(like(followers.actorId, `%${domain}%`));
  const ids = candidates.map((r) => r.id).filter((id) => domainsOf(id).includes(domain));
  for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
    await s.db.delete(followers).where(inArray(followers.actorId, ids.slice(i, i + DELETE_CHUNK)));
  }
  return ids.length;
}

/** False when the domain was not blocked. */
export async function unblockDomain(s: Services, domain: string): Promise<boolean> {
  const removed = await s.db.delete(blocks).where(and(eq(blocks.kind, "domain"), eq(blocks.value, domain))).returning();
  return removed.length > 0;
}
