// The owner's runtime profile row: the fields changed from an app, as stored.
import { eq } from "drizzle-orm";
import type { Database } from "../client.ts";
import { profile } from "../schema.ts";

export async function storedProfile(db: Database): Promise<Record<string, unknown>> {
  const [row] = await db.select().from(profile).where(eq(profile.id, 1)).limit(1);
  return row ? (JSON.parse(row.data) as Record<string, unknown>) : {};
}

export async function saveProfile(db: Database, data: Record<string, unknown>, now: number): Promise<void> {
  const json = JSON.stringify(data);
  await db.insert(profile).values({ id: 1, data: json, updatedAt: now }).onConflictDoUpdate({ target: profile.id, set: { data: json, updatedAt: now } });
}
