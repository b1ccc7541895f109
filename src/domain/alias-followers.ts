// Who followed our old accounts (aliases.ts reads their followers collections into
// alias_followers): the question the Follow handler asks under manual approval. Its own module so
// follows.ts can ask it while aliases.ts approves requests through follows.ts.
import { and, eq, inArray } from "drizzle-orm";
import { aliasFollowers, aliasSnapshots } from "../db/schema.ts";
import type { Services } from "../services.ts";

/** Starts (again) reading the alias's followers collection: the `alias` jobs of aliases.ts. */
export async function startListing(s: Services, alias: string, options: { onlyIfNever?: boolean } = {}): Promise<void> {
  const values = { expected: null, listed: 0, state: "listing" as const, error: null, updatedAt: s.now() };
  if (options.onlyIfNever) {
    const claimed = await s.db.insert(aliasSnapshots).values({ alias, ...values }).onConflictDoNothing().returning({ alias: aliasSnapshots.alias });
    if (claimed.length === 0) return;
  } else {
    await s.db.batch([
      s.db.insert(aliasSnapshots).values({ alias, ...values }).onConflictDoUpdate({ target: aliasSnapshots.alias, set: values }),
      s.db.delete(aliasFollowers).where(eq(aliasFollowers.alias, alias)),
    ]);
  }
  await s.jobs.send({ kind: "alias", alias });
}

/**
 * Whether `actorId` followed one of our current aliases (so their Follow is a migrating
 * follower's). An alias never read (one from ALSO_KNOWN_AS) starts being read now; a request
 * that arrives before its list is read is approved when the list is (aliases.ts).
 */
export async function followedAnAlias(s: Services, actorId: string): Promise<boolean> {
  const aliases = (await s.profile()).alsoKnownAs;
  if (aliases.length === 0) return false;
  const [[row], snapshots] = await s.db.batch([
    s.db.select({ alias: aliasFollowers.alias }).from(aliasFollowers).where(and(eq(aliasFollowers.actorId, actorId), inArray(aliasFollowers.alias, aliases))).limit(1),
    s.db.select({ alias: aliasSnapshots.alias }).from(aliasSnapshots).where(inArray(aliasSnapshots.alias, aliases)),
  ]);
  if (row) return true;
  for (const alias of aliases) if (!snapshots.some((r) => r.alias === alias)) await startListing(s, alias, { onlyIfNever: true });
  return false;
}
