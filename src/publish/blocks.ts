// Blocking an actor: stored (the inbox refuses them), relationships dropped both ways, and a
// Block sent so their server hides us from them; unblocking sends the Undo.
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { blocks, followers, following } from "../db/schema.ts";
import { type Sender, sendTo } from "../federation/inbox/outgoing.ts";

export async function blockActor(db: Database, sender: Sender, actor: string): Promise<string> {
  await db.insert(blocks).values({ kind: "actor", value: actor }).onConflictDoNothing();
  await db.batch([db.delete(followers).where(eq(followers.actorId, actor)), db.delete(following).where(eq(following.actorId, actor))]);
  return sendTo(sender, actor, "Block", actor);
}

/** Null when the actor was not blocked. */
export async function unblockActor(db: Database, sender: Sender, actor: string): Promise<string | null> {
  const removed = await db.delete(blocks).where(and(eq(blocks.kind, "actor"), eq(blocks.value, actor))).returning();
  if (removed.length === 0) return null;
  return sendTo(sender, actor, "Undo", { type: "Block", actor: sender.urls.actor, object: actor });
}
