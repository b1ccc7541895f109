// Renders HTML pages from the database; the components stay free of queries.
import { and, desc, eq, isNull } from "drizzle-orm";
import type { AppContext } from "../context.ts";
import { readCounters } from "../db/queries/public.ts";
import { objects } from "../db/schema.ts";
import { ProfilePage, type ProfilePost } from "./profile.tsx";

export async function renderProfile(c: AppContext) {
  const db = c.var.services.db;
  const counts = await readCounters(db);
  const rows = await db
    .select({ id: objects.id, document: objects.document, published: objects.published })
    .from(objects)
    .where(and(eq(objects.visibility, "public"), isNull(objects.deletedAt)))
    .orderBy(desc(objects.published))
    .limit(20);
  const posts: ProfilePost[] = rows.map((r) => {
    const doc = JSON.parse(r.document) as { content?: string; summary?: string | null; url?: string };
    return { permalink: doc.url ?? r.id, contentHtml: doc.content ?? "", summary: doc.summary ?? null, published: r.published };
  });
  return <ProfilePage config={c.var.services.config} profile={await c.var.services.profile()} urls={c.var.services.urls} followers={Math.max(0, counts.followers)} posts={posts} />;
}
