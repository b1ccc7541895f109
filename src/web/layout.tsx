// The HTML shell of every public page: the served stylesheet, the meta tags other apps unfurl
// links with (OpenGraph, Twitter card, fediverse:creator), the ActivityStreams and feed
// alternates, and the one inline script (copy buttons). Readable without CSS and without script.
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { AppContext } from "../context.ts";
import { MISSING_IMAGE_PATH } from "../federation/urls.ts";
import { PAGE_SCRIPT, pageScriptSource, STYLESHEET_PATH } from "./assets.ts";
import { ownerPagePolicy, publicPagePolicy } from "./security.ts";

export interface PageMeta {
  title: string;
  /** The page's language (the owner's default language, else en). */
  lang?: string;
  /** Plain text, for search results and link previews. */
  description?: string;
  /** This page's own URL. */
  canonical?: string;
  /** The same thing as ActivityStreams (the actor, the Note). */
  activity?: string;
  ogType?: "profile" | "article" | "website";
  image?: string | null;
  /** `@user@host`: Mastodon shows the author under a link preview that names them. */
  creator?: string;
  feeds?: { atom: string; rss: string };
  siteName?: string;
  /** The tab icon: the owner's avatar (browsers ask for /favicon.ico without one). */
  icon?: string | null;
}

export function Layout(props: PageMeta & { children: Child }) {
  return (
    <html lang={props.lang ?? "en"}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={STYLESHEET_PATH} />
        <link rel="icon" href={props.icon ?? MISSING_IMAGE_PATH} />
        {props.description !== undefined && <meta name="description" content={props.description} />}
        {props.canonical && <link rel="canonical" href={props.canonical} />}
        {props.activity && <link rel="alternate" type="application/activity+json" href={props.activity} />}
        {props.feeds && <link rel="alternate" type="application/atom+xml" title="Atom" href={props.feeds.atom} />}
        {props.feeds && <link rel="alternate" type="application/rss+xml" title="RSS" href={props.feeds.rss} />}
        {props.siteName && <meta property="og:site_name" content={props.siteName} />}
        <meta property="og:title" content={props.title} />
        {props.ogType && <meta property="og:type" content={props.ogType} />}
        {props.canonical && <meta property="og:url" content={props.canonical} />}
        {props.description !== undefined && <meta property="og:description" content={props.description} />}
        {props.image && <meta property="og:image" content={props.image} />}
        <meta name="twitter:card" content={props.image && props.ogType === "article" ? "summary_large_image" : "summary"} />
        {props.creator && <meta name="fediverse:creator" content={props.creator} />}
      </head>
      <body>
        {props.children}
        <script>{raw(PAGE_SCRIPT)}</script>
      </body>
    </html>
  );
}

/**
 * Answers a page with the public pages' CSP and a short browser cache (`maxAge` seconds, 0: none): the
 * server-side cache is invalidated on change (public-cache.ts), a browser's copy only ages out.
 */
export async function htmlPage(
  c: AppContext,
  page: Child,
  options: { status?: 200 | 400 | 401 | 403 | 404 | 409 | 410 | 422 | 429 | 502; maxAge?: number; owner?: boolean } = {},
) {
  const status = options.status ?? 200;
  const res = c.html(`<!doctype html>${String(await page)}`, status);
  const script = await pageScriptSource();
  // The owner's pages (the dashboard): forms only to us, and never kept by a cache on the way.
  res.headers.set("Content-Security-Policy", options.owner ? ownerPagePolicy(script) : publicPagePolicy(script, c.var.services.config.localDev));
  const maxAge = options.owner ? 0 : (options.maxAge ?? 60);
  res.headers.set("Cache-Control", options.owner ? "private, no-store" : status === 200 && maxAge > 0 ? `public, max-age=${maxAge}` : "no-store");
  return res;
}
