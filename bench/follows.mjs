// Intake on the Free plan: N Follows from S servers (default 10,000 from 2,000), each from its own
// actor, POSTed signed to the shared inbox; each must come back as an Accept. Run:
// `npx node bench/follows.mjs [follows] [servers] [--rev=<commit>] [--no-write] [--requests-only]`
// (or `npm run bench follows …`). Writes the "Follows, Free plan" section of BENCHMARKS.md unless
// --no-write, --rev or --requests-only is given. The Worker is built from HEAD (or --rev) with
// PLAN = "free" and the Free consumer settings; --requests-only runs it without the queue consumer,
// so only the inbox requests are measured (no Accepts come back).
//
// The peers (actor documents, Accept counting) and the sender run in this Node process; its CPU
// and event-loop use are reported apart, so the harness can be told from Roost. Local workerd
// runs the Worker, D1's SQLite, the queue and the Durable Objects on one thread of one process;
// wrangler's dev proxy, which every inbound request passes, is a second workerd process.
import { createHash, createSign, generateKeyPairSync } from "node:crypto";
import { Agent, createServer, request } from "node:http";
import { provenance, writeSection } from "./lib/report.mjs";
import { committedSource, d1, meterUsage, pidListeningOn, prepareState, startWorker, workerdCpuByProcess } from "./lib/worker.mjs";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}`));
const FOLLOWS = Number(args[0] ?? 10_000);
const SERVERS = Number(args[1] ?? 2_000);
const REV = flag("rev")?.split("=")[1] ?? "HEAD";
const REQUESTS_ONLY = Boolean(flag("requests-only"));
const WRITE = !flag("no-write") && REV === "HEAD" && !REQUESTS_ONLY;
const PORT = 8796;
const PEER_PORT = 9406;
const IN_FLIGHT = 16;
const TIMEOUT_MS = 30 * 60_000;

const serverHost = (n) => `127.${1 + Math.floor(n / 62500)}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}:${PEER_PORT}`;
const actorOf = (i) => `http://${serverHost(i % SERVERS)}/users/u${i}`;

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicKeyPem = publicKey.export({ type: "spki", format: "pem" });

// --- the peers: actor documents, and the Accepts they get -----------------------------------------
const accepted = new Set();
let lastAccept = 0;
let onAllAccepted = () => {};
let actorFetches = 0;
let peerMs = 0;
const peer = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const t0 = performance.now();
    const id = `http://${req.headers.host}${req.url}`;
    if (req.method === "GET") {
      actorFetches++;
      res.writeHead(200, { "Content-Type": "application/activity+json" });
      res.end(
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
    } else {
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
    }
    peerMs += performance.now() - t0;
  });
}).listen(PEER_PORT, "0.0.0.0");

// --- the node --------------------------------------------------------------------------------------
const source = committedSource(REV);
const state = await prepareState({ source: source.dir, plan: "free", consumers: !REQUESTS_ONLY });
const worker = await startWorker(state, PORT);
const origin = `http://127.0.0.1:${PORT}`;
const query = (sql) => JSON.parse(d1(state.dir, state.config, ["execute", "DB", "--json", "--command", sql]))[0].results;
await fetch(`${origin}/users/me`, { headers: { Accept: "application/activity+json" } });
const proxyPid = pidListeningOn(PORT);

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
  headers["Content-Length"] = Buffer.byteLength(body);
  return { body, headers };
}

// node:http with kept-alive connections: cheaper per request than fetch, so the sender takes less
// of the CPU the Worker needs.
const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
const post = ({ body, headers }) =>
  new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: PORT, path: "/inbox", method: "POST", headers, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end(body);
  });

const prepared = Array.from({ length: FOLLOWS }, (_, i) => signedFollow(i));
const usage = () => meterUsage(origin);
const before = await usage();
const cpu = () => ({ workerd: workerdCpuByProcess(), node: process.cpuUsage(), elu: performance.eventLoopUtilization() });
const cpu0 = cpu();
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
      const status = await post(prepared[next++]);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }),
);
const postedS = (performance.now() - started) / 1000;
if (REQUESTS_ONLY) lastAccept = performance.now();
else await allAccepted;
const wallS = (lastAccept - started) / 1000;
const cpu1 = cpu();
await new Promise((resolve) => setTimeout(resolve, 2000)); // the last meter writes
const after = await usage();
await worker.dispose();
peer.close();
agent.destroy();

const [{ n: followerRows }] = query("SELECT count(*) AS n FROM followers WHERE state = 'accepted'");
const [{ n: targets }] = query("SELECT count(*) AS n FROM delivery_targets");
const [{ n: fanouts }] = query("SELECT count(*) AS n FROM fanouts");
const used = (key) => after[key] - before[key];
const per = (x, digits = 2) => (x / FOLLOWS).toFixed(digits);
const n = (x) => x.toLocaleString("en");
const ms = (seconds) => ((seconds * 1000) / FOLLOWS).toFixed(1);
let runtimeS = 0;
let proxyS = 0;
for (const [pid, seconds] of cpu1.workerd) {
  const spent = seconds - (cpu0.workerd.get(pid) ?? 0);
  if (pid === proxyPid) proxyS += spent;
  else runtimeS += spent;
}
const nodeS = (cpu1.node.user - cpu0.node.user + cpu1.node.system - cpu0.node.system) / 1e6;
const elu = performance.eventLoopUtilization(cpu1.elu, cpu0.elu).utilization;
const command = `npx node bench/follows.mjs${FOLLOWS === 10_000 && SERVERS === 2_000 ? "" : ` ${FOLLOWS} ${SERVERS}`}${REV === "HEAD" ? "" : ` --rev=${REV}`}${REQUESTS_ONLY ? " --requests-only" : ""}`;
const lines = [
  `${provenance()} The Worker was built from commit ${source.commit}'s src (git archive), PLAN = "free", queue consumer max_batch_size = 1, max_concurrency = 10.`,
  "",
  `Command: \`${command}\` — ${n(FOLLOWS)} Follows from ${n(FOLLOWS)} actors on ${n(SERVERS)} servers (each on its own loopback address), signed draft-cavage and POSTed to the shared inbox, ${IN_FLIGHT} at a time; the peers serve the actors and count the Accepts.`,
  "",
  "| | measured | goal |",
  "|---|---|---|",
  `| Time, first Follow POSTed → last Accept received | ${wallS.toFixed(1)} s (the POSTs alone: ${postedS.toFixed(1)} s) | — |`,
  `| Follows per second | ${(FOLLOWS / wallS).toFixed(0)} | ≥ 100 |`,
  `| Inbox answers | ${[...statuses].map(([s, c]) => `${n(c)} × ${s}`).join(", ")} | all 202 |`,
  `| Accepts received (distinct Follows) | ${n(accepted.size)}; ${n(followerRows)} followers stored, ${n(targets)} delivery targets, ${n(fanouts)} settled fanouts rows | ${n(FOLLOWS)} |`,
  `| Queue operations (Roost's meter, \`GET /api/roost/usage\`) | ${n(used("queueOperations"))}: ${per(used("queueOperations"))} per follow | ≤ 3 per follow |`,
  `| Durable Object requests (the meter) | ${n(used("durableObjectRequests"))}: ${per(used("durableObjectRequests"))} per follow | — |`,
  `| D1 rows written / read per follow (the meter: D1's own counts, index entries and the meter's writes included) | ${per(used("d1RowsWritten"), 1)} / ${per(used("d1RowsRead"), 1)} | — |`,
  `| Actor fetches (signed GETs of the followers' actors) | ${n(actorFetches)} | — |`,
  `| CPU per follow: the workerd process running the Worker, D1's SQLite, the queue and the Durable Objects (one thread) | ${ms(runtimeS)} ms (${runtimeS.toFixed(1)} s, ${((runtimeS / wallS) * 100).toFixed(0)} % of one core) | — |`,
  `| CPU per follow: wrangler's dev proxy (a second workerd process every inbound request passes; not on Cloudflare) | ${ms(proxyS)} ms | — |`,
  `| CPU per follow: this Node process (the sender and the peers) | ${ms(nodeS)} ms; event loop busy ${(elu * 100).toFixed(0)} % of the time; the peers' handlers ${(peerMs / FOLLOWS).toFixed(2)} ms | — |`,
];
if (WRITE) writeSection("follows-free", "Follows, Free plan", lines);
console.log(lines.join("\n"));
process.exit(0);
