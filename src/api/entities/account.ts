// Account entities as Mastodon serialises them (app/serializers/rest/account_serializer.rb). Clients
// decode them strictly: avatar and header are always URLs, counts are numbers, `last_status_at`
// is a date or null, `fields[].verified_at` is present.
import { and, count, eq, inArray, max } from "drizzle-orm";
import { readCounters } from "../../db/queries/public.ts";
import { followers, remoteActors, statuses } from "../../db/schema.ts";
import { accountIdsFor, OWNER_ACCOUNT_ID } from "../../domain/accounts.ts";
import { hostOf, type NormalizedActor, normalizeActor } from "../../federation/normalize.ts";
import type { Services } from "../../services.ts";
import { linkify, textToHtml } from "../../text/html.ts";
import { sanitizeHtml } from "../../text/sanitize.ts";

export type AccountEntity = Record<string, unknown> & { id: string; acct: string; url: string };

const day = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().slice(0, 10));

/** The owner, with live counts; `credential` adds `source` and `role` (verify_credentials). */
export async function ownerAccount(s: Services, options: { credential?: boolean } = {}): Promise<AccountEntity> {
  const { config, urls, db } = s;
  // Follower and following counts are the trigger-kept counters the public pages read.
  const [counts, [posts], [requests], keys, profile] = await Promise.all([
    readCounters(db),
    db.select({ n: count(), last: max(statuses.published) }).from(statuses).where(and(eq(statuses.local, true), eq(statuses.actorId, urls.actor))),
    db.select({ n: count() }).from(followers).where(eq(followers.state, "pending")),
    s.keys(),
    s.profile(),
  ]);
  const missing = urls.missingImage;
  const fields = profile.fields.map((f) => ({ name: f.name, value: linkify(f.value, "me nofollow noopener noreferrer"), verified_at: null }));
  const account: AccountEntity = {
    id: String(OWNER_ACCOUNT_ID),
    username: config.username,
    acct: config.username,
    display_name: profile.displayName,
    locked: profile.manuallyApprovesFollowers,
    bot: profile.bot,
    discoverable: profile.discoverable,
    indexable: profile.discoverable,
    group: false,
    noindex: false,
    hide_collections: false,
    created_at: new Date(keys.createdAt).toISOString(),
    note: textToHtml(profile.bio),
    url: urls.profile,
    uri: urls.actor,
    avatar: profile.avatarUrl ?? missing,
    avatar_static: profile.avatarUrl ?? missing,
    header: profile.headerUrl ?? missing,
    header_static: profile.headerUrl ?? missing,
    followers_count: Math.max(0, counts.followers),
    following_count: Math.max(0, counts.following),
    statuses_count: posts?.n ?? 0,
    last_status_at: day(posts?.last ?? null),
    emojis: [],
    roles: [],
    fields,
  };
  if (!options.credential) return account;
  return {
    ...account,
    source: {
      privacy: profile.defaultVisibility,
      sensitive: profile.defaultSensitive,
      language: profile.defaultLanguage ?? "",
      note: profile.bio,
      fields: profile.fields.map((f) => ({ ...f, verified_at: null })),
      follow_requests_count: requests?.n ?? 0,
      indexable: profile.discoverable,
      hide_collections: false,
      discoverable: profile.discoverable,
      attribution_domains: [],
    },
    role: { id: "-99", name: "", color: "", permissions: "0", highlighted: false },
  };
}

function remoteAccount(s: Services, id: number, actorId: string, actor: NormalizedActor | null): AccountEntity {
  const host = hostOf(actorId) ?? "";
  const username = actor?.preferredUsername ?? actorId.split("/").pop() ?? "unknown";
  const missing = s.urls.missingImage;
  const emojis = (actor?.tag ?? [])
    .filter((t) => t.type === "Emoji")
    .map((t) => ({ shortcode: t.name, url: t.iconUrl, static_url: t.iconUrl, visible_in_picker: false }));
  return {
    id: String(id),
    username,
    acct: `${username}@${host}`,
    display_name: actor?.name ?? "",
    locked: actor?.manuallyApprovesFollowers ?? false,
    bot: actor?.type === "Service" || actor?.type === "Application",
    discoverable: true,
    group: actor?.type === "Group",
    created_at: (actor?.published ?? new Date(0)).toISOString(),
    note: sanitizeHtml(actor?.summary ?? ""),
    url: actor?.url ?? actorId,
    uri: actorId,
    avatar: actor?.icon ?? missing,
    avatar_static: actor?.icon ?? missing,
    header: actor?.image ?? missing,
    header_static: actor?.image ?? missing,
    followers_count: 0,
    following_count: 0,
    statuses_count: 0,
    last_status_at: null,
    emojis,
    fields: (actor?.fields ?? []).map((f) => ({ name: f.name, value: sanitizeHtml(f.value), verified_at: null })),
  };
}

/** Accounts for actor ids, in one round of queries; actors we never fetched get a minimal account. */
export async function accountsFor(s: Services, actorIds: string[]): Promise<Map<string, AccountEntity>> {
  const unique = [...new Set(actorIds)];
  const out = new Map<string, AccountEntity>();
  if (unique.length === 0) return out;
  const remote = unique.filter((a) => a !== s.urls.actor);
  const [ids, rows, owner] = await Promise.all([
    accountIdsFor(s, remote),
    remote.length > 0 ? s.db.select({ id: remoteActors.id, document: remoteActors.document }).from(remoteActors).where(inArray(remoteActors.id, remote.slice(0, 90))) : [],
    unique.includes(s.urls.actor) ? ownerAccount(s) : null,
  ]);
  if (owner) out.set(s.urls.actor, owner);
  const documents = new Map(rows.map((r) => [r.id, r.document]));
  for (const actorId of remote) {
    const document = documents.get(actorId);
    const parsed = document ? normalizeActor(JSON.parse(document)) : null;
    out.set(actorId, remoteAccount(s, ids.get(actorId)!, actorId, parsed?.ok ? parsed.value : null));
  }
  return out;
}

export async function accountFor(s: Services, actorId: string): Promise<AccountEntity> {
  return (await accountsFor(s, [actorId])).get(actorId)!;
}
