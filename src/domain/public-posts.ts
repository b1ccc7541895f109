// What the public web pages (src/web/) show of posts: the owner's public and unlisted posts and
// boosts, and the replies that reached us, from the same index (`statuses`) and stored documents
// the client API's entities read, through the one normaliser. Every page costs a fixed number of
// statements whatever its length: the index rows, then their contents (with the authors' cached
// actors) and their counts side by side.
import { and, desc, eq, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import { statuses } from "../db/schema.ts";
import { hostOf, normalizeActor, normalizeObject } from "../federation/normalize.ts";
import type { Attachment, Poll, Tag } from "../federation/normalize.ts";
import { ownInlineEmojis } from "./custom-emoji.ts";
import type { InlineEmoji } from "../text/emoji.ts";
import { cardContentBranch, cardsByPost } from "./cards.ts";
import type { Services } from "../services.ts";
import type { PreviewCard } from "../text/link-cards.ts";
import { type DisplayedPost, displayedPost } from "./post-display.ts";
import type { StatusRow } from "./statuses.ts";
import { withHashtag } from "./statuses.ts";
import { CONTEXT_LIMIT, statusByUri, threadAncestors, threadDescendants } from "./thread-context.ts";

export interface PageAuthor {
  id: string;
  name: string;
  /** `@user@host`. */
  handle: string;
  url: string;
  avatar: string | null;
  local: boolean;
  /** Custom emoji the name uses (the owner's, or the remote actor's tags). */
  emojis: InlineEmoji[];
}

export interface PagePost extends Omit<DisplayedPost, "url" | "attachments"> {
  /** The index id of the row shown (the boost's own for a boost): the pages' keyset cursor. */
  statusId: number;
  uri: string;
  /** Where a person reads it: our permalink, or the remote post's `url`. */
  url: string;
  local: boolean;
  author: PageAuthor;
  /** Set when the row is a boost: who boosted, when. */
  boost: { by: PageAuthor; at: number } | null;
  inReplyTo: string | null;
  media: Attachment[];
  /** Lower-case names without `#`. */
  hashtags: string[];
  /** The post's custom emoji (its Emoji tags), shown by their own URLs. */
  emojis: InlineEmoji[];
  quote: string | null;
  /** A Question's options and counts, as the post carries them. */
  poll: Poll | null;
  /** The preview card of its first link, once the `card` job made one (src/domain/cards.ts). */
  card: PreviewCard | null;
  counts: { replies: number; likes: number; boosts: number };
}

const SHOWN = ["public", "unlisted"] as const;

export interface TimelinePage {
  posts: PagePost[];
  /** The cursor of the next (older) page, or null on the last. */
  older: number | null;
}

/** The owner as an author, from the profile. */
async function ownerAuthor(s: Services): Promise<PageAuthor> {
  const profile = await s.profile();
  const emojis = await ownInlineEmojis(s, [profile.displayName]);
  return {
    emojis,
    id: s.urls.actor,
    name: profile.displayName,
    handle: `@${s.config.username}@${s.config.handleDomain}`,
    url: s.urls.profile,
    avatar: profile.avatarUrl,
    local: true,
  };
}

function inlineEmojis(tags: Tag[]): InlineEmoji[] {
  return tags.flatMap((t) => (t.type === "Emoji" ? [{ shortcode: t.name, url: t.iconUrl }] : []));
}

function remoteAuthor(actorId: string, document: string | null): PageAuthor {
  const parsed = document ? normalizeActor(JSON.parse(document)) : null;
  const actor = parsed?.ok ? parsed.value : null;
  const username = actor?.preferredUsername ?? actorId.split("/").pop() ?? "unknown";
  return {
    id: actorId,
    name: actor?.name || username,
    handle: `@${username}@${hostOf(actorId) ?? ""}`,
    url: actor?.url ?? actorId,
    avatar: actor?.icon ?? null,
    local: false,
    emojis: inlineEmojis(actor?.tag ?? []),
  };
}

/** The posts of `rows` in their order; rows whose content is gone (or not public) are left out. */
export async function pagePosts(s: Services, rows: StatusRow[]): Promise<PagePost[]> {
  const shown = rows.filter((r) => (SHOWN as readonly string[]).includes(r.visibility));
  if (shown.length === 0) return [];
  const contentUris = JSON.stringify([...new Set(shown.map((r) => r.reblogOfUri ?? r.uri))]);
  const [contents, counts, owner] = await Promise.all([
    s.db.all<{ kind: "local" | "remote" | "card"; id: string; actor: string | null; document: string; actorDocument: string | null }>(sql`
      SELECT 'local' AS kind, id, NULL AS actor, document, NULL AS actorDocument FROM objects
        WHERE id IN (SELECT value FROM json_each(${contentUris})) AND deleted_at IS NULL AND visibility IN ('public', 'unlisted')
      UNION ALL
      SELECT 'remote', o.id, o.actor_id, o.document, a.document FROM remote_objects AS o LEFT JOIN remote_actors AS a ON a.id = o.actor_id
        WHERE o.id IN (SELECT value FROM json_each(${contentUris}))
      UNION ALL
      SELECT kind, id, NULL, document, NULL FROM (${cardContentBranch(contentUris)})`),
    s.db.all<{ k: string; uri: string; n: number }>(sql`
      SELECT type AS k, object_id AS uri, count(*) AS n FROM reactions
        WHERE object_id IN (SELECT value FROM json_each(${contentUris})) AND type IN ('Like', 'Announce') GROUP BY object_id, type
      UNION ALL
      SELECT 'replies', in_reply_to, count(*) FROM statuses
        WHERE in_reply_to IN (SELECT value FROM json_each(${contentUris})) AND visibility IN ('public', 'unlisted') GROUP BY in_reply_to`),
    ownerAuthor(s),
  ]);
  const cards = cardsByPost(contents);
  const countOf = (uri: string, k: string) => counts.find((c) => c.uri === uri && c.k === k)?.n ?? 0;
  const byUri = new Map<string, Omit<PagePost, "statusId" | "boost">>();
  for (const c of contents) {
    if (c.kind === "card") continue;
    const parsed = normalizeObject(JSON.parse(c.document));
    if (!parsed.ok) continue;
    const o = parsed.value;
    const local = c.kind === "local";
    const { attachments, ...display } = displayedPost(o, local);
    byUri.set(c.id, {
      ...display,
      uri: c.id,
      url: o.url ?? c.id,
      local,
      author: local ? owner : remoteAuthor(c.actor!, c.actorDocument),
      inReplyTo: o.inReplyTo,
      media: attachments,
      hashtags: o.tag.flatMap((t) => (t.type === "Hashtag" ? [t.name.replace(/^#/, "").toLowerCase()] : [])),
      emojis: inlineEmojis(o.tag),
      quote: o.quote,
      poll: o.poll,
      card: cards.get(c.id) ?? null,
      counts: { replies: countOf(c.id, "replies"), likes: countOf(c.id, "Like"), boosts: countOf(c.id, "Announce") },
    });
  }
  return shown.flatMap((row) => {
    const content = byUri.get(row.reblogOfUri ?? row.uri);
    if (!content) return [];
    const boost = row.reblogOfUri ? { by: row.local ? owner : remoteAuthor(row.actorId, null), at: row.published } : null;
    return [{ ...content, statusId: row.id, boost }];
  });
}

async function page(s: Services, where: SQL | undefined, before: number | null, size: number): Promise<TimelinePage> {
  const rows = await s.db
    .select()
    .from(statuses)
    .where(and(where, before !== null ? lt(statuses.id, before) : undefined))
    .orderBy(desc(statuses.id))
    .limit(size + 1);
  const posts = await pagePosts(s, rows.slice(0, size));
  return { posts, older: rows.length > size ? rows[size - 1]!.id : null };
}

/**
 * The profile's posts, newest first: the owner's public and unlisted posts, replies and boosts
 * (as Mastodon's "Posts and replies"), `size` at a time before the index id `before`.
 */
export function profilePosts(s: Services, before: number | null, size: number): Promise<TimelinePage> {
  return page(s, and(eq(statuses.local, true), eq(statuses.actorId, s.urls.actor), inArray(statuses.visibility, SHOWN)), before, size);
}

/** What the feeds carry: the owner's public posts, not replies or boosts (as Mastodon's RSS), newest first. */
export function feedPosts(s: Services, size: number): Promise<TimelinePage> {
  return page(
    s,
    and(eq(statuses.local, true), eq(statuses.actorId, s.urls.actor), eq(statuses.visibility, "public"), isNull(statuses.reblogOfUri), isNull(statuses.inReplyTo)),
    null,
    size,
  );
}

/** The owner's public posts with hashtag `tag`, newest first; null when `tag` cannot be a hashtag. */
export async function taggedPosts(s: Services, tag: string, before: number | null, size: number): Promise<TimelinePage | null> {
  const tagged = withHashtag(s, tag);
  if (!tagged) return null;
  // Unlisted posts stay out of tag pages, as on Mastodon: they are not for discovery.
  return page(s, and(eq(statuses.local, true), eq(statuses.visibility, "public"), tagged), before, size);
}

/** The owner's pinned posts the public may read, newest pin first. */
export async function pinnedPosts(s: Services): Promise<PagePost[]> {
  const rows = await s.db.all<{ uri: string }>(sql`SELECT status_uri AS uri FROM pins ORDER BY id DESC LIMIT 10`);
  if (rows.length === 0) return [];
  const found = await s.db.select().from(statuses).where(inArray(statuses.uri, rows.map((r) => r.uri)));
  const order = rows.map((r) => r.uri);
  return pagePosts(s, found.sort((a, b) => order.indexOf(a.uri) - order.indexOf(b.uri)));
}

export interface PageThread {
  post: PagePost;
  ancestors: PagePost[];
  replies: PagePost[];
}

/** One of our posts (by its id) with the thread around it that reached us; null if it is not public. */
export async function postThread(s: Services, uri: string): Promise<PageThread | null> {
  const row = await statusByUri(s, uri);
  if (!row || !row.local || row.reblogOfUri) return null;
  const [up, down] = await Promise.all([threadAncestors(s, row), threadDescendants(s, row)]);
  const all = await pagePosts(s, [...up.chain, row, ...down.slice(0, CONTEXT_LIMIT)]);
  const post = all.find((p) => p.uri === row.uri);
  if (!post) return null;
  const ancestorUris = new Set(up.chain.map((r) => r.uri));
  return { post, ancestors: all.filter((p) => ancestorUris.has(p.uri)), replies: all.filter((p) => p !== post && !ancestorUris.has(p.uri)) };
}
