// #hashtags: a link Mastodon recognises as a hashtag, and the Hashtag tag it indexes the post by.
import { escapeHtml } from "../../text/html.ts";

export function hashtagHtml(name: string, href: string): string {
  return `<a href="${escapeHtml(href)}" class="mention hashtag" rel="tag">#<span>${escapeHtml(name)}</span></a>`;
}

export function hashtagTag(name: string, href: string) {
  return { type: "Hashtag", href, name: `#${name}` };
}

/** A hashtag as matched and stored (lowercase, without `#`), or null when `tag` cannot be one. */
export function hashtagKey(tag: string): string | null {
  const name = tag.replace(/^#/, "").toLowerCase();
  return /^[\p{L}\p{N}_]{1,100}$/u.test(name) ? name : null;
}
