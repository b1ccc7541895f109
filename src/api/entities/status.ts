// Status entities (app/serializers/rest/status_serializer.rb) for a page of index rows, built with
// a fixed number of queries whatever the page size: the rows' contents, the boosted originals,
// the owner's likes, boosts and bookmarks, counts, parents and every account involved.
import { inArray, sql } from "drizzle-orm";
import { statuses } from "../../db/schema.ts";
import { MUTED_THREAD, threadWalk } from "../../domain/conversations.ts";
import { compileFilters, type FilterContext, type FilterMatch, filtersJson, hiddenIn, matchFilters, parseFilter, searchableText } from "../../domain/filters.ts";
import { attachmentKind, type DisplayedPost, displayedPost } from "../../domain/post-display.ts";
import type { StatusRow } from "../../domain/statuses.ts";
import type { Visibility } from "../../federation/addressing.ts";
import { type Attachment, normalizeObject, type Tag } from "../../federation/normalize.ts";
import type { Services } from "../../services.ts";
import { type AccountEntity, accountsFor } from "./account.ts";
import { filterResultEntity } from "./filter.ts";
import { attachQuotes, type QuoteApproval, quoteApproval, type QuoteAuthor, quoteAuthorColumn, quoteContentBranch, quotesOfPage } from "./quote.ts";
import { mediaByPost, mediaContentBranch } from "./media.ts";
import { cardContentBranch, cardsByPost } from "../../domain/cards.ts";
import { pollContentBranch, pollEntity, pollsByStatus, pollTitles } from "./poll.ts";
import { reactionContentBranch, reactionsByPost } from "./reactions.ts";

export type StatusEntity = Record<string, unknown> & { id: string };

/**
 * Who reads and where. The owner's active filters mark what they match (`filtered`, every matching
 * filter whatever its contexts: clients pick by context, as Mastodon's serializer leaves them
 * to); with a `context`, statuses a `hide` filter of that context covers are left out, except the
 * owner's own posts and boosts.
 */
export interface StatusView {
  owner?: boolean;
  context?: FilterContext;
  /** How deep in quotes these statuses are: quoted statuses are built one level deep (src/api/entities/quote.ts). */
  quoteDepth?: number;
}

const API_VISIBILITY: Record<Visibility, string> = { public: "public", unlisted: "unlisted", followers: "private", direct: "direct" };

interface Content extends DisplayedPost {
  tags: Tag[];
}

function localContent(note: Record<string, any>): Content {
  const tags: Tag[] = (Array.isArray(note.tag) ? note.tag : []).flatMap((t: Record<string, string>): Tag[] => {
    if (t.type === "Mention") return [{ type: "Mention", href: t.href!, name: t.name ?? null }];
    if (t.type === "Hashtag") return [{ type: "Hashtag", name: String(t.name ?? "").replace(/^#/, ""), href: t.href ?? null }];
    // The owner's custom emoji (src/federation/emoji.ts emojiTag).
    const icon = t.icon as unknown as { url?: string; mediaType?: string } | undefined;
    if (t.type === "Emoji" && icon?.url) return [{ type: "Emoji", name: String(t.name ?? "").replace(/^:|:$/g, ""), iconUrl: icon.url, mediaType: icon.mediaType ?? null, id: t.id ?? null }];
    return [];
  });
  return {
    url: note.url ?? null,
    html: note.content ?? "",
    summary: note.summary ?? null,
    sensitive: note.sensitive === true,
    language: note.contentMap ? (Object.keys(note.contentMap)[0] ?? null) : null,
    published: Date.parse(note.published),
    updated: note.updated ? Date.parse(note.updated) : null,
    tags,
    attachments: [],
  };
}

function remoteContent(document: unknown): Content | null {
  const parsed = normalizeObject(document);
  if (!parsed.ok) return null;
  return { ...displayedPost(parsed.value, false), tags: parsed.value.tag };
}

/** A MediaAttachment entity for a remote attachment; ids are the status id and the position. */
export function mediaAttachment(statusId: number, index: number, a: Attachment) {
  const size = a.width && a.height ? { width: a.width, height: a.height, size: `${a.width}x${a.height}`, aspect: a.width / a.height } : null;
  return {
    id: `${statusId}${String(index).padStart(2, "0")}`,
    type: attachmentKind(a),
    url: a.url,
    preview_url: a.url,
    remote_url: a.url,
    preview_remote_url: null,
    text_url: null,
    meta: { ...(size ? { original: size, small: size } : {}), ...(a.focalPoint ? { focus: { x: a.focalPoint[0], y: a.focalPoint[1] } } : {}) },
    description: a.name,
    blurhash: a.blurhash,
  };
}

const unique = <T>(items: T[]) => [...new Set(items)];

/** Entities for `rows` (any mix of posts and boosts), keyed by status id; rows whose content is gone are left out. */
export async function statusEntities(s: Services, rows: StatusRow[], view: StatusView = {}): Promise<Map<number, StatusEntity>> {
  const out = new Map<number, StatusEntity>();
  if (rows.length === 0) return out;
  const db = s.db;
  const boostedUris = unique(rows.flatMap((r) => (r.reblogOfUri ? [r.reblogOfUri] : [])));
  const originals = boostedUris.length > 0 ? await db.select().from(statuses).where(inArray(statuses.uri, boostedUris)) : [];
  const contentRows = [...rows.filter((r) => !r.reblogOfUri), ...originals];
  const contentUris = unique(contentRows.map((r) => r.uri));
  // Two statements for everything else, whatever the page size: the contents (with the owner's
  // filters, media, polls, cards, reactions and quotes), and the owner's marks (likes, boosts,
  // bookmarks, pins, muted threads), counts and parents. Lists travel as one JSON parameter each
  // (D1 binds at most 100). D1 allows 5 terms in one compound SELECT, so the bookmark, pin and
  // muted-thread marks share one term through a subquery.
  const uris = JSON.stringify(contentUris);
  const [contentRowsRead, marks] = await Promise.all([
    // The owner's active filters, the post's own media, its poll, link card and quotes ride along with the contents (D1 allows 5 terms in a compound SELECT; the marks use them all; media, polls, cards, emoji reactions and quotes share one term).
    // `author` is set on remote posts with a quote policy only (quoteAuthorColumn).
    db.all<{ kind: "local" | "remote" | "filter" | "media" | "card" | "poll" | "reactions" | "quote" | "quotes_count"; id: string; document: string; author: string | null }>(sql`
      SELECT 'local' AS kind, id, document, NULL AS author FROM objects WHERE id IN (SELECT value FROM json_each(${uris}))
      UNION ALL
      SELECT 'remote' AS kind, id, document, ${quoteAuthorColumn(sql`remote_objects`)} FROM remote_objects WHERE id IN (SELECT value FROM json_each(${uris}))
      UNION ALL SELECT kind, id, document, NULL FROM (${mediaContentBranch(uris)} UNION ALL ${pollContentBranch(uris)} UNION ALL ${cardContentBranch(uris)} UNION ALL ${reactionContentBranch(uris)} UNION ALL ${quoteContentBranch(uris)})
      ${view.owner ? sql`UNION ALL SELECT 'filter', NULL, doc, NULL FROM (${filtersJson(s.now(), { active: true })})` : sql``}`),
    db.all<{ k: string; type: string | null; uri: string; n: number | null; id: number | null; actor: string | null }>(sql`
      ${threadWalk(sql`(SELECT value FROM json_each(${uris}))`, true)}
      SELECT 'mine' AS k, type, object_id AS uri, NULL AS n, NULL AS id, NULL AS actor FROM activities
        WHERE type IN ('Like', 'Announce') AND object_id IN (SELECT value FROM json_each(${uris}))
      UNION ALL SELECT 'mark', mark, uri, NULL, NULL, NULL FROM (
        SELECT 'bookmark' AS mark, status_uri AS uri FROM bookmarks WHERE status_uri IN (SELECT value FROM json_each(${uris}))
        UNION ALL SELECT 'pin', status_uri FROM pins WHERE status_uri IN (SELECT value FROM json_each(${uris}))
        UNION ALL SELECT DISTINCT 'muted', start FROM thread WHERE ${MUTED_THREAD})
      UNION ALL SELECT 'count', type, object_id, count(*), NULL, NULL FROM reactions WHERE object_id IN (SELECT value FROM json_each(${uris})) GROUP BY object_id, type
      UNION ALL SELECT 'replies', NULL, in_reply_to, count(*), NULL, NULL FROM statuses WHERE in_reply_to IN (SELECT value FROM json_each(${uris})) GROUP BY in_reply_to
      UNION ALL SELECT 'parent', NULL, uri, NULL, id, actor_id FROM statuses
        WHERE uri IN (SELECT in_reply_to FROM statuses WHERE uri IN (SELECT value FROM json_each(${uris})) AND in_reply_to IS NOT NULL)`),
  ]);
  const contents = new Map<string, Content | null>();
  // quote_approval comes from the same parsed documents (src/api/entities/quote.ts).
  const approvals = new Map<string, QuoteApproval>();
  const visibilityOf = new Map(contentRows.map((r) => [r.uri, r.visibility]));
  for (const d of contentRowsRead) {
    if (d.kind !== "local" && d.kind !== "remote") continue;
    const doc = JSON.parse(d.document) as Record<string, any>;
    contents.set(d.id, d.kind === "local" ? localContent(doc) : remoteContent(doc));
    const reader = { signedIn: view.owner === true, visibility: visibilityOf.get(d.id) ?? "direct" };
    approvals.set(d.id, quoteApproval(s, doc.interactionPolicy, d.kind === "local" ? "owner" : (JSON.parse(d.author ?? "null") as QuoteAuthor), reader));
  }
  const localMedia = mediaByPost(s, contentRowsRead);
  const cards = cardsByPost(contentRowsRead);
  const emojiReactions = reactionsByPost(contentRowsRead);
  const pollRows = pollsByStatus(contentRowsRead);
  const mentionHrefs = [...contents.values()].flatMap((c) => (c ? c.tags.flatMap((t) => (t.type === "Mention" ? [t.href] : [])) : []));
  const parentRows = marks.filter((m) => m.k === "parent").map((m) => ({ id: m.id!, uri: m.uri, actorId: m.actor! }));
  const accounts = await accountsFor(s, [...rows.map((r) => r.actorId), ...originals.map((r) => r.actorId), ...mentionHrefs, ...parentRows.map((p) => p.actorId)]);
  const countOf = (uri: string, type: string) => marks.filter((m) => m.k === "count" && m.uri === uri && m.type === type).reduce((n, m) => n + (m.n ?? 0), 0);
  const parentOf = new Map(parentRows.map((p) => [p.uri, p]));
  const marked = (mark: string) => new Set(marks.filter((m) => m.k === "mark" && m.type === mark).map((m) => m.uri));
  const [bookmarked, pinned, muted] = [marked("bookmark"), marked("pin"), marked("muted")];
  const mine = marks.filter((m) => m.k === "mine").map((m) => ({ type: m.type, objectId: m.uri }));
  const replies = marks.filter((m) => m.k === "replies");
  const compiled = compileFilters(contentRowsRead.flatMap((d) => (d.kind === "filter" ? [parseFilter(d.document)] : [])));
  /** The filters `row`'s content matches; `ids` are the status's id and, for a boost, the original's. */
  const matchesOf = (row: StatusRow, ids: number[]): FilterMatch[] => {
    const content = contents.get(row.uri);
    if (compiled.length === 0 || !content) return [];
    const poll = pollRows.get(row.uri);
    const pollOptions = poll ? pollTitles(poll) : [];
    return matchFilters(compiled, { text: searchableText({ summary: content.summary, html: content.html, pollOptions, descriptions: content.attachments.map((a) => a.name) }), statusIds: ids });
  };
  const hidden = (matches: FilterMatch[], own: boolean) => view.context !== undefined && !own && hiddenIn(matches, view.context);

  const entity = (row: StatusRow): StatusEntity | null => {
    const content = contents.get(row.uri);
    if (!content) return null;
    const account = accounts.get(row.actorId)!;
    const parent = row.inReplyTo ? parentOf.get(row.inReplyTo) : undefined;
    const liked = mine.some((m) => m.type === "Like" && m.objectId === row.uri);
    const boosted = mine.some((m) => m.type === "Announce" && m.objectId === row.uri);
    const emojis = content.tags.flatMap((t) => (t.type === "Emoji" ? [{ shortcode: t.name, url: t.iconUrl, static_url: t.iconUrl, visible_in_picker: false }] : []));
    const poll = pollRows.get(row.uri);
    return {
      id: String(row.id),
      uri: row.uri,
      url: content.url ?? row.uri,
      created_at: new Date(content.published || row.published).toISOString(),
      edited_at: content.updated ? new Date(content.updated).toISOString() : null,
      account,
      in_reply_to_id: parent ? String(parent.id) : null,
      in_reply_to_account_id: parent ? (accounts.get(parent.actorId)?.id ?? null) : null,
      sensitive: content.sensitive,
      spoiler_text: content.summary ?? "",
      visibility: API_VISIBILITY[row.visibility],
      language: content.language,
      replies_count: replies.find((r) => r.uri === row.uri)?.n ?? 0,
      reblogs_count: countOf(row.uri, "Announce") + (boosted && !row.local ? 1 : 0),
      favourites_count: countOf(row.uri, "Like") + (liked && !row.local ? 1 : 0),
      favourited: liked,
      reblogged: boosted,
      muted: muted.has(row.uri),
      bookmarked: bookmarked.has(row.uri),
      pinned: pinned.has(row.uri),
      content: content.html,
      filtered: [],
      reblog: null,
      application: null,
      // Ours from the media rows (ids that edits name, previews); remote ones from the post, shown by their own URLs.
      media_attachments: row.local ? (localMedia.get(row.uri) ?? []) : content.attachments.map((a, i) => mediaAttachment(row.id, i, a)),
      mentions: content.tags.flatMap((t) => {
        if (t.type !== "Mention") return [];
        const mentioned: AccountEntity | undefined = accounts.get(t.href);
        return mentioned ? [{ id: mentioned.id, username: mentioned.username, url: mentioned.url, acct: mentioned.acct }] : [];
      }),
      tags: content.tags.flatMap((t) => (t.type === "Hashtag" ? [{ name: t.name.toLowerCase(), url: t.href ?? `${s.urls.origin}/tags/${encodeURIComponent(t.name.toLowerCase())}` }] : [])),
      emojis,
      card: cards.get(row.uri) ?? null,
      poll: poll ? pollEntity(s, row.id, poll, emojis, view.owner === true) : null,
      // Fedibird's field and Pleroma's (Akkoma sends both); Mastodon clients ignore them.
      emoji_reactions: emojiReactions.get(row.uri) ?? [],
      pleroma: { emoji_reactions: emojiReactions.get(row.uri) ?? [] },
    };
  };

  const byUri = new Map(originals.map((o) => [o.uri, o]));
  for (const row of rows) {
    if (!row.reblogOfUri) {
      const e = entity(row);
      const matches = e ? matchesOf(row, [row.id]) : [];
      if (!e || hidden(matches, row.local)) continue;
      e.filtered = matches.map(filterResultEntity);
      out.set(row.id, e);
      continue;
    }
    const original = byUri.get(row.reblogOfUri);
    const inner = original ? entity(original) : null;
    if (!inner) continue;
    const matches = matchesOf(original!, [row.id, original!.id]);
    if (hidden(matches, row.local || original!.local)) continue;
    inner.filtered = matches.map(filterResultEntity);
    // The wrapper has its own id (Ivory crashes when it equals the original's) and no content of its own.
    out.set(row.id, {
      ...inner,
      id: String(row.id),
      uri: row.uri,
      url: row.uri,
      created_at: new Date(row.published).toISOString(),
      edited_at: null,
      account: accounts.get(row.actorId)!,
      in_reply_to_id: null,
      in_reply_to_account_id: null,
      visibility: API_VISIBILITY[row.visibility],
      content: "",
      spoiler_text: "",
      sensitive: false,
      media_attachments: [],
      card: null,
      mentions: [],
      tags: [],
      emojis: [],
      reblog: inner,
    });
  }
  const depth = view.quoteDepth ?? 0;
  await attachQuotes(out, { ...quotesOfPage(contentRowsRead), approvals }, { owner: view.owner === true, depth }, (quoted) => statusEntities(s, quoted, { owner: view.owner, quoteDepth: depth + 1 }));
  return out;
}

/** The entities of `rows` in their order. */
export async function statusList(s: Services, rows: StatusRow[], view: StatusView = {}): Promise<StatusEntity[]> {
  const entities = await statusEntities(s, rows, view);
  return rows.flatMap((r) => {
    const e = entities.get(r.id);
    return e ? [e] : [];
  });
}

export async function statusEntity(s: Services, row: StatusRow, view: StatusView = {}): Promise<StatusEntity | null> {
  return (await statusEntities(s, [row], view)).get(row.id) ?? null;
}
