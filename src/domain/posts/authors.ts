// Who wrote a post we reply to, like or boost: us, for our own (not deleted) objects; else the
// author of the remote post, which is fetched and stored on the way when we lack it, so the
// thread of our reply and what we liked or boosted can be shown.
import { and, eq, isNull } from "drizzle-orm";
import { objects } from "../../db/schema.ts";
import type { Services } from "../../services.ts";
import { fetchRemotePost } from "../statuses.ts";

/** Null when the post cannot be found or names no author. */
export async function authorOf(ctx: Services, objectId: string): Promise<string | null> {
  if (ctx.urls.isLocal(objectId)) {
    const [row] = await ctx.db.select({ id: objects.id }).from(objects).where(and(eq(objects.id, objectId), isNull(objects.deletedAt)));
    return row ? ctx.urls.actor : null;
  }
  const post = await fetchRemotePost(ctx, objectId);
  if (post.ok) return post.row.actorId;
  ctx.log("publish.author_unknown", { objectId, reason: post.reason });
  return null;
}
