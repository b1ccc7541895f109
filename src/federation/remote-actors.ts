// Remote actors and their keys, cached in D1 with the fetch time. The verifier's KeyResolver
// lives here: key id → owner actor → key, with Mastodon's confirmed-owner rule for key documents.
import { eq, getTableColumns, inArray, or } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { Log } from "../log.ts";
import { keyFetches, remoteActorKeys, remoteActors } from "../db/schema.ts";
import { type FetchContext, type FetchResult, fetchActivityDocument } from "./fetch.ts";
import { canonicalIri, type NormalizedActor, normalizeActor, normalizeKeys } from "./normalize.ts";
import type { KeyResolver, VerificationKey } from "./signatures/index.ts";
import { multibaseToEd25519 } from "./encoding.ts";

export interface RemoteActor {
  id: string;
  type: string;
  preferredUsername: string | null;
  name: string | null;
  url: string | null;
  inbox: string;
  sharedInbox: string | null;
  rsaKeys: { id: string; owner: string; pem: string }[];
  ed25519Keys: { id: string; controller: string; multibase: string }[];
  alsoKnownAs: string[];
  movedTo: string | null;
  fetchedAt: number;
}

/** Mastodon refreshes a remote account after a day (Account::STALE_THRESHOLD). */
const STALE_AFTER_MS = 86_400_000;

// What an actor is read with: every column but the stored document, which only the client API's
// account entity reads (by SQL of its own); it is most of the row's bytes.
const { document: _document, ...ACTOR_COLUMNS } = getTableColumns(remoteActors);

type Row = Omit<typeof remoteActors.$inferSelect, "document">;

function fromRow(row: Row): RemoteActor {
  return {
    id: row.id,
    type: row.type,
    preferredUsername: row.preferredUsername,
    name: row.name,
    url: row.url,
    inbox: row.inbox,
    sharedInbox: row.sharedInbox,
    rsaKeys: JSON.parse(row.rsaKeys),
    ed25519Keys: JSON.parse(row.ed25519Keys),
    alsoKnownAs: JSON.parse(row.alsoKnownAs),
    movedTo: row.movedTo,
    fetchedAt: row.fetchedAt,
  };
}

/** Stores (or replaces) an actor we fetched or that arrived embedded in a verified Update. */
export async function upsertRemoteActor(db: Database, actor: NormalizedActor, now = Date.now()): Promise<RemoteActor> {
  const values = {
    id: actor.id,
    type: actor.type,
    preferredUsername: actor.preferredUsername,
    name: actor.name,
    url: actor.url,
    inbox: actor.inbox,
    sharedInbox: actor.sharedInbox,
    rsaKeys: JSON.stringify(actor.rsaKeys.filter((k) => k.owner === actor.id).map(({ id, owner, pem }) => ({ id, owner, pem }))),
    ed25519Keys: JSON.stringify(
      actor.ed25519Keys.filter((k) => k.controller === actor.id).map(({ id, controller, multibase }) => ({ id, controller, multibase })),
    ),
    alsoKnownAs: JSON.stringify(actor.alsoKnownAs),
    movedTo: actor.movedTo,
    document: JSON.stringify(actor.raw),
    fetchedAt: now,
  };
  const { id: _id, ...update } = values;
  // The key index holds only key ids the resolver cannot find by the actor's own id (no fragment,
  // as GoToSocial's `/main-key`, or another path): `<actor>#main-key` needs no row, and each
  // row would cost three rows written (the row and two index entries) per actor stored.
  const keyIds = [...JSON.parse(values.rsaKeys), ...JSON.parse(values.ed25519Keys)]
    .filter((k: { id: string }) => k.id.replace(/#.*$/, "") !== actor.id)
    .map((k: { id: string }) => ({ keyId: k.id, actorId: actor.id }));
  await db.batch([
    db.insert(remoteActors).values(values).onConflictDoUpdate({ target: remoteActors.id, set: update }),
    db.delete(remoteActorKeys).where(eq(remoteActorKeys.actorId, actor.id)),
    ...(keyIds.length > 0
      ? [db.insert(remoteActorKeys).values(keyIds).onConflictDoUpdate({ target: remoteActorKeys.keyId, set: { actorId: actor.id } })]
      : []),
  ]);
  return fromRow(values);
}

/**
 * The cached actor as a query, for a caller that reads it in one batch with its own statements
 * and hands the rows to `getRemoteActor` as `cached`.
 */
export function remoteActorQuery(db: Database, id: string) {
  return db.select(ACTOR_COLUMNS).from(remoteActors).where(eq(remoteActors.id, id)).limit(1);
}

export type CachedActorRows = Awaited<ReturnType<typeof remoteActorQuery>>;

async function findRemoteActor(db: Database, id: string): Promise<RemoteActor | null> {
  const [row] = await remoteActorQuery(db, id);
  return row ? fromRow(row) : null;
}

/** The actor from D1 when fresh enough (`cached`: the rows of remoteActorQuery, already read), else fetched, normalised and stored. */
export async function getRemoteActor(
  db: Database,
  ctx: FetchContext,
  actorId: string,
  options: { refresh?: boolean; maxAgeMs?: number; cached?: CachedActorRows } = {},
): Promise<FetchResult<RemoteActor>> {
  if (!options.refresh) {
    const row = options.cached ? options.cached[0] : undefined;
    const cached = options.cached ? (row ? fromRow(row) : null) : await findRemoteActor(db, actorId);
    if (cached && Date.now() - cached.fetchedAt < (options.maxAgeMs ?? STALE_AFTER_MS)) return { ok: true, value: cached };
  }
  const fetched = await fetchActivityDocument(actorId, ctx);
  if (!fetched.ok) return fetched;
  const actor = normalizeActor(fetched.value);
  if (!actor.ok) return { ok: false, reason: `${actorId} is not a usable actor: ${actor.reason}` };
  return { ok: true, value: await upsertRemoteActor(db, actor.value) };
}

function keyFromActor(actor: RemoteActor, keyId: string): VerificationKey | null {
  const rsa = actor.rsaKeys.find((k) => k.id === keyId);
  if (rsa) return { kind: "rsa", id: rsa.id, owner: actor.id, publicKeyPem: rsa.pem };
  const ed = actor.ed25519Keys.find((k) => k.id === keyId);
  const raw = ed ? multibaseToEd25519(ed.multibase) : null;
  return raw ? { kind: "ed25519", id: keyId, owner: actor.id, publicKey: raw } : null;
}

/**
 * The cached actors a key id may belong to, in one query: the actor whose id is the key id without
 * its fragment, and the actor the key index names (key ids without a fragment, as GoToSocial's
 * `/main-key`). The first is preferred, as it always was.
 */
function actorsForKeyQuery(db: Database, keyId: string) {
  const byIndex = db.select({ id: remoteActorKeys.actorId }).from(remoteActorKeys).where(eq(remoteActorKeys.keyId, keyId));
  return db
    .select(ACTOR_COLUMNS)
    .from(remoteActors)
    .where(or(eq(remoteActors.id, keyId.replace(/#.*$/, "")), inArray(remoteActors.id, byIndex)))
    .limit(2);
}

function actorForKey(rows: Row[], keyId: string): RemoteActor | null {
  const row = rows.find((r) => r.id === keyId.replace(/#.*$/, "")) ?? rows[0];
  return row ? fromRow(row) : null;
}

/** A key fetch gets a shorter deadline than a document fetch: it runs inside an inbox request. */
const KEY_FETCH_LIMITS = { timeoutMs: 5_000 };

function originOf(iri: string): string | null {
  try {
    return new URL(iri).origin;
  } catch {
    return null;
  }
}

/** Fetches whatever the key id points at: the actor itself, or a key document whose owner lists it (same origin only). */
async function fetchActorForKey(db: Database, ctx: FetchContext, keyId: string): Promise<FetchResult<RemoteActor>> {
  const fetched = await fetchActivityDocument(keyId, ctx, KEY_FETCH_LIMITS);
  if (!fetched.ok) return fetched;
  const asActor = normalizeActor(fetched.value);
  if (asActor.ok) return { ok: true, value: await upsertRemoteActor(db, asActor.value) };
  const keys = normalizeKeys(fetched.value);
  const owner = keys.ok ? (keys.value.rsaKeys[0]?.owner ?? keys.value.ed25519Keys[0]?.controller) : undefined;
  if (!owner || owner === keyId.replace(/#.*$/, "")) return { ok: false, status: 404, reason: `${keyId} is neither an actor nor a key document` };
  // A key document may not hand the key to an actor on another origin.
  if (originOf(owner) !== originOf(keyId)) return { ok: false, status: 404, reason: `${keyId} names an owner on another origin (${owner})` };
  const actor = await fetchActivityDocument(owner, ctx, KEY_FETCH_LIMITS);
  if (!actor.ok) return actor;
  const normalized = normalizeActor(actor.value);
  if (!normalized.ok) return { ok: false, status: 404, reason: `${owner} is not a usable actor: ${normalized.reason}` };
  return { ok: true, value: await upsertRemoteActor(db, normalized.value) };
}

/** A key that failed to verify is refetched at most once per this interval (rotation is rare). */
const KEY_REFETCH_INTERVAL_MS = 10 * 60_000;
/** Unknown, 404 and 410 keys are remembered this long; other failures (timeouts, 5xx) for a minute. */
const KEY_NEGATIVE_TTL_MS = 60 * 60_000;
const KEY_TRANSIENT_TTL_MS = 60_000;

function permanentFailure(result: Extract<FetchResult<unknown>, { ok: false }>): boolean {
  return result.gone === true || (result.status !== undefined && result.status >= 400 && result.status < 500);
}

/**
 * The verifier's KeyResolver. `gone` collects key ids whose actor answered 410, so the inbox can
 * acknowledge a Delete from an account that no longer exists. Within one resolver (one request)
 * a key id is fetched at most once; across requests a failed key is remembered negatively and a
 * refetch for rotation happens at most once per KEY_REFETCH_INTERVAL_MS.
 */
export function keyResolver(db: Database, ctx: FetchContext, log: Log, now = Date.now): { resolve: KeyResolver; gone: Set<string> } {
  const gone = new Set<string>();
  const attempted = new Set<string>();
  // What D1 held for a key id when this request first asked: the cached actor and the key's
  // fetch state, read together in one round trip and reused by the refresh that may follow.
  const stored = new Map<string, Promise<{ cached: RemoteActor | null; state: typeof keyFetches.$inferSelect | undefined }>>();
  const storedFor = (keyId: string) => {
    let entry = stored.get(keyId);
    if (!entry) {
      entry = db
        .batch([actorsForKeyQuery(db, keyId), db.select().from(keyFetches).where(eq(keyFetches.keyId, keyId))])
        .then(([actors, [state]]) => ({ cached: actorForKey(actors, keyId), state }));
      stored.set(keyId, entry);
    }
    return entry;
  };
  const resolve: KeyResolver = async (sentKeyId, { refresh }) => {
    // One spelling per key (rule 3): the key ids we store went through the normaliser too.
    const keyId = canonicalIri(sentKeyId) ?? sentKeyId;
    const { cached, state } = await storedFor(keyId);
    if (!refresh) {
      const key = cached ? keyFromActor(cached, keyId) : null;
      if (key) return key;
    }
    if (attempted.has(keyId)) return null;
    attempted.add(keyId);
    const t = now();
    if (state?.failedUntil && state.failedUntil > t) {
      if (state.failedStatus === 410) gone.add(keyId);
      log("key.unavailable", { keyId, reason: "remembered as failing", remembered: true });
      return null;
    }
    // The cached actor's fetch time is the last successful fetch: no key_fetches row for those.
    const lastFetched = Math.max(state && !state.failedUntil ? state.fetchedAt : 0, refresh ? (cached?.fetchedAt ?? 0) : 0);
    if (refresh && t - lastFetched < KEY_REFETCH_INTERVAL_MS) {
      log("key.refetch_skipped", { keyId });
      return null;
    }
    const fetched = await fetchActorForKey(db, ctx, keyId);
    // Only failures are written: a successful fetch is recorded by the actor row it stores.
    if (!fetched.ok || state) {
      const failedUntil = fetched.ok ? null : t + (permanentFailure(fetched) ? KEY_NEGATIVE_TTL_MS : KEY_TRANSIENT_TTL_MS);
      const failedStatus = fetched.ok ? null : fetched.gone ? 410 : (fetched.status ?? null);
      await db
        .insert(keyFetches)
        .values({ keyId, fetchedAt: t, failedUntil, failedStatus })
        .onConflictDoUpdate({ target: keyFetches.keyId, set: { fetchedAt: t, failedUntil, failedStatus } });
    }
    if (!fetched.ok) {
      if (fetched.gone) gone.add(keyId);
      log("key.unavailable", { keyId, reason: fetched.reason });
      return null;
    }
    // Later asks in this request see the actor just stored, as a read of D1 would.
    stored.set(keyId, Promise.resolve({ cached: fetched.value, state }));
    // Mastodon's confirmed-owner rule: the owner must list the key, whatever the key document said.
    return keyFromActor(fetched.value, keyId);
  };
  return { resolve, gone };
}
