// D1 rows written and bytes stored per 1,000 inbox activities of each common type, before and
// after the inbox hardening (#8). Run: `npx node bench/inbox-storage.mjs [n] [before-commit]`
// (default 1000 and 00e425f, main before #8). Writes the "Inbox storage" section of BENCHMARKS.md.
//
// Each commit runs on local workerd with its own fresh D1 and the queue consumer on. SQLite
// triggers on every table count the rows inserted, updated and deleted (D1 meters the same rows;
// each index adds to its meter, not to these counts); stored bytes are the sum of every column's
// length over every table, so both include whatever the handling wrote (followers, Accepts sent,
// notifications, cached actors). The Node peer serves the senders' actors and takes the Accepts.
import { createHash, createSign, generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { provenance, writeSection } from "./lib/report.mjs";
import { committedSource, d1, ownerPost, prepareState, startWorker } from "./lib/worker.mjs";

const N = Number(process.argv[2] ?? 1000);
const BEFORE = process.argv[3] ?? "00e425f";
const PORT = 8795;
const PEER_PORT = 9305;
const PEER = `http://127.0.0.1:${PEER_PORT}`;
const AS = "https://www.w3.org/ns/activitystreams";

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = publicKey.export({ type: "spki", format: "pem" });
const peer = createServer((req, res) => {
  if (req.method === "POST") {
    req.resume();
    res.writeHead(202).end();
    return;
  }
  const id = `${PEER}${req.url}`;
  res.writeHead(200, { "Content-Type": "application/activity+json" });
  res.end(JSON.stringify({ "@context": [AS, "https://w3id.org/security/v1"], id, type: "Person", inbox: `${id}/inbox`, publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: pem } }));
}).listen(PEER_PORT, "127.0.0.1");

function sql(state, query) {
  const out = d1(state.dir, state.config, ["execute", "DB", "--json", "--command", query]);
  return JSON.parse(out)[0].results;
}

/** Write counters on every table, and the query that reads writes, bytes and the queue backlog. */
function instrument(state) {
  const tables = sql(state, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'").map((r) => r.name);
  const statements = ["CREATE TABLE bench_writes (n INTEGER NOT NULL);", "INSERT INTO bench_writes VALUES (0);"];
  const sums = [];
  for (const table of tables) {
    for (const event of ["INSERT", "UPDATE", "DELETE"]) {
      statements.push(`CREATE TRIGGER bench_${event.toLowerCase()}_${table} AFTER ${event} ON ${table} BEGIN UPDATE bench_writes SET n = n + 1; END;`);
    }
    const columns = sql(state, `SELECT name FROM pragma_table_info('${table}')`).map((r) => r.name);
    sums.push(`(SELECT coalesce(sum(${columns.map((c) => `coalesce(length(CAST("${c}" AS BLOB)), 0)`).join(" + ")}), 0) FROM ${table})`);
  }
  const file = path.join(state.dir, "instrument.sql");
  writeFileSync(file, statements.join("\n"));
  d1(state.dir, state.config, ["execute", "DB", "--file", file]);
  return `SELECT (SELECT n FROM bench_writes) AS writes, ${sums.join(" + ")} AS bytes, (SELECT count(*) FROM inbox_activities WHERE state = 'queued') AS queued`;
}

function signedPost(origin, activity, actor) {
  const body = JSON.stringify(activity);
  const url = new URL(`${origin}/inbox`);
  const headers = { Host: url.host, Date: new Date().toUTCString(), "Content-Type": "application/activity+json", Digest: `SHA-256=${createHash("sha256").update(body).digest("base64")}` };
  const text = `(request-target): post ${url.pathname}\nhost: ${headers.Host}\ndate: ${headers.Date}\ndigest: ${headers.Digest}\ncontent-type: ${headers["Content-Type"]}`;
  headers.Signature = `keyId="${actor}#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="${createSign("RSA-SHA256").update(text).sign(privateKey, "base64")}"`;
  return fetch(url, { method: "POST", headers, body });
}

const TYPES = [
  ["Follow", (origin, actor, i) => ({ "@context": AS, id: `${actor}/follows/${i}`, type: "Follow", actor, object: `${origin}/users/me` })],
  ["Like", (origin, actor, i, post) => ({ "@context": AS, id: `${actor}/likes/${i}`, type: "Like", actor, object: post })],
  [
    "Create reply",
    (origin, actor, i, post) => note(actor, `${actor}/replies/${i}`, { inReplyTo: post, cc: [`${origin}/users/me`], tag: [{ type: "Mention", href: `${origin}/users/me` }] }),
  ],
  ["Create not for us", (origin, actor, i) => note(actor, `${actor}/posts/${i}`, { cc: [`${actor}/followers`] })],
  ["unknown type (Listen)", (origin, actor, i) => ({ "@context": AS, id: `${actor}/listens/${i}`, type: "Listen", actor, object: `${PEER}/tracks/${i}` })],
];

function note(actor, id, extra) {
  const object = { id, type: "Note", attributedTo: actor, content: `<p>${"lorem ipsum dolor sit amet ".repeat(12)}</p>`, to: [`${AS}#Public`], ...extra };
  return { "@context": AS, id: `${id}/activity`, type: "Create", actor, to: object.to, cc: object.cc, object };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(label, rev) {
  const source = committedSource(rev);
  const state = prepareState({ source: source.dir });
  const read = instrument(state);
  const worker = await startWorker(state, PORT);
  const origin = `http://127.0.0.1:${PORT}`;
  const { objectId: post } = await ownerPost(origin, "bench post");
  await sleep(3000);
  const rows = [];
  for (const [type, make] of TYPES) {
    // A fresh minute, so the per-host budget (3,000 a minute) is not what is measured.
    if (label === "after") while (Date.now() % 60_000 > 2_000) await sleep(250);
    const [before] = sql(state, read);
    const statuses = {};
    for (let i = 0; i < N; i++) {
      const actor = `${PEER}/users/s${i}`;
      const res = await signedPost(origin, make(origin, actor, i, post), actor);
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
    // Until the queue is drained and the counts stop moving (Accepts are sent after processing).
    let after = sql(state, read)[0];
    for (;;) {
      await sleep(2000);
      const next = sql(state, read)[0];
      if (next.queued === 0 && next.writes === after.writes) break;
      after = next;
    }
    const per1000 = (x) => Math.round((x * 1000) / N);
    rows.push({ type, writes: per1000(after.writes - before.writes), bytes: per1000(after.bytes - before.bytes), statuses });
    console.log(label, type, rows.at(-1));
  }
  await worker.dispose();
  return { commit: source.commit, rows };
}

// INBOX_STORAGE_BEFORE=<file.json> reuses an earlier run's "before" figures (they depend only on that commit).
const before = process.env.INBOX_STORAGE_BEFORE ? JSON.parse(readFileSync(process.env.INBOX_STORAGE_BEFORE, "utf8")) : await measure("before", BEFORE);
if (process.env.INBOX_STORAGE_SAVE) writeFileSync(process.env.INBOX_STORAGE_SAVE, JSON.stringify(before));
const after = await measure("after", "HEAD");
peer.close();

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const lines = [
  provenance(),
  "",
  `Command: \`npx node bench/inbox-storage.mjs ${N} ${BEFORE}\` — ${N} activities of each type from ${N} senders on one server (each sender's first activity, the Follow, fetches its key), before (${before.commit}) and after (${after.commit}) the inbox hardening; local workerd + D1 with the queue consumer running.`,
  "",
  "| Per 1,000 activities | D1 rows written, before | after | Bytes stored, before | after | Answers, after |",
  "|---|---|---|---|---|---|",
  ...before.rows.map((b, i) => {
    const a = after.rows[i];
    const answers = Object.entries(a.statuses).map(([status, n]) => `${n} × ${status}`).join(", ");
    return `| ${b.type} | ${b.writes.toLocaleString("en")} | ${a.writes.toLocaleString("en")} | ${kb(b.bytes)} | ${kb(a.bytes)} | ${answers} |`;
  }),
  "",
  "Rows written are table rows inserted, updated or deleted (SQLite triggers on every table; D1 also meters index writes, which these leave out). Bytes stored are what stays after handling, summed over every column of every table. A Follow includes the follower's cached actor and key index row, the follower row, the Accept sent (activity, fan-out) and its notification.",
];
writeSection("inbox-storage", "Inbox storage", lines);
console.log(lines.join("\n"));
