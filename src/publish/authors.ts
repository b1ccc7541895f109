// Who wrote a post we reply to, like or boost: us, for our own (not deleted) objects; else the
// attributedTo of the fetched document.
import { and, eq, isNull } from "drizzle-orm";
import { objects } from "../db/schema.ts";
import type { HandlerContext } from "../federation/inbox/context.ts";
import { fetchActivityDocument } from "../federation/fetch.ts";
import { normalizeObject } from "../federation/normalize.ts";

/** Null when the post cannot be found or names no author. */
export async function authorOf(ctx: HandlerContext, objectId: string): Promise<string | null> {
  if (objectId.startsWith(`${ctx.config.origin}/`)) {
    const [row] = await ctx.db.select({ id: objects.id }).from(objects).where(and(eq(objects.id, objectId), isNull(objects.deletedAt)));
    return row ? ctx.urls.actor : null;
  }
  const fetched = await fetchActivityDocument(objectId, ctx.fetch);
  if (!fetched.ok) {
    console.log(JSON.stringify({ event: "publish.author_unknown", objectId, reason: fetched.reason }));
    return null;
  }
  const object = normalizeObject(fetched.value);
  return object.ok ? (object.value.attributedTo[0] ?? null) : null;
}
