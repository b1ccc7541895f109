// Accounts as the client API numbers them: the owner is 1; every remote actor gets a stable
// snowflake the first time the API shows it, so ids never change between requests.
import { inArray } from "drizzle-orm";
import { accountIds } from "../db/schema.ts";
import { snowflake } from "../db/snowflake.ts";
import type { Services } from "../services.ts";

export const OWNER_ACCOUNT_ID = 1;

// D1 binds at most 100 parameters per statement.
const CHUNK = 45;

/** The numeric id of each actor, created for those that have none yet. */
export async function accountIdsFor(s: Services, actorIds: string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const remote = [...new Set(actorIds)].filter((a) => a !== s.urls.actor);
  if (actorIds.includes(s.urls.actor)) ids.set(s.urls.actor, OWNER_ACCOUNT_ID);
  for (let i = 0; i < remote.length; i += CHUNK) {
    const chunk = remote.slice(i, i + CHUNK);
    let rows = await s.db.select().from(accountIds).where(inArray(accountIds.actorId, chunk));
    const missing = chunk.filter((a) => !rows.some((r) => r.actorId === a));
    if (missing.length > 0) {
      const now = s.now();
      await s.db.insert(accountIds).values(missing.map((actorId) => ({ id: snowflake(now), actorId }))).onConflictDoNothing();
      rows = await s.db.select().from(accountIds).where(inArray(accountIds.actorId, chunk));
    }
    for (const row of rows) ids.set(row.actorId, row.id);
  }
  return ids;
}

/** The actors behind numeric account ids (unknown ids are left out), in one query per chunk. */
export async function actorsForAccountIds(s: Services, ids: number[]): Promise<Map<number, string>> {
  const actors = new Map<number, string>();
  if (ids.includes(OWNER_ACCOUNT_ID)) actors.set(OWNER_ACCOUNT_ID, s.urls.actor);
  const remote = [...new Set(ids)].filter((id) => id !== OWNER_ACCOUNT_ID);
  for (let i = 0; i < remote.length; i += CHUNK) {
    for (const row of await s.db.select().from(accountIds).where(inArray(accountIds.id, remote.slice(i, i + CHUNK)))) actors.set(row.id, row.actorId);
  }
  return actors;
}

/** The actor behind a numeric account id, or null. */
export async function actorForAccountId(s: Services, id: number): Promise<string | null> {
  return (await actorsForAccountIds(s, [id])).get(id) ?? null;
}
