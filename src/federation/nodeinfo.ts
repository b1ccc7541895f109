// NodeInfo 2.1 (and 2.0, which megalodon's detector and Elk's probe ask for) for crawlers, server
// directories and clients. `metadata.upstream` says the client API is Mastodon's (megalodon reads it).
import { desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { readCounters } from "../db/queries/public.ts";
import { activities } from "../db/schema.ts";
import { MASTODON_API_VERSION, VERSION } from "../version.ts";

export const nodeinfo = new Hono<AppEnv>()
  .get("/.well-known/nodeinfo", (c) =>
    c.json({
      links: [
        { rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", href: `${c.var.services.config.origin}/nodeinfo/2.1` },
        { rel: "http://nodeinfo.diaspora.software/ns/schema/2.0", href: `${c.var.services.config.origin}/nodeinfo/2.0` },
      ],
    }),
  )
  .get("/nodeinfo/:version{2\\.[01]}", async (c) => {
    const version = c.req.param("version");
    const db = c.var.services.db;
    // The count is a trigger-kept counter; the last post is one index row.
    const counts = await readCounters(db);
    const [lastPost] = await db
      .select({ published: activities.published })
      .from(activities)
      .where(eq(activities.type, "Create"))
      .orderBy(desc(activities.published))
      .limit(1);
    const monthAgo = Date.now() - 30 * 86_400_000;
    const halfYearAgo = Date.now() - 180 * 86_400_000;
    const active = (since: number) => (lastPost && lastPost.published >= since ? 1 : 0);
    return c.body(
      JSON.stringify({
        version,
        software: { name: "roost", version: VERSION },
        protocols: ["activitypub"],
        services: { inbound: [], outbound: [] },
        openRegistrations: false,
        usage: {
          users: { total: 1, activeMonth: active(monthAgo), activeHalfyear: active(halfYearAgo) },
          localPosts: Math.max(0, counts.local_posts),
        },
        metadata: { nodeName: (await c.var.services.profile()).displayName, upstream: { name: "mastodon", version: MASTODON_API_VERSION } },
      }),
      200,
      { "Content-Type": `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/${version}#"` },
    );
  });
