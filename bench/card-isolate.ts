// The `card` job's computing part, for bench/card-cpu.mjs: a page read by HTMLRewriter for its
// tags, and the card built, `n` times per request. The Node side reads workerd's CPU time around
// the request (workerd's own clock moves only at I/O).
import { buildCard, pageMeta } from "../src/text/link-cards.ts";

/** A news-like page of about `kib` KiB: tags, a script and a style in the head (unless `headless`), then nested markup and links. */
function page(kib: number, headless: boolean): Uint8Array {
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A page</title>
    <meta property="og:title" content="A long article &amp; more"><meta property="og:description" content="What it is about">
    <meta property="og:image" content="/i.jpg"><meta property="og:site_name" content="Site">
    <script>${"var x = 1; ".repeat(2000)}</script><style>${".a{color:red} ".repeat(2000)}</style>${headless ? "" : "</head><body>"}`;
  const block = `<div class="story"><h2><a href="/story/1">A headline with some words</a></h2><p>Paragraph text with <em>emphasis</em>, <a href="https://example.com/x">a link</a> and more words to read.</p><img src="/p.jpg" alt="a picture"></div>\n`;
  let body = head;
  while (body.length < kib * 1024) body += block;
  return new TextEncoder().encode(`${body}</body></html>`);
}

export default {
  async fetch(request: Request): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const bytes = page(Number(params.get("kib") ?? "500"), params.get("headless") === "1");
    const n = Number(params.get("n") ?? "0");
    let titled = 0;
    for (let i = 0; i < n; i++) if ((await buildCard("https://news.example/a", "https://news.example/a", await pageMeta(bytes), null, null))?.title) titled++;
    return Response.json({ bytes: bytes.length, titled });
  },
};
