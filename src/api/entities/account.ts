// Account entities as Mastodon serialises them (app/serializers/rest/account_serializer.rb). Clients
// decode them strictly: avatar and header are always URLs, counts are numbers, `last_status_at`
// is a date or null, `fields[].verified_at` is present.
import { sql } from "drizzle-orm";
import { accountIdsFor, OWNER_ACCOUNT_ID } from "../../domain/accounts.ts";
import { fieldLink } from "../../domain/link-verification.ts";
import { customEmojiEntity } from "../../domain/custom-emoji.ts";
import { profileTexts } from "../../federation/actor.ts";
import { ownEmojis, shortcodesIn } from "../../federation/emoji.ts";
import { hostOf, type NormalizedActor, normalizeActor } from "../../federation/normalize.ts";
import type { Services } from "../../services.ts";
import { linkify, textToHtml } from "../../text/html.ts";
import { sanitizeHtml } from "../../text/sanitize.ts";

export type AccountEntity = Record<string, unknown> & { id: string; acct: string; url: string };

const day = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().slice(0, 10));

// A request that shows the owner several times (notifications, then their statuses) counts once.
const ownerOf = new WeakMap<Services, Promise<AccountEntity>>();

/** The owner, with live counts; `credential` adds `source` and `role` (verify_credentials). */
export async function ownerAccount(s: Services, options: { credential?: boolean } = {}): Promise<AccountEntity> {
  if (options.credential) return credentialAccount(s);
  let owner = ownerOf.get(s);
  if (!owner) ownerOf.set(s, (owner = credentialAccount(s).then(({ source: _source, role: _role, ...account }) => account as AccountEntity)));
  return owner;
}

async function credentialAccount(s: Services): Promise<AccountEntity> {
  const { config, urls, db } = s;
  // One statement: follower and following counts are the trigger-kept counters the public pages read.
  const [[row], keys, profile] = await Promise.all([
    db.all<{ followers: number | null; following: number | null; posts: number; last: number | null; requests: number; verified: string | null }>(sql`
      SELECT (SELECT n FROM counters WHERE name = 'followers') AS followers, (SELECT n FROM counters WHERE name = 'following') AS following,
        (SELECT count(*) FROM statuses WHERE local = 1 AND actor_id = ${urls.actor}) AS posts,
        (SELECT max(published) FROM statuses WHERE local = 1 AND actor_id = ${urls.actor}) AS last,
        (SELECT count(*) FROM followers WHERE state = 'pending') AS requests,
        (SELECT json_group_object(url, verified_at) FROM profile_links WHERE verified_at IS NOT NULL) AS verified`),
    s.keys(),
    s.profile(),
  ]);
  // The owner's custom emoji the name, bio and fields use (apps swap :shortcode: for the image).
  const emojis = (await ownEmojis(db, shortcodesIn(profileTexts(profile)))).map((e) => customEmojiEntity(s, e));
  const counts = { followers: row?.followers ?? 0, following: row?.following ?? 0 };
  const posts = { n: row?.posts ?? 0, last: row?.last ?? null };
  const requests = { n: row?.requests ?? 0 };
  const missing = urls.missingImage;
  // Link fields whose page links back (rel="me", checked by the verify_links job) carry when that was seen.
  const verified = JSON.parse(row?.verified ?? "{}") as Record<string, number>;
  const verifiedAt = (value: string) => {
    const link = fieldLink(value);
    return link && verified[link] ? new Date(verified[link]).toISOString() : null;
  };
  const fields = profile.fields.map((f) => ({ name: f.name, value: linkify(f.value, "me nofollow noopener noreferrer"), verified_at: verifiedAt(f.value) }));
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
    emojis,
    roles: [],
    fields,
  };
  return {
    ...account,
    source: {
      privacy: profile.defaultVisibility,
      quote_policy: profile.defaultQuotePolicy,
      sensitive: profile.defaultSensitive,
      language: profile.defaultLanguage ?? "",
      note: profile.bio,
      fields: profile.fields.map((f) => ({ ...f, verified_at: verifiedAt(f.value) })),
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

/**
 * Accounts for actor ids in one statement (ids and cached documents joined on a JSON list), plus
 * the ids' creation the first time an actor is shown; actors we never fetched get a minimal account.
 */
export async function accountsFor(s: Services, actorIds: string[], options: { nested?: boolean } = {}): Promise<Map<string, AccountEntity>> {
  const unique = [...new Set(actorIds)];
  const out = new Map<string, AccountEntity>();
  if (unique.length === 0) return out;
  const remote = unique.filter((a) => a !== s.urls.actor);
  const [rows, owner] = await Promise.all([
    remote.length > 0
      ? s.db.all<{ actor: string; id: number | null; document: string | null; moved: string | null }>(sql`
          SELECT j.value AS actor, a.id AS id, r.document AS document, m.target AS moved FROM json_each(${JSON.stringify(remote)}) AS j
          LEFT JOIN account_ids AS a ON a.actor_id = j.value LEFT JOIN remote_actors AS r ON r.id = j.value
          LEFT JOIN account_moves AS m ON m.actor_id = j.value`)
      : [],
    unique.includes(s.urls.actor) ? ownerAccount(s) : null,
  ]);
  if (owner) out.set(s.urls.actor, owner);
  const missing = rows.filter((r) => r.id === null).map((r) => r.actor);
  const created = missing.length > 0 ? await accountIdsFor(s, missing) : new Map<string, number>();
  // A verified Move (account_moves) shows as `moved`, the new account, one level deep as Mastodon nests it.
  const targets = options.nested ? [] : rows.flatMap((r) => (r.moved ? [r.moved] : []));
  const moved = targets.length > 0 ? await accountsFor(s, targets, { nested: true }) : new Map<string, AccountEntity>();
  for (const row of rows) {
    const parsed = row.document ? normalizeActor(JSON.parse(row.document)) : null;
    const account = remoteAccount(s, row.id ?? created.get(row.actor)!, row.actor, parsed?.ok ? parsed.value : null);
    out.set(row.actor, row.moved && moved.has(row.moved) ? { ...account, moved: moved.get(row.moved) } : account);
  }
  return out;
}

export async function accountFor(s: Services, actorId: string): Promise<AccountEntity> {
  return (await accountsFor(s, [actorId])).get(actorId)!;
}
