// The public pages from the database, through the read use cases of src/domain/public-posts.ts;
// the components stay free of queries.
import { ownInlineEmojis } from "../domain/custom-emoji.ts";
import { profileTexts } from "../federation/actor.ts";
import type { AppContext } from "../context.ts";
import { servedObject } from "../db/queries/objects.ts";
import { readCounters } from "../db/queries/public.ts";
import { verifiedLinks } from "../domain/link-verification.ts";
import { feedPosts, pinnedPosts, postThread, profilePosts, taggedPosts } from "../domain/public-posts.ts";

import { atomFeed, rssFeed } from "./feeds.ts";
import { htmlPage, Layout } from "./layout.tsx";
import { PostPage } from "./post.tsx";
import { ProfilePage } from "./profile.tsx";
import { siteInfo, siteMeta } from "./site.ts";
import { TagPage } from "./tag.tsx";

/** Posts per page of the profile and tag pages (and entries per feed). */
export const PAGE_SIZE = 20;

/** The `older` cursor: absent (first page), or an index id. */
function olderParam(c: AppContext): number | null | "bad" {
  const raw = c.req.query("older");
  if (raw === undefined) return null;
  return /^\d{1,16}$/.test(raw) ? Number(raw) : "bad";
}

async function notFound(c: AppContext, status: 400 | 404 | 410, message: string) {
  const site = await siteInfo(c.var.services);
  return htmlPage(
    c,
    <Layout title={message} {...siteMeta(site)}>
      <main>
        <h1>{message}</h1>
        <p>
          <a href={site.profile}>{site.name}</a>
        </p>
      </main>
    </Layout>,
    { status },
  );
}

export async function profilePage(c: AppContext) {
  const s = c.var.services;
  const older = olderParam(c);
  if (older === "bad") return notFound(c, 400, "That page does not exist");
  const [site, profile, counters, verified, pinned, page] = await Promise.all([
    siteInfo(s),
    s.profile(),
    readCounters(s.db),
    verifiedLinks(s),
    older === null ? pinnedPosts(s) : [],
    profilePosts(s, older, PAGE_SIZE),
  ]);
  const counts = { posts: Math.max(0, counters.local_posts), following: Math.max(0, counters.following), followers: Math.max(0, counters.followers) };
  const emojis = await ownInlineEmojis(s, profileTexts(profile));
  return htmlPage(
    c,
    <ProfilePage site={site} profile={profile} counts={counts} verified={verified} pinned={pinned} posts={page.posts} older={page.older} later={older !== null} emojis={emojis} />,
  );
}

export async function postPage(c: AppContext) {
  const s = c.var.services;
  const id = s.urls.object(c.req.param("id") ?? "");
  const thread = await postThread(s, id);
  if (!thread) {
    const row = await servedObject(s.db, id);
    return row?.deletedAt ? notFound(c, 410, "This post was deleted") : notFound(c, 404, "No such post");
  }
  return htmlPage(c, <PostPage site={await siteInfo(s)} thread={thread} />);
}

export async function tagPage(c: AppContext) {
  const s = c.var.services;
  // Hono's param() has decoded it already (and keeps a malformed escape such as %FF as it is):
  // decoding again would read `%2523` as `#` and throw on `%FF`.
  const tag = (c.req.param("tag") ?? "").toLowerCase();
  const older = olderParam(c);
  if (older === "bad") return notFound(c, 400, "That page does not exist");
  const [site, page] = await Promise.all([siteInfo(s), taggedPosts(s, tag, older, PAGE_SIZE)]);
  if (!page) return notFound(c, 404, "Not a hashtag");
  return htmlPage(c, <TagPage site={site} tag={tag} url={s.urls.tag(tag)} posts={page.posts} older={page.older} later={older !== null} />);
}

export async function feed(c: AppContext, kind: "atom" | "rss") {
  const s = c.var.services;
  const [site, profile, page] = await Promise.all([siteInfo(s), s.profile(), feedPosts(s, PAGE_SIZE)]);
  const body = kind === "atom" ? atomFeed(site, page.posts, s.now()) : rssFeed(site, page.posts, profile.bio);
  const type = kind === "atom" ? "application/atom+xml; charset=utf-8" : "application/rss+xml; charset=utf-8";
  return c.body(body, 200, { "Content-Type": type, "Cache-Control": "public, max-age=900", "Access-Control-Allow-Origin": "*" });
}


