// The owner's profile: the wrangler.toml [vars] are its defaults, changes from an app are kept in
// D1. Followers' servers refresh the actor on Update{Person}: sent on every change from an app, and
// on request after a deploy changed the [vars].
import { eq } from "drizzle-orm";
import { activities } from "../db/schema.ts";
import { PUBLIC_COLLECTION } from "../federation/normalize.ts";
import type { Profile } from "../config.ts";
import { saveProfile, storedProfile } from "../db/queries/profile.ts";
import { actorDocument } from "../federation/actor.ts";
import type { Services } from "../services.ts";
import { removeProfileImage } from "./media.ts";
import type { Published } from "./posts/compose.ts";

/** Update of our actor document (as served now) to every follower. */
export async function announceProfileUpdate(ctx: Services, actor: Record<string, unknown>, suffix = ""): Promise<Published> {
  const now = ctx.now();
  // `suffix`: an Update that must go out even after another in the same second (the move's).
  const id = `${ctx.urls.actor}#updates/${Math.floor(now / 1000)}${suffix}`;
  const [sent] = await ctx.db.select({ id: activities.id }).from(activities).where(eq(activities.id, id));
  if (sent) return { ok: false, status: 409, error: "the profile was announced less than a second ago" };
  const { "@context": context, ...object } = actor;
  try {
    await ctx.outbox.send(
      { "@context": context, id, type: "Update", actor: ctx.urls.actor, to: [PUBLIC_COLLECTION], cc: [ctx.urls.followers], object },
      { visibility: "direct", objectId: ctx.urls.actor, published: now },
    );
  } catch (error) {
    // Two saves in the same second (an app saving twice at once): the other request stored this
    // id between our check and our insert. That is the refusal above, not a failure.
    const [raced] = await ctx.db.select({ id: activities.id }).from(activities).where(eq(activities.id, id));
    if (raced) return { ok: false, status: 409, error: "the profile was announced less than a second ago" };
    throw error;
  }
  return { ok: true, objectId: ctx.urls.actor, activityId: id };
}

// Aliases and the move have their own use cases (aliases.ts, move-out.ts): never an app's profile edit.
export type ProfileChanges = Partial<Omit<Profile, "alsoKnownAs" | "movedTo">>;

/** Stores the changes over what is stored, then announces the new actor to followers. */
export async function updateProfile(ctx: Services, changes: ProfileChanges): Promise<Profile> {
  const stored = await storedProfile(ctx.db);
  await saveProfile(ctx.db, { ...stored, ...changes }, ctx.now());
  // A replaced avatar or header of ours leaves the bucket.
  for (const key of ["avatarUrl", "headerUrl"] as const) {
    const before = (stored as Partial<Profile>)[key];
    if (changes[key] !== undefined && before && before !== changes[key]) await removeProfileImage(ctx, before);
  }
  const fresh = { ...ctx, profile: async () => ({ ...(await ctx.profile()), ...changes }) };
  const announced = await announceProfileUpdate(fresh, await actorDocument(fresh));
  if (!announced.ok) ctx.log("profile.update_not_announced", { reason: announced.error });
  // New or changed link fields are checked for a rel="me" link back, in the queue (link-verification.ts).
  if (changes.fields !== undefined) await ctx.jobs.send({ kind: "verify_links" });
  return fresh.profile();
}
