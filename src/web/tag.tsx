// /tags/:tag — the owner's public posts with a hashtag (our hashtag links point here).
import type { PagePost } from "../domain/public-posts.ts";
import { Layout } from "./layout.tsx";
import { PageNav, PostCard } from "./post.tsx";
import { type SiteInfo, siteMeta } from "./site.ts";

export function TagPage(props: { site: SiteInfo; tag: string; url: string; posts: PagePost[]; older: number | null; later: boolean }) {
  const { site, tag } = props;
  return (
    <Layout
      {...siteMeta(site)}
      title={`#${tag} · ${site.name}`}
      description={`Posts of ${site.handle} tagged #${tag}`}
      canonical={props.url}
      ogType="website"
      image={site.avatar}
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
        <PageNav url={props.url} older={props.older} later={props.later} />
      </main>
    </Layout>
  );
}
