// FEP-7aa9: another server asks to feature our owner in one of its collections (Mastodon 4.6's
// FeatureRequest, `object` = our actor, `instrument` = the collection). We answer at once, as
// Mastodon does, per the canFeature policy the actor publishes (src/federation/featuring.ts):
// Accept with `result` = a FeatureAuthorization we serve, or Reject. Blocked senders never get
// here (the inbox drops them).
import { and, eq } from "drizzle-orm";
import { authorizeFeature } from "../db/queries/featuring.ts";
import { followers } from "../db/schema.ts";
import { featureAuthorizationUrl, featurePolicy } from "../federation/featuring.ts";
import { hostOf, type NormalizedActivity } from "../federation/normalize.ts";
import { newId } from "../federation/urls.ts";
import type { Services } from "../services.ts";
import { done, type HandlerResult, ignored } from "./outcome.ts";
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
  const collection = activity.instrument?.id;
  // Mastodon only honours a request for a collection of the requesting account; the host is what we can check without a fetch.
  if (!collection || hostOf(collection) !== hostOf(activity.actor)) return ignored("a FeatureRequest whose instrument is not a collection on the actor's server");
  if (!(await mayFeature(s, activity.actor))) {
    await sendTo(s, activity.actor, "Reject", activity.id, `${s.urls.actor}#rejects/feature_requests/${newId()}`);
    return done;
  }
  const row = await authorizeFeature(s.db, { id: newId(), actorId: activity.actor, collectionId: collection, requestId: activity.id, createdAt: s.now() });
  await sendTo(s, activity.actor, "Accept", activity.id, `${s.urls.actor}#accepts/feature_requests/${newId()}`, {
    result: featureAuthorizationUrl(s.urls, row.id),
  });
  return done;
}
