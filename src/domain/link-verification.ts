// Verified profile links, as Mastodon marks them: a field whose value is a link is verified when
// the linked page links back to the profile (or the actor) with rel="me". Checked in the queue
// (`verify_links`, after a profile change and daily from the cron), never while a page renders.
import { notInArray } from "drizzle-orm";
import { profileLinks } from "../db/schema.ts";
import { readBounded, safeFetch } from "../federation/fetch.ts";
import type { Services } from "../services.ts";

// Mastodon reads at most 1 MB of the linked page and checks at most the profile's fields.
const MAX_PAGE_BYTES = 1_000_000;
const MAX_LINKS = 10;

/** The URL a field's value is, when the whole value is one link (Mastodon verifies only those). */
export function fieldLink(value: string): string | null {
  const text = value.trim();
  if (!/^https?:\/\/\S+$/i.test(text)) return null;
  try {
    return new URL(text).href;
  } catch {
    return null;
  }
}

/** The hrefs of the rel="me" links and anchors of an HTML page. */
async function relMeLinks(html: Uint8Array, base: string): Promise<string[]> {
  const hrefs: string[] = [];
  const collect = {
    element(element: Element) {
      const href = element.getAttribute("href");
      if (!href) return;
      try {
        hrefs.push(new URL(href, base).href);
      } catch {
        // not a URL: not a link back
      }
    },
  };
  await new HTMLRewriter().on('a[rel~="me" i]', collect).on('link[rel~="me" i]', collect).transform(new Response(html)).arrayBuffer();
  return hrefs;
}

/** Whether the page at `url` links back to us with rel="me". */
async function linksBack(s: Services, url: string): Promise<boolean> {
  const fetched = await safeFetch(url, { headers: { Accept: "text/html", "User-Agent": `Roost (+${s.urls.origin})` } }, s.fetcher.policy);
  if (!fetched.ok) return false;
  const response = fetched.value;
  if (response.status !== 200 || !(response.headers.get("Content-Type") ?? "").toLowerCase().includes("html")) {
    await response.body?.cancel();
    return false;
  }
  const body = await readBounded(response, MAX_PAGE_BYTES);
  if (!body.ok) return false;
  const ours = new Set([s.urls.profile, s.urls.actor]);
  return (await relMeLinks(body.value, url)).some((href) => ours.has(href.replace(/\/$/, "")));
}

/** Checks every link field of the profile; rows of links no longer in the profile go. */
export async function verifyProfileLinks(s: Services): Promise<{ checked: number; verified: number }> {
  const profile = await s.profile();
  const links = [...new Set(profile.fields.flatMap((f) => fieldLink(f.value) ?? []))].slice(0, MAX_LINKS);
  const known = new Map((await s.db.select().from(profileLinks)).map((r) => [r.url, r]));
  let verified = 0;
  for (const url of links) {
    const ok = await linksBack(s, url);
    if (ok) verified++;
    const verifiedAt = ok ? (known.get(url)?.verifiedAt ?? s.now()) : null;
    await s.db
      .insert(profileLinks)
      .values({ url, verifiedAt, checkedAt: s.now() })
      .onConflictDoUpdate({ target: profileLinks.url, set: { verifiedAt, checkedAt: s.now() } });
  }
  await s.db.delete(profileLinks).where(links.length > 0 ? notInArray(profileLinks.url, links) : undefined);
  s.log("profile.links_checked", { checked: links.length, verified });
  return { checked: links.length, verified };
}

/** When each verified link of the profile was verified. */
export async function verifiedLinks(s: Services): Promise<Map<string, number>> {
  const rows = await s.db.select().from(profileLinks);
  return new Map(rows.flatMap((r) => (r.verifiedAt !== null ? [[r.url, r.verifiedAt] as const] : [])));
}
