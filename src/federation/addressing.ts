// Visibility ⇄ to/cc, exactly as Mastodon writes and reads it
// (app/lib/activitypub/tag_manager.rb, app/lib/activitypub/parser/status_parser.rb#visibility).
import { isPublic, PUBLIC_COLLECTION } from "./normalize.ts";

/** Who may see a post or an activity, in Mastodon's four steps. */
export type Visibility = "public" | "unlisted" | "followers" | "direct";

export const VISIBILITIES: readonly Visibility[] = ["public", "unlisted", "followers", "direct"];

/** `recipients`: actor ids (mentioned, the replied-to author, explicitly addressed). */
export function addressing(visibility: Visibility, followersUrl: string, recipients: string[]): { to: string[]; cc: string[] } {
  switch (visibility) {
    case "public":
      return { to: [PUBLIC_COLLECTION], cc: [followersUrl, ...recipients] };
    case "unlisted":
      return { to: [followersUrl], cc: [PUBLIC_COLLECTION, ...recipients] };
    case "followers":
      return { to: [followersUrl], cc: recipients };
    case "direct":
      return { to: recipients, cc: [] };
  }
}

/** The visibility Mastodon would read from this addressing. */
export function visibilityOf(to: string[], cc: string[], followersUrl: string): Visibility {
  if (to.some(isPublic)) return "public";
  if (cc.some(isPublic)) return "unlisted";
  if (to.includes(followersUrl)) return "followers";
  return "direct";
}

/** Who besides the public and our followers is addressed. */
export function actorRecipients(to: string[], cc: string[], followersUrl: string): string[] {
  return [...new Set([...to, ...cc])].filter((r) => !isPublic(r) && r !== followersUrl);
}
