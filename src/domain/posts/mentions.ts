// @user@host mentions: resolved through WebFinger to actors, rendered as Mastodon renders its own
// (an h-card whose link is the profile page), tagged with the actor id. A mention that does not
// resolve stays plain text and is neither tagged nor addressed.
import { resolveHandle } from "../../federation/lookup.ts";
import type { Services } from "../../services.ts";
import { escapeHtml } from "../../text/html.ts";

export interface ResolvedMention {
  /** `@user@host`, lower-cased. */
  handle: string;
  actorId: string;
  /** Profile page, for the link; the actor id when there is none. */
  url: string;
  username: string;
}

/** Each mention costs up to two subrequests; Workers allow 50 per request on the free plan. */
const MAX_MENTIONS = 20;

export async function resolveMentions(ctx: Pick<Services, "db" | "fetcher" | "log">, handles: string[]): Promise<Map<string, ResolvedMention>> {
  const resolved = await Promise.all(
    handles.slice(0, MAX_MENTIONS).map(async (handle): Promise<ResolvedMention | null> => {
      const actor = await resolveHandle(ctx.db, ctx.fetcher, handle);
      if (!actor.ok) {
        ctx.log("publish.mention_unresolved", { handle, reason: actor.reason });
        return null;
      }
      const username = actor.value.preferredUsername ?? handle.split("@")[1]!;
      return { handle, actorId: actor.value.id, url: actor.value.url ?? actor.value.id, username };
    }),
  );
  return new Map(resolved.filter((m) => m !== null).map((m) => [m.handle, m]));
}

export function mentionHtml(mention: ResolvedMention): string {
  return `<span class="h-card" translate="no"><a href="${escapeHtml(mention.url)}" class="u-url mention">@<span>${escapeHtml(mention.username)}</span></a></span>`;
}

export function mentionTag(mention: ResolvedMention) {
  return { type: "Mention", href: mention.actorId, name: mention.handle };
}
