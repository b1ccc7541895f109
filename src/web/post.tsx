// A post's permalink page for browsers: the content warning folds the body, as on Mastodon.
// The HTML is our own renderer's output (src/publish/markdown.ts), so it is inserted as is.
import { raw } from "hono/html";
import type { Config, Profile } from "../config.ts";
import type { LocalUrls } from "../federation/urls.ts";
import { Layout } from "./layout.tsx";

export interface PostView {
  id: string;
  permalink: string;
  contentHtml: string;
  summary: string | null;
  inReplyTo: string | null;
  published: string;
  updated: string | null;
  likes: number;
  shares: number;
}

const minute = (iso: string) => iso.slice(0, 16).replace("T", " ");

export function PostPage(props: { config: Config; profile: Profile; urls: LocalUrls; post: PostView }) {
  const { config, profile, urls, post } = props;
  const handle = `@${config.username}@${config.handleDomain}`;
  return (
    <Layout title={`${profile.displayName}: ${post.summary ?? "post"}`} alternate={post.id}>
      <article>
        <p class="meta">
          <a href={urls.profile}>{profile.displayName}</a> {handle}
          {post.inReplyTo && (
            <>
              {" · in reply to "}
              <a href={post.inReplyTo}>{post.inReplyTo}</a>
            </>
          )}
        </p>
        {post.summary ? (
          <details>
            <summary>{post.summary}</summary>
            {raw(post.contentHtml)}
          </details>
        ) : (
          raw(post.contentHtml)
        )}
        <p class="meta">
          <a href={post.permalink}>
            <time datetime={post.published}>{minute(post.published)}</time>
          </a>
          {post.updated && ` · edited ${minute(post.updated)}`} · {post.likes} likes · {post.shares} boosts
        </p>
      </article>
    </Layout>
  );
}
