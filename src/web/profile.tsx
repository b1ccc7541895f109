// The owner's profile page, served to browsers at the actor URL and at /@username.
import { raw } from "hono/html";
import type { Config, Profile } from "../config.ts";
import type { LocalUrls } from "../federation/urls.ts";
import { linkify, textToHtml } from "../text/html.ts";
import { Layout } from "./layout.tsx";

export interface ProfilePost {
  permalink: string;
  contentHtml: string;
  summary: string | null;
  published: number;
}

export function ProfilePage(props: { config: Config; profile: Profile; urls: LocalUrls; followers: number; posts: ProfilePost[] }) {
  const { config, profile, urls } = props;
  const handle = `@${config.username}@${config.handleDomain}`;
  return (
    <Layout title={`${profile.displayName} (${handle})`} alternate={urls.actor}>
      <header>
        {profile.avatarUrl && <img class="avatar" src={profile.avatarUrl} alt="" />}
        <h1>{profile.displayName}</h1>
        <p class="meta">
          {handle} · {props.followers} followers
        </p>
        {raw(textToHtml(profile.bio))}
        {profile.fields.length > 0 && (
          <dl>
            {profile.fields.map((f) => (
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
