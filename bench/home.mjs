// The home timeline's cost. Run: `npm run bench home [requests]`. Writes the "Home timeline"
// section of BENCHMARKS.md.
//
// A fresh local D1 gets 10,000 remote posts from 500 followed accounts (seeded by SQL, as if they
// had arrived through the inbox), then `GET /api/v1/timelines/home?limit=40` is asked N times,
// walking down the pages with max_id and starting over. bench/home-entry.ts wraps the D1 binding
// to count the statements each request runs and the rows they return; the wall time of a request
// inside the Worker (I/O to local SQLite included) is the upper bound of its CPU.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { percentile, provenance, root, writeSection } from "./lib/report.mjs";
import { d1, OWNER_TOKEN, prepareState, startWorker } from "./lib/worker.mjs";

const N = Number(process.argv[2] ?? 200);
const PORT = 8795;
const ACCOUNTS = 500;
const POSTS = 10_000;

const state = await prepareState();
// The Worker under test is the counting wrapper around src/index.ts.
const toml = (await import("node:fs")).readFileSync(state.config, "utf8").replace(/^main = .*$/m, `main = "${path.join(root, "bench/home-entry.ts")}"`);
writeFileSync(state.config, toml);

const now = Date.now();
const lines = [];
for (let a = 0; a < ACCOUNTS; a++) {
  const id = `https://server${a % 50}.example/users/u${a}`;
  const doc = JSON.stringify({ id, type: "Person", preferredUsername: `u${a}`, name: `User ${a}`, inbox: `${id}/inbox`, summary: "<p>bio</p>" }).replace(/'/g, "''");
  lines.push(`INSERT INTO remote_actors (id, type, preferred_username, name, inbox, document, fetched_at) VALUES ('${id}', 'Person', 'u${a}', 'User ${a}', '${id}/inbox', '${doc}', ${now});`);
  lines.push(`INSERT INTO following (actor_id, inbox, follow_activity_id, state) VALUES ('${id}', '${id}/inbox', 'https://roost.example/f/${a}', 'accepted');`);
}
for (let p = 0; p < POSTS; p++) {
  const actor = `https://server${p % 50}.example/users/u${p % ACCOUNTS}`;
  const uri = `${actor}/statuses/${p}`;
  const published = now - (POSTS - p) * 60_000;
  const doc = JSON.stringify({
    id: uri,
    type: "Note",
    attributedTo: actor,
    content: `<p>Post number ${p} with a <a href="https://example.com/${p}">link</a> and some words to make it a realistic size.</p>`,
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${actor}/followers`],
    published: new Date(published).toISOString(),
    tag: [{ type: "Hashtag", name: "#bench", href: "https://example.com/tags/bench" }],
  }).replace(/'/g, "''");
  lines.push(`INSERT INTO remote_objects (id, actor_id, type, document, published) VALUES ('${uri}', '${actor}', 'Note', '${doc}', ${published});`);
  lines.push(`INSERT INTO statuses (id, uri, actor_id, local, visibility, published, home) VALUES (${published * 2048 + (p % 2048)}, '${uri}', '${actor}', 0, 'public', ${published}, 1);`);
}
const seed = path.join(state.dir, "seed.sql");
writeFileSync(seed, lines.join("\n"));
d1(state.dir, state.config, ["execute", "DB", "--file", seed, "--yes"]);

const worker = await startWorker(state, PORT);
const base = `http://127.0.0.1:${PORT}`;
const samples = [];
let maxId = null;
for (let i = 0; i < N + 5; i++) {
  const url = `${base}/api/v1/timelines/home?limit=40${maxId ? `&max_id=${maxId}` : ""}`;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${OWNER_TOKEN}` } });
  const items = await res.json();
  if (!res.ok) throw new Error(`${res.status}: ${JSON.stringify(items)}`);
  maxId = items.length === 40 && i % 10 !== 9 ? items.at(-1).id : null;
  // The first requests warm the isolate and create the accounts' numeric ids; not counted.
  if (i >= 5) samples.push({ statements: Number(res.headers.get("X-D1-Statements")), rows: Number(res.headers.get("X-D1-Rows")), ms: Number(res.headers.get("X-Worker-Ms")), items: items.length });
}
await worker.dispose();

const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const stat = (key) => `${fmt(percentile(samples.map((s) => s[key]), 50))} / ${fmt(percentile(samples.map((s) => s[key]), 99))}`;
writeSection("home", "Home timeline", [
  provenance(),
  "",
  `\`npm run bench home ${N}\`: ${POSTS.toLocaleString("en")} stored posts from ${ACCOUNTS} followed accounts, \`GET /api/v1/timelines/home?limit=40\` ${N} times (pages walked with max_id), the owner token as bearer.`,
  "",
  "| per request (p50 / p99) | value |",
  "|---|---|",
  `| D1 statements | ${stat("statements")} |`,
  `| rows returned by D1 | ${stat("rows")} |`,
  `| wall time inside the Worker, local SQLite I/O included (an upper bound of CPU) | ${stat("ms")} ms |`,
  `| statuses per page | ${stat("items")} |`,
  "",
  "A page's statements: its query, the contents (documents, with the owner's filters, media, polls, cards, emoji reactions, quotes and their counts), the owner's marks (likes, boosts, bookmarks, pins, muted threads, counts, parents) and the accounts. Boosts add one for the originals, accounts shown for the first time one or two for their ids, accepted quotes three to build the quoted statuses (the seeded posts have neither boosts nor quotes).",
  "",
  "Goals from the client API issue: ≤ 5 queries and ≤ 200 rows per page, CPU p50 ≤ 5 ms / p99 ≤ 10 ms.",
]);
console.log(samples.slice(0, 3), "written to BENCHMARKS.md");
