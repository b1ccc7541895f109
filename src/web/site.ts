// What every public page says about the site: the owner's name, handle and avatar, the feeds.
import type { Services } from "../services.ts";

export interface SiteInfo {
  name: string;
  /** `@user@handle-domain`. */
  handle: string;
  profile: string;
  actor: string;
  avatar: string | null;
  lang: string;
  feeds: { atom: string; rss: string };
}

export async function siteInfo(s: Services): Promise<SiteInfo> {
  const profile = await s.profile();
  return {
    name: profile.displayName,
    handle: `@${s.config.username}@${s.config.handleDomain}`,
    profile: s.urls.profile,
    actor: s.urls.actor,
    avatar: profile.avatarUrl,
    lang: profile.defaultLanguage ?? "en",
    feeds: { atom: `${s.urls.profile}/feed.atom`, rss: `${s.urls.profile}/feed.rss` },
  };
}

/** The meta every page of the site carries (Layout props): language, author, feeds, name, icon. */
export function siteMeta(site: SiteInfo) {
  return { lang: site.lang, creator: site.handle, feeds: site.feeds, siteName: site.name, icon: site.avatar, activity: site.actor };
}
