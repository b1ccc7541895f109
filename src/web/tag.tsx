// /tags/:tag — the owner's public posts with a hashtag (our hashtag links point here).
import type { PagePost } from "../domain/public-posts.ts";
import { Layout } from "./layout.tsx";
import { PostCard } from "./post.tsx";
import type { SiteInfo } from "./site.ts";

export function TagPage(props: { site: SiteInfo; tag: string; url: string; posts: PagePost[]; older: number | null; later: boolean }) {
  const { site, tag } = props;
  return (
    <Layout
      title={`#${tag} · ${site.name}`}
      lang={site.lang}
      description={`Posts of ${site.handle} tagged #${tag}`}
      canonical={props.url}
      activity={site.actor}
      ogType="website"
      image={site.avatar}
      creator={site.handle}
      feeds={site.feeds}
      siteName={site.name}
      icon={site.avatar}
    >
      <main>
        <p class="meta">
          <a href={site.profile}>← {site.name}</a>
        </p>
        <h1>#{tag}</h1>
        <p class="muted">Public posts of {site.handle} with this hashtag.</p>
        {props.posts.length === 0 && <p>No posts with this hashtag yet.</p>}
        {props.posts.map((p) => (
          <PostCard post={p} />
        ))}
        <nav class="pages" aria-label="Pages">
          {props.later && <a href={props.url}>Newest posts</a>}
          {props.later && props.older !== null && " · "}
          {props.older !== null && (
            <a href={`${props.url}?older=${props.older}`} rel="next">
              Older posts
            </a>
          )}
        </nav>
      </main>
    </Layout>
  );
}
