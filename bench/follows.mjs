// Intake on the Free plan: N Follows from S servers (default 10,000 from 2,000), each from its own
// actor, POSTed signed to the shared inbox; each must come back as an Accept. Run:
// `npx node bench/follows.mjs [follows] [servers]`. Writes the "Follows, Free plan" section of
// BENCHMARKS.md. The Worker is built from HEAD with PLAN = "free" and the Free consumer settings.
// The peers (actor documents, Accept counting) run in this Node process; its CPU is not counted.
import { createHash, createSign, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import { provenance, writeSection } from "./lib/report.mjs";
import { committedSource, d1, meterUsage, prepareState, startWorker, workerdCpuSeconds } from "./lib/worker.mjs";

const FOLLOWS = Number(process.argv[2] ?? 10_000);
const SERVERS = Number(process.argv[3] ?? 2_000);
const PORT = 8796;
const PEER_PORT = 9406;
const IN_FLIGHT = 16;
const TIMEOUT_MS = 12 * 60_000;

const serverHost = (n) => `127.${1 + Math.floor(n / 62500)}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}:${PEER_PORT}`;
const actorOf = (i) => `http://${serverHost(i % SERVERS)}/users/u${i}`;

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicKeyPem = publicKey.export({ type: "spki", format: "pem" });

// --- the peers: actor documents, and the Accepts they get -----------------------------------------
const accepted = new Set();
let lastAccept = 0;
let onAllAccepted = () => {};
let actorFetches = 0;
const peer = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const id = `http://${req.headers.host}${req.url}`;
    if (req.method === "GET") {
      actorFetches++;
      res.writeHead(200, { "Content-Type": "application/activity+json" });
      return void res.end(
        JSON.stringify({
          "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
          id,
          type: "Person",
          preferredUsername: id.split("/").pop(),
          inbox: `${id}/inbox`,
          endpoints: { sharedInbox: `http://${req.headers.host}/inbox` },
          publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
        }),
      );
    }
    try {
      const activity = JSON.parse(body);
      if (activity.type === "Accept") {
        accepted.add(activity.object?.id ?? activity.object);
        lastAccept = performance.now();
        if (accepted.size >= FOLLOWS) onAllAccepted();
      }
    } catch {
      // not JSON: not ours to count
    }
    res.writeHead(202).end();
  });
}).listen(PEER_PORT, "0.0.0.0");

// --- the node --------------------------------------------------------------------------------------
const source = committedSource();
const state = await prepareState({ source: source.dir, plan: "free" });
const worker = await startWorker(state, PORT);
const origin = `http://127.0.0.1:${PORT}`;
const query = (sql) => JSON.parse(d1(state.dir, state.config, ["execute", "DB", "--json", "--command", sql]))[0].results;
await fetch(`${origin}/users/me`, { headers: { Accept: "application/activity+json" } });

function signedFollow(i) {
  const actor = actorOf(i);
  const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${actor}/follows/${i}`, type: "Follow", actor, object: `${origin}/users/me` });
  const headers = {
    Host: `127.0.0.1:${PORT}`,
    Date: new Date().toUTCString(),
    "Content-Type": "application/activity+json",
    Digest: `SHA-256=${createHash("sha256").update(body).digest("base64")}`,
  };
  const text = `(request-target): post /inbox\nhost: ${headers.Host}\ndate: ${headers.Date}\ndigest: ${headers.Digest}\ncontent-type: ${headers["Content-Type"]}`;
  const signature = createSign("RSA-SHA256").update(text).sign(privateKey, "base64");
  headers.Signature = `keyId="${actor}#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="${signature}"`;
  return { body, headers };
}

const prepared = Array.from({ length: FOLLOWS }, (_, i) => signedFollow(i));
const usage = () => meterUsage(origin);
const before = await usage();
const cpu0 = workerdCpuSeconds();
const allAccepted = new Promise((resolve) => {
  onAllAccepted = resolve;
  setTimeout(resolve, TIMEOUT_MS);
});
const started = performance.now();
let next = 0;
const statuses = new Map();
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < prepared.length) {
      const { body, headers } = prepared[next++];
      const res = await fetch(`${origin}/inbox`, { method: "POST", headers, body });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  }),
);
const postedS = (performance.now() - started) / 1000;
await allAccepted;
const wallS = (lastAccept - started) / 1000;
await new Promise((resolve) => setTimeout(resolve, 2000)); // the last meter writes
const cpuS = workerdCpuSeconds() - cpu0;
const after = await usage();
await worker.dispose();
peer.close();

const [{ n: followerRows }] = query("SELECT count(*) AS n FROM followers WHERE state = 'accepted'");
const [{ n: targets }] = query("SELECT count(*) AS n FROM delivery_targets");
const [{ n: fanouts }] = query("SELECT count(*) AS n FROM fanouts");
const queueOps = after.queueOperations - before.queueOperations;
const doRequests = after.durableObjectRequests - before.durableObjectRequests;
const per = (x) => (x / FOLLOWS).toFixed(2);
const n = (x) => x.toLocaleString("en");
// D1 rows written per Follow, statement by statement (src/inbox/receive.ts, src/inbox/process.ts,
// src/domain/follows.ts, src/delivery/immediate.ts, src/delivery/usage.ts); triggers included.
const writes = [
  ["inbox_activities insert (the exactly-once row)", 1],
  ["remote_actors upsert (the follower's actor, fetched for its key)", 1],
  ["followers insert", 1],
  ["delivery_targets upsert (trigger, first follower of a server; 0 after)", SERVERS / FOLLOWS],
  ["counters: followers + public_version (triggers)", 2],
  ["notifications insert (follow)", 1],
  ["activities insert (the Accept) + counters public_version (trigger)", 2],
  ["fanouts insert (the Accept, settled)", 1],
  ["inbox_activities state update", 1],
  ["usage upsert (the inbox request's queue message)", 1],
];
const writesPerFollow = writes.reduce((a, [, w]) => a + w, 0);
const lines = [
  `${provenance()} The Worker was built from commit ${source.commit}'s src (git archive), PLAN = "free", queue consumer max_batch_size = 1, max_concurrency = 10.`,
  "",
  `Command: \`npx node bench/follows.mjs${FOLLOWS === 10_000 && SERVERS === 2_000 ? "" : ` ${FOLLOWS} ${SERVERS}`}\` — ${n(FOLLOWS)} Follows from ${n(FOLLOWS)} actors on ${n(SERVERS)} servers (each on its own loopback address), signed draft-cavage and POSTed to the shared inbox, ${IN_FLIGHT} at a time; the peers serve the actors and count the Accepts.`,
  "",
  "| | measured | goal |",
  "|---|---|---|",
  `| Time, first Follow POSTed → last Accept received | ${wallS.toFixed(1)} s (the POSTs alone: ${postedS.toFixed(1)} s) | — |`,
  `| Follows per second | ${(FOLLOWS / wallS).toFixed(0)} | ≥ 100 |`,
  `| Inbox answers | ${[...statuses].map(([s, c]) => `${n(c)} × ${s}`).join(", ")} | all 202 |`,
  `| Accepts received (distinct Follows) | ${n(accepted.size)}; ${n(followerRows)} followers stored, ${n(targets)} delivery targets, ${n(fanouts)} settled fanouts rows | ${n(FOLLOWS)} |`,
  `| Queue operations (Roost's meter, \`GET /api/roost/usage\`) | ${n(queueOps)}: ${per(queueOps)} per follow | ≤ 3 per follow |`,
  `| Durable Object requests (the meter) | ${n(doRequests)}: ${per(doRequests)} per follow | — |`,
  `| D1 rows written per follow (derived from the code, below) | ${writesPerFollow.toFixed(1)} | — |`,
  `| Actor fetches (signed GETs of the followers' actors) | ${n(actorFetches)} | — |`,
  `| CPU seconds of the workerd process (upper bound: also D1's SQLite, the local queue, the dev proxy) | ${cpuS.toFixed(1)} s: ${((cpuS * 1000) / FOLLOWS).toFixed(1)} ms per follow | — |`,
  "",
  `D1 rows written per Follow: ${writes.map(([w, c]) => `${w} ${Number.isInteger(c) ? c : c.toFixed(1)}`).join("; ")}. Index entries are not counted as rows.`,
];
writeSection("follows-free", "Follows, Free plan", lines);
console.log(lines.join("\n"));
process.exit(0);
