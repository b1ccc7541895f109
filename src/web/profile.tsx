// The owner's profile page, served to browsers at the actor URL and at /@username: header,
// avatar, name, handle (with a copy button once the script runs), bio, fields with rel="me" links
// and their verified marks, counts, the follow form, pinned posts, then posts newest first.
import { raw } from "hono/html";
import type { Profile } from "../config.ts";
import type { PagePost } from "../domain/public-posts.ts";
import { fieldLink } from "../domain/link-verification.ts";
import { type InlineEmoji, emojifyHtml, emojifyText } from "../text/emoji.ts";
import { linkify, textToHtml } from "../text/html.ts";
import { InteractForm } from "./interact-form.tsx";
import { Layout } from "./layout.tsx";
import { PageNav, PostCard } from "./post.tsx";
import { type SiteInfo, siteMeta } from "./site.ts";

export interface ProfileView {
  site: SiteInfo;
  profile: Profile;
  counts: { posts: number; following: number; followers: number };
  /** Field URL → when it was verified. */
  verified: Map<string, number>;
  pinned: PagePost[];
  posts: PagePost[];
  /** The `older` link's cursor, or null on the last page. */
  older: number | null;
  /** Whether this is a later page (reached through `older`). */
  later: boolean;
  /** The owner's custom emoji the name, bio and fields use. */
  emojis: InlineEmoji[];
}

const plain = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 200);

export function ProfilePage(props: ProfileView) {
  const { site, profile, counts } = props;
  return (
    <Layout
      {...siteMeta(site)}
      title={`${profile.displayName} (${site.handle})`}
      description={plain(profile.bio)}
      canonical={site.profile}
      ogType="profile"
      image={profile.avatarUrl}
    >
      <div class="top">
        {profile.headerUrl ? <img class="banner" src={profile.headerUrl} alt={`Header image of ${profile.displayName}`} /> : <div class="banner" />}
        <header>
          {profile.avatarUrl && <img class="avatar" src={profile.avatarUrl} alt={`Avatar of ${profile.displayName}`} width={96} height={96} />}
          <div>
            <h1>{raw(emojifyText(profile.displayName, props.emojis))}</h1>
            <p class="handle">
              <input id="handle" readonly value={site.handle} aria-label="Handle" size={site.handle.length + 1} />
              <button type="button" class="plain" data-copy="handle" hidden>
                Copy
              </button>
              {profile.bot && <span class="muted">Automated account</span>}
            </p>
          </div>
        </header>
        <div class="bio">{raw(emojifyHtml(textToHtml(profile.bio), props.emojis))}</div>
        {profile.fields.length > 0 && (
          <dl class="fields">
            {profile.fields.map((f) => {
              const link = fieldLink(f.value);
              const verifiedAt = link ? props.verified.get(link) : undefined;
              return (
                <>
                  <dt>{raw(emojifyText(f.name, props.emojis))}</dt>
                  <dd class={verifiedAt ? "verified" : undefined}>
                    {verifiedAt && (
                      <span title={`Verified ${new Date(verifiedAt).toISOString().slice(0, 10)}: the page links back here`} aria-label="Verified link">
                        ✓{" "}
                      </span>
                    )}
                    {raw(emojifyHtml(linkify(f.value, "me nofollow noopener noreferrer"), props.emojis))}
                  </dd>
                </>
              );
            })}
          </dl>
        )}
        <ul class="counts">
          <li>
            <strong>{counts.posts}</strong> posts
          </li>
          <li>
            <strong>{counts.following}</strong> following
          </li>
          <li>
            <strong>{counts.followers}</strong> followers
          </li>
        </ul>
        <section aria-labelledby="follow">
          <h2 id="follow">Follow from your server</h2>
          <InteractForm intents={["follow"]} object={site.actor} />
          <p class="muted">Or search for {site.handle} in your app.</p>
        </section>
      </div>
      <main>
        {!props.later && props.pinned.length > 0 && (
          <section aria-labelledby="pinned">
            <h2 id="pinned">Pinned</h2>
            {props.pinned.map((p) => (
              <PostCard post={p} pinned />
            ))}
          </section>
        )}
        <section aria-labelledby="posts">
          <h2 id="posts">Posts</h2>
          {props.posts.length === 0 && <p class="muted">Nothing here yet.</p>}
          {props.posts.map((p) => (
            <PostCard post={p} />
          ))}
        </section>
        <PageNav url={site.profile} older={props.older} later={props.later} />
      </main>
      <footer>
        Feeds: <a href={site.feeds.atom}>Atom</a> · <a href={site.feeds.rss}>RSS</a>
      </footer>
    </Layout>
  );
}
