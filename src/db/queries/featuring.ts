// FEP-7aa9 feature authorizations: one row per remote collection we agreed to be featured in.
import { eq } from "drizzle-orm";
import type { Database } from "../client.ts";
import { featureAuthorizations } from "../schema.ts";

export type FeatureAuthorizationRow = typeof featureAuthorizations.$inferSelect;

export async function featureAuthorization(db: Database, id: string): Promise<FeatureAuthorizationRow | null> {
  const [row] = await db.select().from(featureAuthorizations).where(eq(featureAuthorizations.id, id));
  return row ?? null;
}

/**
 * Records the authorization for `collectionId`, or returns the one already given for it: a
 * repeated request (a lost Accept) is answered with the same FeatureAuthorization.
 */
export async function authorizeFeature(db: Database, values: FeatureAuthorizationRow): Promise<FeatureAuthorizationRow> {
  const [row] = await db
    .insert(featureAuthorizations)
    .values(values)
    .onConflictDoUpdate({ target: featureAuthorizations.collectionId, set: { requestId: values.requestId } })
    .returning();
  return row ?? values;
}
