// Inbox CPU per request. Run: `npx node bench/inbox.mjs [requests]` (through npx so wrangler gets
// Node 22). Writes the "Inbox" section of BENCHMARKS.md.
//
// 1. In-isolate: the hot path's CPU (parse + normalise + digest + RSA verify) measured inside
//    workerd with bench/inbox-isolate.ts, in batches of 20 (workerd's clock moves only at I/O).
// 2. End to end: the real Worker on local workerd + local D1, a Node peer serving the sender's
//    actor on loopback, N signed Creates POSTed one after another. The workerd process's CPU
//    (user + system, from /proc) divided by N covers everything: HTTP, verify, parse, D1 calls
//    and SQLite itself. No queue consumer runs, so handling time is not counted.
import { createHash, createSign, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import { percentile, provenance, writeSection } from "./lib/report.mjs";
import { prepareState, startIsolate, startWorker, workerdCpuSeconds } from "./lib/worker.mjs";

const N = Number(process.argv[2] ?? 2000);
const PORT = 8791;
const PEER_PORT = 9301;
const fmt = (ms) => `${ms.toFixed(3)} ms`;

// --- 1. in-isolate -------------------------------------------------------------------------
const isolate = await startIsolate("isolate", "bench/inbox-isolate.ts", PORT + 1);
const micro = await (await fetch(`http://127.0.0.1:${PORT + 1}/?n=${Math.min(N, 2000)}`)).json();
await isolate.dispose();
// The first batches include the key import and JIT warm-up; report them separately.
const warm = micro.samples.slice(5);

// --- 2. end to end ---------------------------------------------------------------------------
const bench = await prepareState({ consumers: false });
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
// Five senders on one server, taking turns: each stays under the inbox's per-actor budget
// (300 a minute) and the server under its per-host budget (3,000 a minute).
const SENDERS = 5;
const actorIds = Array.from({ length: SENDERS }, (_, k) => `http://127.0.0.1:${PEER_PORT}/users/bench${k}`);
const peer = createServer((req, res) => {
  const actorId = `http://127.0.0.1:${PEER_PORT}${req.url}`;
  res.writeHead(200, { "Content-Type": "application/activity+json" });
  res.end(
    JSON.stringify({
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
      id: actorId,
      type: "Person",
      preferredUsername: "bench",
      inbox: `${actorId}/inbox`,
      publicKey: { id: `${actorId}#main-key`, owner: actorId, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) },
    }),
  );
}).listen(PEER_PORT, "127.0.0.1");

const origin = `http://127.0.0.1:${PORT}`;
const worker = await startWorker(bench, PORT);

function signed(i) {
  const actorId = actorIds[((i % SENDERS) + SENDERS) % SENDERS];
  const body = JSON.stringify({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actorId}/statuses/${i}/activity`,
    type: "Create",
    actor: actorId,
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${origin}/users/me`],
    object: {
      id: `${actorId}/statuses/${i}`,
      type: "Note",
      attributedTo: actorId,
      content: `<p>${"lorem ipsum dolor sit amet ".repeat(60)}</p>`,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${origin}/users/me`],
      tag: [{ type: "Mention", href: `${origin}/users/me` }],
    },
  });
  const headers = {
    Host: `127.0.0.1:${PORT}`,
    Date: new Date().toUTCString(),
    "Content-Type": "application/activity+json",
    Digest: `SHA-256=${createHash("sha256").update(body).digest("base64")}`,
  };
  const text = `host: ${headers.Host}\ndate: ${headers.Date}\ncontent-type: ${headers["Content-Type"]}\ndigest: ${headers.Digest}\n(request-target): post /inbox`;
  const signature = createSign("RSA-SHA256").update(text).sign(privateKey, "base64");
  headers.Signature = `keyId="${actorId}#main-key",algorithm="rsa-sha256",headers="host date content-type digest (request-target)",signature="${signature}"`;
  return { body, headers };
}

// Warm-up: the first request of each sender fetches its key; they are not counted.
for (let k = 1; k <= SENDERS; k++) {
  const first = signed(-k);
  const warmup = await fetch(`${origin}/inbox`, { method: "POST", headers: first.headers, body: first.body });
  if (warmup.status !== 202) throw new Error(`warm-up answered ${warmup.status}: ${await warmup.text()}`);
}
const prepared = Array.from({ length: N }, (_, i) => signed(i));
const latencies = [];
const cpuBefore = workerdCpuSeconds();
const started = performance.now();
for (const { body, headers } of prepared) {
  const t0 = performance.now();
  const res = await fetch(`${origin}/inbox`, { method: "POST", headers, body });
  await res.arrayBuffer();
  if (res.status !== 202) throw new Error(`inbox answered ${res.status}`);
  latencies.push(performance.now() - t0);
}
const wall = performance.now() - started;
const cpuPerRequest = ((workerdCpuSeconds() - cpuBefore) * 1000) / N;
await worker.dispose();
peer.close();

const lines = [
  provenance(),
  "",
  "Command: `npx node bench/inbox.mjs " + N + "` (local workerd; Cloudflare's CPUs and accounting differ, so read these as budgets).",
  "",
  "| Figure | p50 | p99 | Goal |",
  "|---|---|---|---|",
  `| In-isolate CPU per request: depth bound + parse + type filter + normalise (canonical ids) + id-host check + budget + digest + RSA verify (${micro.bodyBytes}-byte Create, batch means of ${micro.batch}) | ${fmt(percentile(warm, 50))} | ${fmt(percentile(warm, 99))} | p50 ≤ 1.5 ms, p99 ≤ 5 ms |`,
  `| End to end: workerd process CPU per inbox POST incl. HTTP, D1 calls and SQLite (mean over ${N}) | ${fmt(cpuPerRequest)} (mean) | — | — |`,
  `| End to end: latency per inbox POST seen by the sender (sequential) | ${fmt(percentile(latencies, 50))} | ${fmt(percentile(latencies, 99))} | Mastodon's timeout: 10 s read, 30 s total |`,
  "",
  `${N} POSTs took ${(wall / 1000).toFixed(1)} s. The in-isolate figure excludes D1 round trips (I/O, not CPU on Workers); the end-to-end CPU figure is an upper bound: it also counts workerd's HTTP handling and the local SQLite work that runs inside D1 on Cloudflare, not in the Worker.`,
];
writeSection("inbox", "Inbox", lines);
console.log(lines.join("\n"));
