// FEP-7aa9: another server asks to feature our owner in one of its collections (Mastodon 4.6's
// FeatureRequest, `object` = our actor, `instrument` = the collection). We answer at once, as
// Mastodon does, per the canFeature policy the actor publishes (src/federation/featuring.ts):
// Accept with `result` = a FeatureAuthorization we serve, or Reject. Blocked senders never get
// here (the inbox drops them).
import { and, desc, eq } from "drizzle-orm";
import { authorizeFeature, type FeatureAuthorizationRow } from "../db/queries/featuring.ts";
import { featureAuthorizations, followers } from "../db/schema.ts";
import { featureAuthorizationDocument, featureAuthorizationUrl, featurePolicy } from "../federation/featuring.ts";
import { hostOf, type NormalizedActivity } from "../federation/normalize.ts";
import { newId } from "../federation/urls.ts";
import type { Services } from "../services.ts";
import { PUBLIC } from "../federation/vocabulary.ts";
import { done, type HandlerResult, ignored } from "./outcome.ts";
import { signed } from "./posts/signed.ts";
import { sendTo } from "./send.ts";

async function mayFeature(s: Services, actor: string): Promise<boolean> {
  const policy = featurePolicy(await s.profile());
  if (policy === "public") return true;
  if (policy === "nobody") return false;
  const [follower] = await s.db
    .select({ id: followers.actorId })
    .from(followers)
    .where(and(eq(followers.actorId, actor), eq(followers.state, "accepted")));
  return !!follower;
}

export async function featureRequested(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  if (activity.object?.id !== s.urls.actor) return ignored("a FeatureRequest for someone else");
  if (!activity.id) return ignored("a FeatureRequest without an id cannot be answered");
  // Mastodon drops a request whose id is not on the requester's server.
  if (hostOf(activity.id) !== hostOf(activity.actor)) return ignored("a FeatureRequest whose id is not on the actor's server");
  const collection = activity.instrument?.id;
  // Mastodon only honours a request for a collection of the requesting account; the host is what we can check without a fetch.
  if (!collection || hostOf(collection) !== hostOf(activity.actor)) return ignored("a FeatureRequest whose instrument is not a collection on the actor's server");
  if (!(await mayFeature(s, activity.actor))) {
    // A request is judged anew each time: an authorization given before, under a looser policy, is revoked.
    const [given] = await s.db.select().from(featureAuthorizations).where(eq(featureAuthorizations.collectionId, collection));
    if (given) await revoke(s, given);
    await sendTo(s, activity.actor, "Reject", activity.id, `${s.urls.actor}#rejects/feature_requests/${newId()}`);
    return done;
  }
  const row = await authorizeFeature(s.db, { id: newId(), actorId: activity.actor, collectionId: collection, requestId: activity.id, createdAt: s.now() });
  await sendTo(s, activity.actor, "Accept", activity.id, `${s.urls.actor}#accepts/feature_requests/${newId()}`, {
    result: featureAuthorizationUrl(s.urls, row.id),
  });
  return done;
}

/** The authorizations the owner has given, newest first. */
export async function listFeatureAuthorizations(s: Services): Promise<FeatureAuthorizationRow[]> {
  return s.db.select().from(featureAuthorizations).orderBy(desc(featureAuthorizations.createdAt));
}

/**
 * Revokes one authorization as Mastodon 4.6's RevokeCollectionItemService does: the row goes (its
 * URL answers 404 from now on, so a server checking the stamp finds it gone), and a Delete of the
 * stamp, embedded whole and proof-signed, goes to the collection's owner and our followers.
 */
async function revoke(s: Services, row: FeatureAuthorizationRow): Promise<void> {
  await s.db.delete(featureAuthorizations).where(eq(featureAuthorizations.id, row.id));
  const { "@context": context, ...stamp } = featureAuthorizationDocument(s.urls, row);
  const activity = await signed(s, {
    "@context": context,
    id: `${featureAuthorizationUrl(s.urls, row.id)}#delete`,
    type: "Delete",
    actor: s.urls.actor,
    to: [PUBLIC],
    // Mastodon delivers to the collection owner's inbox besides the followers; cc gets it there.
    cc: [row.actorId],
    object: stamp,
  });
  await s.outbox.send(activity, { visibility: "public" });
  s.log("featuring.revoked", { id: row.id, collection: row.collectionId });
}

/** The owner revokes an authorization by its id; false when there is none. */
export async function revokeFeatureAuthorization(s: Services, id: string): Promise<boolean> {
  const [row] = await s.db.select().from(featureAuthorizations).where(eq(featureAuthorizations.id, id));
  if (!row) return false;
  await revoke(s, row);
  return true;
}

/** Blocking an account revokes its collections' authorizations (Mastodon's BlockService#handle_collections). */
export async function revokeFeaturesOf(s: Services, actor: string): Promise<number> {
  const rows = await s.db.select().from(featureAuthorizations).where(eq(featureAuthorizations.actorId, actor));
  for (const row of rows) await revoke(s, row);
  return rows.length;
}
