// Moving here: the old accounts the owner names as aliases (the actor's alsoKnownAs, which an old
// Mastodon account checks before it may move to us), and what we know of their followers.
//
// The aliases live in the profile row (D1): ALSO_KNOWN_AS in wrangler.toml is only the list
// before the owner first changes it. Saving the profile row bumps public_version (migration 0008),
// so the cached actor is never served with the old list.
//
// When an alias is added (or refreshed), `alias` jobs read its followers collection, a few pages a
// job, into alias_followers. A Follow from one of them is accepted even under manual approval —
// they are the people the Move brings — and the migration's progress is how many of them follow
// us now against the collection's totalItems. We read the collection before the Move rather than
// when each Follow arrives because Mastodon's move unfollows the old account right after the new
// Follow (UnfollowFollowWorker), so by then the follower may already be gone from the list, and one
// collection read per Follow would cost a page walk for each of thousands of Follows. Requests that
// arrive while the list is still being read are approved once it is (`approve` jobs), and an alias
// never read (from ALSO_KNOWN_AS) is read when the first Follow under manual approval arrives.
import { and, eq, inArray, sql } from "drizzle-orm";
import { saveProfile, storedProfile } from "../db/queries/profile.ts";
import { aliasFollowers, aliasSnapshots, followers } from "../db/schema.ts";
import type { Job } from "../delivery/jobs.ts";
import { limitsFor } from "../delivery/limits.ts";
import { type FetchResult, fetchActivityDocument } from "../federation/fetch.ts";
import { canonicalIri, normalizeActor, normalizeCollection } from "../federation/normalize.ts";
import type { Services } from "../services.ts";
import { startListing } from "./alias-followers.ts";
import { waitForBudget } from "./bulk-budget.ts";
import { decideFollowRequest } from "./follows.ts";
import { isPermanent } from "./outcome.ts";
import { resolveFresh } from "./resolve.ts";

/** Mastodon sets no limit on aliases; this one bounds our actor document. */
const MAX_ALIASES = 20;

export type AliasResult = { ok: true; alias: string; aliases: string[] } | { ok: false; status: 404 | 409 | 422; error: string };

export interface AliasProgress {
  alias: string;
  /** The old account's followers count (its followers collection's totalItems); null until read or when it gives none. */
  expected: number | null;
  /** Followers the collection has listed so far. */
  listed: number;
  /** Of those, how many follow us now (accepted). */
  arrived: number;
  /** listing | done | failed; null: never read (an alias from ALSO_KNOWN_AS before its first refresh). */
  state: "listing" | "done" | "failed" | null;
  error: string | null;
}

async function saveAliases(s: Services, aliases: string[]): Promise<void> {
  const stored = await storedProfile(s.db);
  await saveProfile(s.db, { ...stored, alsoKnownAs: aliases }, s.now());
}

/** Adds the old account (`@user@host` or its actor URL) to alsoKnownAs and starts reading its followers. */
export async function addAlias(s: Services, given: string): Promise<AliasResult> {
  const actor = await resolveFresh(s, given);
  if (!actor.ok) return { ok: false, status: 422, error: `${given} could not be resolved: ${actor.reason}` };
  const alias = actor.value.id;
  if (s.urls.isLocal(alias)) return { ok: false, status: 422, error: "your own account cannot be its own alias" };
  const current = (await s.profile()).alsoKnownAs;
  if (current.includes(alias)) return { ok: false, status: 409, error: `${alias} is already an alias` };
  if (current.length >= MAX_ALIASES) return { ok: false, status: 422, error: `at most ${MAX_ALIASES} aliases` };
  const aliases = [...current, alias];
  await saveAliases(s, aliases);
  await startListing(s, alias);
  s.log("alias.added", { alias });
  return { ok: true, alias, aliases };
}

export async function removeAlias(s: Services, given: string): Promise<AliasResult> {
  const alias = canonicalIri(given) ?? given;
  const current = (await s.profile()).alsoKnownAs;
  if (!current.includes(alias)) return { ok: false, status: 404, error: `${given} is not an alias` };
  const aliases = current.filter((a) => a !== alias);
  await saveAliases(s, aliases);
  await s.db.batch([s.db.delete(aliasFollowers).where(eq(aliasFollowers.alias, alias)), s.db.delete(aliasSnapshots).where(eq(aliasSnapshots.alias, alias))]);
  return { ok: true, alias, aliases };
}

/** Reads the alias's followers again (followers it gained since, or an alias from ALSO_KNOWN_AS). */
export async function refreshAlias(s: Services, given: string): Promise<AliasResult> {
  const alias = canonicalIri(given) ?? given;
  const aliases = (await s.profile()).alsoKnownAs;
  if (!aliases.includes(alias)) return { ok: false, status: 404, error: `${given} is not an alias` };
  await startListing(s, alias);
  return { ok: true, alias, aliases };
}

/** Every alias with its migration's progress: followers expected, listed, and arrived here. */
export async function aliasProgress(s: Services): Promise<AliasProgress[]> {
  const aliases = (await s.profile()).alsoKnownAs;
  if (aliases.length === 0) return [];
  const [snapshots, arrivals] = await s.db.batch([
    s.db.select().from(aliasSnapshots).where(inArray(aliasSnapshots.alias, aliases)),
    s.db
      .select({ alias: aliasFollowers.alias, n: sql<number>`count(*)` })
      .from(aliasFollowers)
      .innerJoin(followers, and(eq(followers.actorId, aliasFollowers.actorId), eq(followers.state, "accepted")))
      .where(inArray(aliasFollowers.alias, aliases))
      .groupBy(aliasFollowers.alias),
  ]);
  return aliases.map((alias) => {
    const snapshot = snapshots.find((r) => r.alias === alias);
    return {
      alias,
      expected: snapshot?.expected ?? null,
      listed: snapshot?.listed ?? 0,
      arrived: arrivals.find((r) => r.alias === alias)?.n ?? 0,
      state: snapshot?.state ?? null,
      error: snapshot?.error ?? null,
    };
  });
}

async function finish(s: Services, alias: string, state: "done" | "failed", error: string | null = null): Promise<void> {
  await s.db.update(aliasSnapshots).set({ state, error, updatedAt: s.now() }).where(eq(aliasSnapshots.alias, alias));
  s.log("alias.listed", { alias, state, error });
  // Follows that arrived while the list was read wait as requests: now they can be let in.
  if (state === "done") await s.jobs.send({ kind: "alias", alias, approve: true });
}

/** Approves up to `max` pending requests of the alias's followers (each an Accept sent); true when more remain. */
async function approveListed(s: Services, alias: string, max: number): Promise<boolean> {
  const pending = await s.db
    .select({ actorId: followers.actorId })
    .from(followers)
    .innerJoin(aliasFollowers, and(eq(aliasFollowers.actorId, followers.actorId), eq(aliasFollowers.alias, alias)))
    .where(eq(followers.state, "pending"))
    .limit(max + 1);
  for (const { actorId } of pending.slice(0, max)) await decideFollowRequest(s, actorId, true);
  if (pending.length > 0) s.log("alias.requests_approved", { alias, approved: Math.min(max, pending.length) });
  return pending.length > max;
}

async function store(s: Services, alias: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  // One statement for the page, whatever its size (D1 binds at most 100 parameters).
  const json = JSON.stringify(ids);
  await s.db.run(sql`INSERT OR IGNORE INTO alias_followers (alias, actor_id) SELECT ${alias}, value FROM json_each(${json})`);
  await s.db
    .update(aliasSnapshots)
    .set({ listed: sql`(SELECT count(*) FROM alias_followers WHERE alias = ${alias})`, updatedAt: s.now() })
    .where(eq(aliasSnapshots.alias, alias));
}

/** A server that does not answer now may later: the queue retries the job (from the page it was on). */
const transient = (result: Extract<FetchResult<unknown>, { ok: false }>) => !isPermanent(result);

/**
 * The `alias` job: reads the alias's actor for its followers collection (first job), then up to
 * the plan's pages of it; a longer collection goes on in the next job. A failure that will not
 * change (gone, hidden, not a collection) marks the snapshot failed with the reason.
 */
export async function listAliasFollowers(job: Extract<Job, { kind: "alias" }>, s: Services): Promise<void> {
  const [snapshot] = await s.db.select().from(aliasSnapshots).where(eq(aliasSnapshots.alias, job.alias));
  if (!snapshot || snapshot.state !== (job.approve ? "done" : "listing")) return;
  if (await waitForBudget(s, job)) return;
  const perJob = limitsFor(s.config.plan).collectionPagesPerJob;
  if (job.approve) {
    if ((await s.profile()).alsoKnownAs.includes(job.alias) && (await approveListed(s, job.alias, limitsFor(s.config.plan).importRowsPerJob))) await s.jobs.send(job);
    return;
  }
  let page = job.page ?? null;
  if (!page) {
    const actor = await fetchActivityDocument(job.alias, s.fetcher);
    if (!actor.ok && transient(actor)) throw new Error(`the old account ${job.alias}: ${actor.reason}`);
    if (!actor.ok) return finish(s, job.alias, "failed", `the old account could not be read: ${actor.reason}`);
    const normalized = normalizeActor(actor.value);
    if (!normalized.ok || !normalized.value.followers) return finish(s, job.alias, "failed", "the old account has no followers collection");
    const collection = await fetchActivityDocument(normalized.value.followers, s.fetcher);
    if (!collection.ok && transient(collection)) throw new Error(`followers of ${job.alias}: ${collection.reason}`);
    const parsed = collection.ok ? normalizeCollection(collection.value) : null;
    if (!parsed?.ok) return finish(s, job.alias, "failed", `its followers collection could not be read: ${collection.ok ? "not a collection" : collection.reason}`);
    await s.db.update(aliasSnapshots).set({ expected: parsed.value.totalItems }).where(eq(aliasSnapshots.alias, job.alias));
    await store(s, job.alias, parsed.value.items.map((i) => i.id));
    page = parsed.value.first;
    if (!page && parsed.value.items.length === 0 && (parsed.value.totalItems ?? 0) > 0) {
      return finish(s, job.alias, "failed", "the old account's server does not list its followers (hidden)");
    }
  }
  const seen = new Set<string>();
  for (let read = 0; page && !seen.has(page); read++) {
    if (read >= perJob) {
      await s.jobs.send({ kind: "alias", alias: job.alias, page });
      return;
    }
    seen.add(page);
    const fetched = await fetchActivityDocument(page, s.fetcher);
    if (!fetched.ok) {
      if (transient(fetched)) throw new Error(`followers page ${page}: ${fetched.reason}`);
      return finish(s, job.alias, "failed", `a followers page could not be read: ${fetched.reason}`);
    }
    const parsed = normalizeCollection(fetched.value);
    if (!parsed.ok) return finish(s, job.alias, "failed", `a followers page is not a collection page: ${parsed.reason}`);
    await store(s, job.alias, parsed.value.items.map((i) => i.id));
    page = parsed.value.next;
  }
  const [after] = await s.db.select().from(aliasSnapshots).where(eq(aliasSnapshots.alias, job.alias));
  if (after && after.listed === 0 && (after.expected ?? 0) > 0) return finish(s, job.alias, "failed", "the old account's server does not list its followers (hidden)");
  return finish(s, job.alias, "done");
}
