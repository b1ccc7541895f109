// Pinned posts, as Mastodon's status pins: at most five of the owner's own posts (not boosts,
// not direct ones), shown on the profile and served as the actor's `featured` collection. Pinning
// sends `Add` (object: the post, target: the featured collection) to our followers and unpinning
// `Remove`, as Mastodon does, so their servers update the profile they show.
import { eq, sql } from "drizzle-orm";
import { pins } from "../db/schema.ts";
import { addressing, type Visibility } from "../federation/addressing.ts";
import { newId } from "../federation/urls.ts";
import { AS_CONTEXT } from "../federation/vocabulary.ts";
import type { Services } from "../services.ts";
import type { StatusRow } from "./statuses.ts";

/** Mastodon's StatusPinValidator limit for local accounts. */
export const MAX_PINS = 5;

export type PinResult = { ok: true } | { ok: false; error: string };

/** Add or Remove of `uri` in the featured collection, to the post's audience among our followers. */
async function sendFeatured(s: Services, type: "Add" | "Remove", uri: string, visibility: Visibility): Promise<void> {
  await s.outbox.send(
    {
      "@context": AS_CONTEXT,
      id: s.urls.activity(newId(s.now())),
      type,
      actor: s.urls.actor,
      object: uri,
      target: s.urls.featured,
      ...addressing(visibility, s.urls.followers, []),
    },
    // Not a post: kept out of the outbox collection and not served by id, like profile Updates.
    { visibility: "direct", objectId: uri },
  );
}

export async function pinStatus(s: Services, row: StatusRow): Promise<PinResult> {
  if (row.reblogOfUri) return { ok: false, error: "a boost cannot be pinned" };
  if (!row.local || row.actorId !== s.urls.actor) return { ok: false, error: "only your own posts can be pinned" };
  if (row.visibility === "direct") return { ok: false, error: "a direct post cannot be pinned" };
  // One statement checks the limit and inserts, so two pins at once cannot make six.
  const inserted = await s.db.all<{ id: number }>(sql`
    INSERT INTO pins (status_uri) SELECT ${row.uri} WHERE (SELECT count(*) FROM pins) < ${MAX_PINS}
    ON CONFLICT (status_uri) DO NOTHING RETURNING id`);
  if (inserted.length === 0) {
    const [pinned] = await s.db.select({ id: pins.id }).from(pins).where(eq(pins.statusUri, row.uri)).limit(1);
    return { ok: false, error: pinned ? "the post is already pinned" : `at most ${MAX_PINS} posts can be pinned` };
  }
  await sendFeatured(s, "Add", row.uri, row.visibility);
  return { ok: true };
}

/** Unpins `row` when it is pinned (answering the same either way, as Mastodon does). */
export async function unpinStatus(s: Services, row: StatusRow): Promise<void> {
  const removed = await s.db.delete(pins).where(eq(pins.statusUri, row.uri)).returning({ id: pins.id });
  if (removed.length > 0) await sendFeatured(s, "Remove", row.uri, row.visibility);
}

/** A deleted post leaves the pins; its Delete tells the followers, no Remove is needed. */
export async function unpinDeleted(s: Services, uri: string): Promise<void> {
  await s.db.delete(pins).where(eq(pins.statusUri, uri));
}
