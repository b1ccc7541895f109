// GET /api/v2/search: accounts by @user@host (WebFinger) or URL, posts by URL, with `resolve`;
// what cannot be found is an empty result, never an error (clients search as they type).
import { like, or } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../../context.ts";
import { remoteActors } from "../../db/schema.ts";
import { fetchRemotePost, localPost } from "../../domain/statuses.ts";
import { resolveHandle } from "../../federation/lookup.ts";
import { httpIri } from "../../federation/normalize.ts";
import { getRemoteActor } from "../../federation/remote-actors.ts";
import { accountsFor, ownerAccount } from "../entities/account.ts";
import { statusList } from "../entities/status.ts";
import { boolParam, readParams, stringParam } from "../body.ts";
import { requireScope } from "../scopes.ts";

export const search = new Hono<AppEnv>().get("/api/v2/search", requireScope("read:search"), async (c) => {
  const s = c.var.services;
  const params = await readParams(c);
  const p = params.ok ? params.params : {};
  const q = (stringParam(p, "q") ?? "").trim();
  const type = stringParam(p, "type");
  const resolve = boolParam(p, "resolve") ?? false;
  const limit = Math.min(Math.max(Number(stringParam(p, "limit") ?? 20) || 20, 1), 40);
  const result = { accounts: [] as unknown[], statuses: [] as unknown[], hashtags: [] as unknown[] };
  if (!q || Number(stringParam(p, "offset") ?? 0) > 0) return c.json(result);
  const wants = (t: string) => !type || type === t;
  const handle = /^@?([^@\s]+)@([^@\s]+)$/.exec(q);
  const url = httpIri(q);
  if (wants("accounts") && handle) {
    const [, user, host] = handle;
    if (host === s.config.handleDomain || host === new URL(s.config.origin).host) {
      if (user!.toLowerCase() === s.config.username.toLowerCase()) result.accounts.push(await ownerAccount(s));
    } else if (resolve) {
      const actor = await resolveHandle(s.db, s.fetcher, q);
      if (actor.ok) result.accounts.push(...(await accountsFor(s, [actor.value.id])).values());
    }
  } else if (url && resolve) {
    if (url === s.urls.actor || url === s.urls.profile) {
      if (wants("accounts")) result.accounts.push(await ownerAccount(s));
    } else if (s.urls.isLocal(url)) {
      // One of our posts (the CLI resolves a reply target or a post to delete this way).
      const row = wants("statuses") ? await localPost(s, url) : null;
      if (row) result.statuses.push(...(await statusList(s, [row])));
    } else {
      // A URL is an actor or a post: try the post first only when asked for statuses alone.
      const actor = wants("accounts") && type !== "statuses" ? await getRemoteActor(s.db, s.fetcher, url) : null;
      if (actor?.ok) result.accounts.push(...(await accountsFor(s, [actor.value.id])).values());
      else if (wants("statuses")) {
        const post = await fetchRemotePost(s, url);
        if (post.ok) result.statuses.push(...(await statusList(s, [post.row])));
      }
    }
  } else if (wants("accounts") && !url && q.length >= 2) {
    // Accounts we already know, by name.
    const pattern = `%${q.replace(/^@/, "").replace(/[%_]/g, "")}%`;
    const known = await s.db
      .select({ id: remoteActors.id })
      .from(remoteActors)
      .where(or(like(remoteActors.preferredUsername, pattern), like(remoteActors.name, pattern)))
      .limit(limit);
    result.accounts.push(...(await accountsFor(s, known.map((k) => k.id))).values());
  }
  if (wants("hashtags") && /^#?[\p{L}\p{N}_]+$/u.test(q)) {
    const name = q.replace(/^#/, "");
    result.hashtags.push({ name, url: s.urls.tag(name), history: [], following: false });
  }
  return c.json(result);
});
