// Atom (RFC 4287) and RSS 2.0 feeds of the owner's public posts, for feed readers: the content
// is the post's HTML (escaped into the XML), a content warning becomes the entry's title.
import type { PagePost } from "../domain/public-posts.ts";
import { escapeHtml } from "../text/html.ts";
import { previewText } from "./post.tsx";
import type { SiteInfo } from "./site.ts";

const x = escapeHtml;
const iso = (ms: number) => new Date(ms).toISOString();

function title(post: PagePost): string {
  const text = previewText(post);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text || "Post";
}

/** A post's HTML with its media as links and images, for readers that show HTML. */
function entryHtml(post: PagePost): string {
  const media = post.media
    .map((m) => ((m.mediaType ?? "").startsWith("image/") ? `<p><img src="${x(m.url)}" alt="${x(m.name ?? "")}"></p>` : `<p><a href="${x(m.url)}">${x(m.name ?? m.url)}</a></p>`))
    .join("");
  return post.summary ? `<p><strong>${x(post.summary)}</strong></p>${post.html}${media}` : `${post.html}${media}`;
}

export function atomFeed(site: SiteInfo, posts: PagePost[], now: number): string {
  const updated = posts.reduce((t, p) => Math.max(t, p.updated ?? p.published), 0) || now;
  const entries = posts.map(
    (p) => `  <entry>
    <id>${x(p.uri)}</id>
    <title>${x(title(p))}</title>
    <link rel="alternate" type="text/html" href="${x(p.url)}"/>
    <published>${iso(p.published)}</published>
    <updated>${iso(p.updated ?? p.published)}</updated>
    <author><name>${x(p.author.name)}</name><uri>${x(p.author.url)}</uri></author>
${p.hashtags.map((t) => `    <category term="${x(t)}"/>\n`).join("")}    <content type="html">${x(entryHtml(p))}</content>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${x(site.lang)}">
  <id>${x(site.profile)}</id>
  <title>${x(`${site.name} (${site.handle})`)}</title>
  <updated>${iso(updated)}</updated>
  <link rel="self" type="application/atom+xml" href="${x(site.feeds.atom)}"/>
  <link rel="alternate" type="text/html" href="${x(site.profile)}"/>
  <author><name>${x(site.name)}</name><uri>${x(site.profile)}</uri></author>
${site.avatar ? `  <icon>${x(site.avatar)}</icon>\n` : ""}${entries.join("\n")}
</feed>
`;
}

export function rssFeed(site: SiteInfo, posts: PagePost[], description: string): string {
  const items = posts.map(
    (p) => `    <item>
      <title>${x(title(p))}</title>
      <link>${x(p.url)}</link>
      <guid isPermaLink="${p.url === p.uri}">${x(p.uri)}</guid>
      <pubDate>${new Date(p.published).toUTCString()}</pubDate>
${p.hashtags.map((t) => `      <category>${x(t)}</category>\n`).join("")}      <description>${x(entryHtml(p))}</description>
    </item>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>${x(`${site.name} (${site.handle})`)}</title>
    <link>${x(site.profile)}</link>
    <description>${x(description || `Public posts of ${site.handle}`)}</description>
    <language>${x(site.lang)}</language>
    <atom:link rel="self" type="application/rss+xml" href="${x(site.feeds.rss)}"/>
${items.join("\n")}
  </channel>
</rss>
`;
}
