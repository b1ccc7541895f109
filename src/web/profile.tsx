// The owner's profile page, served to browsers at the actor URL and at /@username.
import { raw } from "hono/html";
import type { Config } from "../config.ts";
import type { LocalUrls } from "../federation/urls.ts";
import { linkify, textToHtml } from "../text/html.ts";
import { Layout } from "./layout.tsx";

export interface ProfilePost {
  permalink: string;
  contentHtml: string;
  summary: string | null;
  published: number;
}

export function ProfilePage(props: { config: Config; urls: LocalUrls; followers: number; posts: ProfilePost[] }) {
  const { config, urls } = props;
  const handle = `@${config.username}@${config.handleDomain}`;
  return (
    <Layout title={`${config.displayName} (${handle})`} alternate={urls.actor}>
      <header>
        {config.avatarUrl && <img class="avatar" src={config.avatarUrl} alt="" />}
        <h1>{config.displayName}</h1>
        <p class="meta">
          {handle} · {props.followers} followers
        </p>
        {raw(textToHtml(config.bio))}
        {config.fields.length > 0 && (
          <dl>
            {config.fields.map((f) => (
              <>
                <dt>{f.name}</dt>
                <dd>{raw(linkify(f.value, "me nofollow noopener noreferrer"))}</dd>
              </>
            ))}
          </dl>
        )}
      </header>
      <main>
        {props.posts.map((post) => (
          <article>
            {post.summary ? (
              <details>
                <summary>{post.summary}</summary>
                {raw(post.contentHtml)}
              </details>
            ) : (
              raw(post.contentHtml)
            )}
            <p class="meta">
              <a href={post.permalink}>{new Date(post.published).toISOString().slice(0, 16).replace("T", " ")}</a>
            </p>
          </article>
        ))}
      </main>
    </Layout>
  );
}
