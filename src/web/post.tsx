// A post as the pages show it (profile, tag page, thread) and the permalink page with its thread.
// A content warning folds the body and media into a closed <details>, as Mastodon's web view does.
import { raw } from "hono/html";
import { attachmentKind } from "../domain/post-display.ts";
import { emojifyHtml, emojifyText } from "../text/emoji.ts";
import type { PagePost, PageThread } from "../domain/public-posts.ts";
import type { Attachment, Poll } from "../federation/normalize.ts";
import { InteractForm } from "./interact-form.tsx";
import { Layout } from "./layout.tsx";
import { type SiteInfo, siteMeta } from "./site.ts";

const counted = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

function Media(props: { media: Attachment[] }) {
  if (props.media.length === 0) return null;
  return (
    <div class="media">
      {props.media.map((a) => {
        const kind = attachmentKind(a);
        const label = a.name ?? "";
        if (kind === "image") return <img src={a.url} alt={label} width={a.width ?? undefined} height={a.height ?? undefined} loading="lazy" />;
        if (kind === "video")
          return (
            <video src={a.url} controls preload="metadata" aria-label={label || "Video"} width={a.width ?? undefined} height={a.height ?? undefined}>
              <a href={a.url}>{label || "Video"}</a>
            </video>
          );
        if (kind === "audio")
          return (
            <audio src={a.url} controls preload="metadata" aria-label={label || "Audio"}>
              <a href={a.url}>{label || "Audio"}</a>
            </audio>
          );
        return <a href={a.url}>{label || a.url}</a>;
      })}
    </div>
  );
}

/** A poll's results as the post carries them (a Question's options and votes). */
function PollResults(props: { poll: Poll }) {
  const total = props.poll.options.reduce((n, o) => n + o.votes, 0);
  const closed = props.poll.closed || (props.poll.endTime !== null && props.poll.endTime.getTime() < Date.now());
  return (
    <figure class="poll-results">
      <ul class="poll">
        {props.poll.options.map((o) => (
          <li>
            <label>
              {o.name} <span class="muted">{total > 0 ? `${Math.round((o.votes / total) * 100)}%` : "0%"}</span>
              <br />
              <progress max={Math.max(total, 1)} value={o.votes}>
                {o.votes} votes
              </progress>
            </label>
          </li>
        ))}
      </ul>
      <figcaption class="muted">
        {props.poll.votersCount ?? total} {props.poll.multiple ? "people" : "votes"} · {closed ? "closed" : props.poll.endTime ? `ends ${minute(props.poll.endTime.getTime())}` : "open"}
      </figcaption>
    </figure>
  );
}

/**
 * The preview card of the post's first link: a plain link with the page's image, title and
 * description (all plain text, src/text/link-cards.ts). A player's iframe is left to apps: the
 * pages' CSP allows no frames.
 */
function LinkCard(props: { card: NonNullable<PagePost["card"]> }) {
  const { card } = props;
  const site = card.provider_name || new URL(card.url).hostname;
  return (
    <a class="link-card" href={card.url} rel="noopener nofollow ugc">
      {card.image && <img src={card.image} alt={card.image_description} loading="lazy" width={card.width || undefined} height={card.height || undefined} />}
      <span>
        <span class="muted">{site}</span>
        <strong>{card.title}</strong>
        {card.description && <span class="muted">{card.description}</span>}
      </span>
    </a>
  );
}

function Body(props: { post: PagePost }) {
  const { post } = props;
  const inner = (
    <>
      <div class="content" lang={post.language ?? undefined}>
        {raw(emojifyHtml(post.html, post.emojis))}
      </div>
      {post.poll && <PollResults poll={post.poll} />}
      {post.quote && (
        <p class="muted">
          Quoting <a href={post.quote}>{post.quote}</a>
        </p>
      )}
      {post.sensitive && !post.summary && post.media.length > 0 ? (
        <details>
          <summary>Sensitive media</summary>
          <Media media={post.media} />
        </details>
      ) : (
        <Media media={post.media} />
      )}
      {post.card && post.media.length === 0 && <LinkCard card={post.card} />}
    </>
  );
  if (!post.summary) return inner;
  return (
    <details class="cw">
      <summary>
        <span class="muted">Content warning:</span> {raw(emojifyText(post.summary, post.emojis))}
      </summary>
      {inner}
    </details>
  );
}

export function PostCard(props: { post: PagePost; focus?: boolean; pinned?: boolean }) {
  const { post } = props;
  const a = post.author;
  return (
    <article class={props.focus ? "focus" : props.pinned ? "pinned" : undefined} lang={post.language ?? undefined}>
      {props.pinned && <p class="meta">Pinned post</p>}
      {post.boost && (
        <p class="meta">
          ⟳ <a href={post.boost.by.url}>{raw(emojifyText(post.boost.by.name, post.boost.by.emojis))}</a> boosted · <time datetime={new Date(post.boost.at).toISOString()}>{minute(post.boost.at)}</time>
        </p>
      )}
      <div class="by">
        {a.avatar && <img class="avatar small" src={a.avatar} alt="" width={40} height={40} loading="lazy" />}
        <p>
          <a href={a.url}>
            <strong>{raw(emojifyText(a.name, a.emojis))}</strong>
          </a>{" "}
          <span class="muted">{a.handle}</span>
        </p>
      </div>
      {post.inReplyTo && (
        <p class="meta">
          ↩ In reply to <a href={post.inReplyTo}>{post.inReplyTo.replace(/^https?:\/\//, "")}</a>
        </p>
      )}
      <Body post={post} />
      <p class="meta">
        <a href={post.url}>
          <time datetime={new Date(post.published).toISOString()}>{minute(post.published)}</time>
        </a>
        {post.updated && ` · edited ${minute(post.updated)}`} · {counted(post.counts.replies, "reply", "replies")} · {counted(post.counts.boosts, "boost", "boosts")} ·{" "}
        {counted(post.counts.likes, "like", "likes")}
      </p>
    </article>
  );
}

/** "Newest posts · Older posts" under a list: `older` is the next page's cursor (null on the last page). */
export function PageNav(props: { url: string; older: number | null; later: boolean }) {
  return (
    <nav class="pages" aria-label="Pages">
      {props.later && <a href={props.url}>Newest posts</a>}
      {props.later && props.older !== null && " · "}
      {props.older !== null && (
        <a href={`${props.url}?older=${props.older}`} rel="next">
          Older posts
        </a>
      )}
    </nav>
  );
}

/** Plain text of a post for previews: the CW if any (the body stays hidden), else the content without tags. */
export function previewText(post: PagePost): string {
  if (post.summary) return `Content warning: ${post.summary}`;
  const text = post.html
    .replace(/<br\s*\/?>|<\/p>/gi, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

export function PostPage(props: { site: SiteInfo; thread: PageThread }) {
  const { site, thread } = props;
  const { post } = thread;
  const image = post.sensitive ? null : (post.media.find((m) => attachmentKind(m) === "image")?.url ?? site.avatar);
  return (
    <Layout
      {...siteMeta(site)}
      title={`${post.author.name}: “${previewText(post).slice(0, 60)}”`}
      lang={post.language ?? site.lang}
      description={previewText(post)}
      canonical={post.url}
      activity={post.uri}
      ogType="article"
      image={image}
    >
      <main>
        <p class="meta">
          <a href={site.profile}>← {site.name}</a>
        </p>
        {thread.ancestors.length > 0 && (
          <section class="context" aria-label="Earlier in the thread">
            {thread.ancestors.map((p) => (
              <PostCard post={p} />
            ))}
          </section>
        )}
        <PostCard post={post} focus />
        <InteractForm intents={["reply", "boost", "like"]} object={post.uri} />
        {thread.replies.length > 0 && (
          <section aria-labelledby="replies">
            <h2 id="replies">Replies</h2>
            {thread.replies.map((p) => (
              <PostCard post={p} />
            ))}
          </section>
        )}
      </main>
    </Layout>
  );
}
