// Who wrote a post we reply to, like or boost: us, for our own (not deleted) objects; else the
// attributedTo of the fetched document.
import { and, eq, isNull } from "drizzle-orm";
import { objects } from "../../db/schema.ts";
import { fetchActivityDocument } from "../../federation/fetch.ts";
import { normalizeObject } from "../../federation/normalize.ts";
import type { Services } from "../../services.ts";

/** Null when the post cannot be found or names no author. */
export async function authorOf(ctx: Services, objectId: string): Promise<string | null> {
  if (ctx.urls.isLocal(objectId)) {
    const [row] = await ctx.db.select({ id: objects.id }).from(objects).where(and(eq(objects.id, objectId), isNull(objects.deletedAt)));
    return row ? ctx.urls.actor : null;
  }
  const fetched = await fetchActivityDocument(objectId, ctx.fetcher);
  if (!fetched.ok) {
    ctx.log("publish.author_unknown", { objectId, reason: fetched.reason });
    return null;
  }
  const object = normalizeObject(fetched.value);
  return object.ok ? (object.value.attributedTo[0] ?? null) : null;
}
