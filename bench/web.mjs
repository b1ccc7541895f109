// The public pages' cost (#13). Run: `npm run bench web [fetches]`. Writes the "Web pages"
// section of BENCHMARKS.md.
//
// A fresh local D1; the owner's profile gets fields and 20 posts (one pinned, one with a content
// warning, some with hashtags) through the Mastodon API, as an app makes them. Then:
//   - page weight: the profile's HTML and its stylesheet, each gzip-compressed (as served);
//   - D1 rows per uncached profile render, by Roost's own meter (GET /api/roost/usage before and
//     after, less what a usage request reads itself): each render gets a URL never asked before,
//     so the Cache API misses;
//   - the share of N fetches of one post's link (10 at a time, as servers unfurling a shared link
//     do) served from the Cache API (X-Roost-Cache: hit);
//   - the owner's dashboard (/dashboard, signed in with the owner token as a browser does): its
//     HTML gzip-compressed, and D1 rows per render by the same meter (it is never cached).
import { gzipSync } from "node:zlib";
import { percentile, provenance, writeSection } from "./lib/report.mjs";
import { meterUsage, OWNER_TOKEN, ownerPost, prepareState, startWorker } from "./lib/worker.mjs";

const N = Number(process.argv[2] ?? 1000);
const PORT = 8797;
const RENDERS = 20;
const base = `http://127.0.0.1:${PORT}`;

const worker = await startWorker(await prepareState(), PORT);
const asOwner = (init = {}) => ({ ...init, headers: { Authorization: `Bearer ${OWNER_TOKEN}`, "Content-Type": "application/json", ...init.headers } });
try {
  await fetch(
    `${base}/api/v1/accounts/update_credentials`,
    asOwner({
      method: "PATCH",
      body: JSON.stringify({
        display_name: "Robin Roost",
        note: "Writing about birds, small servers and the open web.",
        fields_attributes: [
          { name: "Home", value: "https://example.com" },
          { name: "Pronouns", value: "they/them" },
        ],
      }),
    }),
  );
  let first = null;
  for (let i = 0; i < 20; i++) {
    const text =
      i === 5
        ? "The last chapter reveals who built the nest, and why it matters for the rest of the series."
        : `Post ${i}: a note of ordinary length about the garden, the feeder and the birds that visit it in the morning. #birds${i % 3 === 0 ? " #garden" : ""}`;
    const res = await fetch(`${base}/api/v1/statuses`, asOwner({ method: "POST", body: JSON.stringify(i === 5 ? { status: text, spoiler_text: "book ending" } : { status: text }) }));
    const status = await res.json();
    first ??= status;
  }
  await fetch(`${base}/api/v1/statuses/${first.id}/pin`, asOwner({ method: "POST" }));
  const postPath = new URL(first.uri).pathname.replace("/objects/", "/@me/");

  // Page weight.
  const html = await (await fetch(`${base}/@me`)).text();
  const cssPath = /<link rel="stylesheet" href="([^"]+)"/.exec(html)[1];
  const css = await (await fetch(`${base}${cssPath}`)).text();
  const articles = (html.match(/<article/g) ?? []).length;
  const htmlGzip = gzipSync(html).length;
  const cssGzip = gzipSync(css).length;

  // D1 rows per uncached render, by the meter.
  const usageCost = async () => {
    const a = await meterUsage(base);
    const b = await meterUsage(base);
    return b.d1RowsRead - a.d1RowsRead;
  };
  const selfCost = await usageCost();
  const rows = [];
  const times = [];
  for (let i = 0; i < RENDERS; i++) {
    const before = await meterUsage(base);
    const t = performance.now();
    const res = await fetch(`${base}/@me?bench=${i}`);
    await res.text();
    times.push(performance.now() - t);
    if (res.headers.get("X-Roost-Cache")) throw new Error("expected a cache miss");
    const after = await meterUsage(base);
    rows.push(after.d1RowsRead - before.d1RowsRead - selfCost);
  }

  // A shared link fetched N times.
  let hits = 0;
  let next = 0;
  const fetchOne = async () => {
    while (next < N) {
      next++;
      const res = await fetch(`${base}${postPath}`, { headers: { "User-Agent": "bench (link preview)" } });
      await res.arrayBuffer();
      if (res.headers.get("X-Roost-Cache") === "hit") hits++;
    }
  };
  await Promise.all(Array.from({ length: 10 }, fetchOne));

  // The dashboard, signed in as a browser is: the sign-in form, then the session cookie.
  const signedIn = await fetch(`${base}/oauth/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base },
    body: new URLSearchParams({ token: OWNER_TOKEN, next: "/dashboard" }),
  });
  const cookie = (signedIn.headers.get("Set-Cookie") ?? "").split(";")[0];
  if (signedIn.status !== 303 || !cookie) throw new Error(`sign-in answered ${signedIn.status}`);
  const dashboardHtml = await (await fetch(`${base}/dashboard`, { headers: { Cookie: cookie } })).text();
  if (!dashboardHtml.includes('id="usage"')) throw new Error("the dashboard did not render");
  const dashboardGzip = gzipSync(dashboardHtml).length;
  const dashboardRows = [];
  for (let i = 0; i < RENDERS; i++) {
    const before = await meterUsage(base);
    await (await fetch(`${base}/dashboard`, { headers: { Cookie: cookie } })).text();
    const after = await meterUsage(base);
    dashboardRows.push(after.d1RowsRead - before.d1RowsRead - selfCost);
  }

  const kib = (n) => (n / 1024).toFixed(1);
  const lines = [
    provenance(),
    "",
    `\`npm run bench web ${N}\`: a fresh local D1, a profile with two fields and 20 posts (one pinned, one behind a content warning), made through the Mastodon API; the real Worker on local workerd (\`wrangler dev\`).`,
    "",
    "| measure | value |",
    "|---|---|",
    `| profile page (${articles} posts shown, pinned included): HTML, gzip | ${kib(htmlGzip)} KiB (${kib(html.length)} KiB raw) |`,
    `| the stylesheet (one for every page, cached a year), gzip | ${kib(cssGzip)} KiB (${kib(css.length)} KiB raw) |`,
    `| HTML + CSS, gzip | **${kib(htmlGzip + cssGzip)} KiB** (goal ≤ 30 KiB) |`,
    `| D1 rows read per uncached profile render (p50 / max of ${RENDERS}, Roost's meter) | ${percentile(rows, 50)} / ${Math.max(...rows)} |`,
    `| wall time of an uncached profile render, from the client, local SQLite (p50 / p99) | ${percentile(times, 50).toFixed(0)} / ${percentile(times, 99).toFixed(0)} ms |`,
    `| ${N} fetches of one post's link, 10 at a time: served from the Cache API | ${hits} (${((hits / N) * 100).toFixed(1)} %) |`,
    `| owner's dashboard (signed in; 5 latest posts' deliveries and every section): HTML, gzip | ${kib(dashboardGzip)} KiB (${kib(dashboardHtml.length)} KiB raw); with the CSS **${kib(dashboardGzip + cssGzip)} KiB** |`,
    `| D1 rows read per dashboard render (p50 / max of ${RENDERS}, Roost's meter; never cached) | ${percentile(dashboardRows, 50)} / ${Math.max(...dashboardRows)} |`,
    "",
    "An uncached profile render is 12 D1 statements in 4 rounds: the cache version; the counters, the profile, the verified links, the pins and the page of index rows; then the pinned and the listed posts' contents (with their authors) and counts, side by side. Its rows are bounded by the page size, not by the number of posts.",
    "",
    "The dashboard here has no followers, requests, blocks or aliases, so its rows are its fixed cost: the session check reads nothing (an HMAC of the cookie), and each section is one or two bounded statements (the 5 latest index rows and each one's activity and fanout rows, the troubled-server list, up to 40 requests, 20 notifications, the blocks, the apps and their tokens, today's usage, the aliases and the move); a server in trouble adds one Durable Object request, a failing server of a listed post one more.",
    "",
    "A hit reads one D1 row (the `public_version` counter) and renders nothing. Local workerd has a working Cache API; on a `*.workers.dev` deployment Cloudflare ignores it and every fetch costs a render (src/public-cache.ts).",
  ];
  writeSection("web", "Web pages", lines);
  console.log(lines.join("\n"));
} finally {
  await worker.dispose();
}
