// One post to 10,000 followers on 2,000 distinct servers, delivered by Roost (local workerd,
// local Queue and D1) and by a Fedify sender (Node, in-process queue) to the same signature-
// verifying sink. Run: `npx node bench/fanout.mjs [followers] [servers] [--plan=free|paid] [--no-fedify] [--rev=<commit>]`
// (--rev: the Worker built from that commit, to compare before and after; BENCHMARKS.md is then not written).
// Writes the "Fan-out" section of BENCHMARKS.md (with --plan=free: "Fan-out, Free plan"; the plan
// sets PLAN and the queue consumer settings as `npm run deploy` does; default: paid). Local wall clock is not production's: no network latency, and
// miniflare schedules queue batches one after another.
import { createVerify } from "node:crypto";
import { fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { createFederation, generateCryptoKeyPair, InProcessMessageQueue, MemoryKvStore } from "@fedify/fedify";
import { Create, Endpoints, Note, Person } from "@fedify/fedify/vocab";
import { provenance, writeSection } from "./lib/report.mjs";
import { committedSource, d1, meterUsage, ownerPost, prepareState, startWorker, workerdCpuSeconds } from "./lib/worker.mjs";

const flags = process.argv.slice(2).filter((a) => a.startsWith("--") && a !== "--sink");
const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const FOLLOWERS = Number(positional[0] ?? 10_000);
const SERVERS = Number(positional[1] ?? 2_000);
const PLAN = flags.find((f) => f.startsWith("--plan="))?.slice("--plan=".length) ?? "paid";
const WITH_FEDIFY = !flags.includes("--no-fedify") && PLAN === "paid";
const REV = flags.find((f) => f.startsWith("--rev="))?.slice("--rev=".length) ?? "HEAD";
const PORT = 8794;
const SINK_PORT = 9404;
const TIMEOUT_MS = 15 * 60_000;

// Each server is its own loopback address (127.0.x.y), so per-host state really is per host.
const serverHost = (n) => `127.${1 + Math.floor(n / 62500)}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}:${SINK_PORT}`;
const sharedInbox = (n) => `http://${serverHost(n)}/inbox`;

// --- the sink: its own process (so its CPU is in neither sender's figure); verifies every
// draft-cavage signature with node:crypto, counts POSTs per inbox, notes the last arrival ---------
if (process.argv[2] === "--sink") {
  const keys = new Map();
  let run = null;
  // Failing servers keep failing between runs: retries that arrive after a run are not counted
  // but get the same answer.
  let failing = false;
  const verify = (req) => {
    const params = Object.fromEntries([...(req.headers.signature ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const pem = keys.get(params.keyId);
    if (!pem || !params.headers) return false;
    const text = params.headers
      .split(" ")
      .map((h) => (h === "(request-target)" ? `${h}: ${req.method.toLowerCase()} ${req.url}` : `${h}: ${req.headers[h]}`))
      .join("\n");
    return createVerify("RSA-SHA256").update(text).verify(pem, params.signature, "base64");
  };
  const finish = () => {
    const r = run;
    run = null;
    process.send({ kind: "result", posts: r.posts, verified: r.verified, refused: r.refused, failed: r.failed, inboxes: r.inboxes.size, repeated: r.repeated, wallS: (r.last - r.started) / 1000 });
  };
  process.on("message", (m) => {
    if (m.kind === "key") keys.set(m.id, m.pem);
    if (m.kind === "start") failing = m.failing;
    if (m.kind === "start") run = { ...m, started: performance.now(), last: 0, posts: 0, verified: 0, refused: 0, failed: 0, repeated: 0, inboxes: new Set() };
    if (m.kind === "stop" && run) finish();
  });
  createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method !== "POST") return void res.writeHead(404).end();
      const [, b, c, d] = req.headers.host.split(":")[0].split(".").map(Number);
      const fails = failing && ((b - 1) * 62500 + c * 250 + d - 1) % 20 === 0;
      const r = run;
      if (!r) return void res.writeHead(fails ? 503 : 202).end();
      r.posts++;
      if (!verify(req)) {
        r.refused++;
        return void res.writeHead(401).end();
      }
      if (fails) {
        r.failed++;
        return void res.writeHead(503).end();
      }
      r.verified++;
      const inbox = `${req.headers.host}${req.url}`;
      if (r.inboxes.has(inbox)) r.repeated++;
      r.inboxes.add(inbox);
      r.last = performance.now();
      res.writeHead(202).end();
      if (r.inboxes.size === r.expected) finish();
    });
  }).listen(SINK_PORT, "0.0.0.0", () => process.send({ kind: "listening" }));
} else {
const sink = fork(import.meta.filename, ["--sink"]);
await new Promise((resolve) => sink.once("message", resolve));
const registerKey = (id, pem) => sink.send({ kind: "key", id, pem });
// Starts counting; resolves at the expected number of distinct verified arrivals, or at the timeout.
function sinkRun(label, failing, expected) {
  sink.send({ kind: "start", label, failing, expected });
  return new Promise((resolve) => {
    const timer = setTimeout(() => sink.send({ kind: "stop" }), TIMEOUT_MS);
    sink.once("message", (m) => {
      clearTimeout(timer);
      resolve(m);
    });
  });
}

// --- Roost ------------------------------------------------------------------------------------
// The Worker is built from HEAD, not the working tree, which others may be editing.
const source = committedSource(REV);
const state = await prepareState({ source: source.dir, plan: PLAN });
const limits = await import(path.join(source.dir, "src/delivery/limits.ts"));
const planLimits = limits.limitsFor(PLAN);
const rows = [];
for (let i = 0; i < FOLLOWERS; i++) {
  const n = i % SERVERS;
  const actor = `http://${serverHost(n)}/users/u${i}`;
  rows.push(`('${actor}', '${actor}/inbox', '${sharedInbox(n)}', '${actor}/follows/1', 'accepted')`);
}
const seed = path.join(state.dir, "seed.sql");
const chunks = [];
for (let i = 0; i < rows.length; i += 500) {
  chunks.push(`INSERT INTO followers (actor_id, inbox, shared_inbox, follow_activity_id, state) VALUES ${rows.slice(i, i + 500).join(",\n")};`);
}
writeFileSync(seed, chunks.join("\n"));
d1(state.dir, state.config, ["execute", "DB", "--file", seed]);

const worker = await startWorker(state, PORT);
const origin = `http://127.0.0.1:${PORT}`;
const actor = await (await fetch(`${origin}/users/me`, { headers: { Accept: "application/activity+json" } })).json();
registerKey(actor.publicKey.id, actor.publicKey.publicKeyPem);

const expectedArrivals = (failing) => (failing ? SERVERS - Math.ceil(SERVERS / 20) : SERVERS);
const query = (sql) => JSON.parse(d1(state.dir, state.config, ["execute", "DB", "--json", "--command", sql]))[0].results;

async function roostPost(label, failing) {
  const used0 = await meterUsage(origin);
  const cpu0 = workerdCpuSeconds();
  const arrivals = sinkRun(label, failing, expectedArrivals(failing));
  const { activityId } = await ownerPost(origin, `${label}: hello, ${FOLLOWERS} followers`);
  const result = await arrivals;
  // The failures reach their Durable Objects after the last success; let them land before counting.
  await new Promise((resolve) => setTimeout(resolve, failing ? 5000 : 1000));
  const cpuS = workerdCpuSeconds() - cpu0;
  const [fanout] = query(`SELECT targets, batches FROM fanouts WHERE activity_id = '${activityId}'`);
  const [{ n: failures }] = query(`SELECT count(*) AS n FROM delivery_failures WHERE activity_id = '${activityId}'`);
  const [{ n: hosts }] = query("SELECT count(*) AS n FROM delivery_hosts");
  const used1 = await meterUsage(origin);
  const metered = used0 && used1 ? Object.fromEntries(Object.keys(used1).map((k) => [k, used1[k] - used0[k]])) : null;
  return { ...result, cpuS, fanout, failures, hosts, metered };
}

const roostHealthy = await roostPost("roost", false);
const roostFailing = await roostPost("roost-5%-failing", true);
await worker.dispose();

// --- Fedify ------------------------------------------------------------------------------------
let fedifyHealthy = null;
let fedifyFailing = null;
if (WITH_FEDIFY) {
const federation = createFederation({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  allowPrivateAddress: true,
  firstKnock: "draft-cavage-http-signatures-12",
});
const fedifyKeys = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")];
federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) =>
    new Person({ id: ctx.getActorUri(identifier), preferredUsername: identifier, inbox: ctx.getInboxUri(identifier) }),
  )
  .setKeyPairsDispatcher(() => fedifyKeys);
federation.setInboxListeners("/users/{identifier}/inbox", "/inbox");
const ctx = federation.createContext(new URL("http://127.0.0.1:9499"), undefined);
registerKey(`http://127.0.0.1:9499/users/bench#main-key`, await crypto.subtle.exportKey("spki", fedifyKeys[0].publicKey).then((der) => `-----BEGIN PUBLIC KEY-----\n${Buffer.from(der).toString("base64").match(/.{1,64}/g).join("\n")}\n-----END PUBLIC KEY-----\n`));
const recipients = Array.from({ length: FOLLOWERS }, (_, i) => {
  const n = i % SERVERS;
  const id = `http://${serverHost(n)}/users/u${i}`;
  return { id: new URL(id), inboxId: new URL(`${id}/inbox`), endpoints: new Endpoints({ sharedInbox: new URL(sharedInbox(n)) }) };
});
const controller = new AbortController();
federation.startQueue(undefined, { signal: controller.signal });

async function fedifyPost(label, failing) {
  const arrivals = sinkRun(label, failing, expectedArrivals(failing));
  const cpu0 = process.cpuUsage();
  const note = new Note({ id: new URL(`http://127.0.0.1:9499/notes/${label}`), content: `${label}: hello` });
  await ctx.sendActivity(
    { identifier: "bench" },
    recipients,
    new Create({ id: new URL(`http://127.0.0.1:9499/notes/${label}/activity`), actor: ctx.getActorUri("bench"), object: note }),
    { preferSharedInbox: true },
  );
  const result = await arrivals;
  const cpu = process.cpuUsage(cpu0);
  return { ...result, cpuS: (cpu.user + cpu.system) / 1e6 };
}

fedifyHealthy = await fedifyPost("fedify", false);
fedifyFailing = await fedifyPost("fedify-5%-failing", true);
controller.abort();
}
sink.kill();
const [{ n: keyRows }] = query("SELECT count(*) AS n FROM keys");

// --- report -------------------------------------------------------------------------------------
const s = (x) => x.toFixed(1);
const n = (x) => x.toLocaleString("en");
const perInbox = (r) => `${((r.cpuS * 1000) / r.verified).toFixed(2)} ms`;
const messages = (r) => 1 + (r.fanout?.batches ?? 0);
const arrived = (r) => `${n(r.posts)} POSTs, ${n(r.verified)} verified on ${n(r.inboxes)} inboxes (${r.repeated} repeats, ${r.refused} not verifiable as draft-cavage)`;
const batches = roostHealthy.fanout?.batches ?? 0;
// Rows D1 reads for one post, from the queries in src/publish and src/delivery (D1's own
// counters are visible only inside the Worker): every worker step loads the actor's keys.
const reads = {
  publish: keyRows,
  fanout: keyRows + 1 + SERVERS,
  deliver: batches * (keyRows + 1),
};
const failing = Math.ceil(SERVERS / 20);
const lines = !WITH_FEDIFY ? [] : [
  `${provenance()} The Worker was built from commit ${source.commit}'s src (git archive), not the working tree.`,
  "",
  `Command: \`npx node bench/fanout.mjs${FOLLOWERS === 10_000 && SERVERS === 2_000 ? "" : ` ${FOLLOWERS} ${SERVERS}`}\` — one post to ${n(FOLLOWERS)} followers on ${n(SERVERS)} distinct servers, each with its own shared inbox on its own loopback address (127.x.y.z, so per-server state is really per server). One sink process verifies every draft-cavage signature with node:crypto against the sender's published key and answers 202. Both senders run one after the other in the same script against the same sink and follower set.`,
  "",
  "**Local workerd wall-clock is not production's**: no network latency, no TLS, every server is on loopback, and miniflare runs the queue consumer, D1 and the Durable Objects on the same 2 shared cores as the sink and the sender. Read the wall times as a comparison between the two senders on one machine, and the CPU figures as upper bounds.",
  "",
  "| | Roost (workerd: Queue consumer, D1, DO) | Fedify 2.3.6 (Node 22, InProcessMessageQueue) | Goal |",
  "|---|---|---|---|",
  `| Wall time, post → last arrival | ${s(roostHealthy.wallS)} s | ${s(fedifyHealthy.wallS)} s | — |`,
  `| POSTs at the sink | ${arrived(roostHealthy)} | ${arrived(fedifyHealthy)} | exactly ${n(SERVERS)} |`,
  `| CPU seconds (Roost: the workerd process wrangler started; Fedify: the sender's Node process, sink excluded) | ${s(roostHealthy.cpuS)} s | ${s(fedifyHealthy.cpuS)} s | — |`,
  `| CPU per delivered inbox | ${perInbox(roostHealthy)} | ${perInbox(fedifyHealthy)} | ≤ 1.2 ms |`,
  `| Queue messages (1 fanout + deliver batches of 50) / operations (3 per message) | ${messages(roostHealthy)} / ${3 * messages(roostHealthy)} | in-process | ≤ 125 operations |`,
  `| D1 rows read (derived from the code, not measured) | ${n(reads.publish + reads.fanout + reads.deliver)} | — | ≤ 2,100 |`,
  `| D1 rows written (derived from the code, not measured) | 3 (objects, activities, fanouts; plus their index entries) | — | ≤ 10 |`,
  `| Durable Object requests | ${roostHealthy.hosts} (no server has a backlog, no failure) | — | 0 |`,
  "",
  `D1 reads, query by query: publishing reads the ${keyRows} \`keys\` rows; the fanout job reads the keys again, 1 \`activities\` row, 0 \`fanouts\` rows (the redelivery guard), ${n(SERVERS)} \`delivery_targets\` rows (one per server, kept by triggers) and 0 \`delivery_hosts\` rows (${Math.ceil(SERVERS / 90)} primary-key IN lookups); each of the ${batches} deliver jobs reads the keys, 1 \`activities\` row and 0 \`signature_schemes\` rows. That is ${reads.publish} + ${n(reads.fanout)} + ${n(reads.deliver)} = ${n(reads.publish + reads.fanout + reads.deliver)} rows. Successful deliveries write nothing.`,
  "",
  `With every 20th server answering 503 (${failing} servers), a second post on the same node:`,
  "",
  "| | Roost | Fedify |",
  "|---|---|---|",
  `| Wall time, post → last successful arrival | ${s(roostFailing.wallS)} s | ${s(fedifyFailing.wallS)} s |`,
  `| POSTs at the sink | ${arrived(roostFailing)}; ${roostFailing.failed} answered 503 | ${arrived(fedifyFailing)}; ${fedifyFailing.failed} answered 503 |`,
  `| CPU per delivered inbox | ${perInbox(roostFailing)} | ${perInbox(fedifyFailing)} |`,
  `| Queue messages | ${messages(roostFailing)} | in-process |`,
  `| Failures handed to per-server retry (Durable Object requests: one per failing server with failures) | ${roostFailing.failures} \`delivery_failures\` rows (measured); ${roostFailing.hosts} servers in \`delivery_hosts\` 5 s after the last success | Fedify's own in-process retry queue |`,
  `| D1 rows written for the failures (derived from the code) | ${2 * failing}: per failing server one \`delivery_failures\` row and one \`delivery_hosts\` upsert | — |`,
  "",
  `Goal for the failing case: ≤ 10 written + 1 per failing inbox. Roost writes 2 per failing inbox here because every failing inbox is on its own server: the server's \`delivery_hosts\` row (which makes the next fan-out queue behind the backlog) is the second row.`,
  "",
  "Fedify's 100 extra POSTs in the failing run are its double knock: after the 503 it retries each such inbox at once with the other signature scheme (RFC 9421), which this sink does not verify, so it counts them as not verifiable and answers 401.",
  "CPU is the whole local process: for Roost it also holds wrangler's dev proxy, the local Queue, D1's SQLite and the Durable Objects, which on Cloudflare are not billed to the Worker, so the per-inbox figure is an upper bound and does not show whether the 1.2 ms goal is met. The derived D1 reads are above the 2,100 goal because every deliver job loads the actor's key rows again.",
];
if (PLAN === "paid" && WITH_FEDIFY && REV === "HEAD") writeSection("fanout", "Fan-out", lines);
const bySender = (r) => (r.fanout?.batches ?? 0) > planLimits.senderAboveBatches && planLimits.senderShards > 0;
const planLines = [
  `${provenance()} The Worker was built from commit ${source.commit}'s src (git archive).`,
  "",
  `Command: \`npx node bench/fanout.mjs${FOLLOWERS === 10_000 && SERVERS === 2_000 ? "" : ` ${FOLLOWERS} ${SERVERS}`} --plan=${PLAN} --no-fedify\` — the same post, sink and follower set as above, with PLAN = "${PLAN}" and the queue consumer settings \`npm run deploy\` writes for it (${Object.entries(planLimits.consumer).filter(([, v]) => v !== null).map(([k, v]) => `${k} = ${v}`).join(", ")}).`,
  "",
  "| | healthy | every 20th server answering 503 |",
  "|---|---|---|",
  `| Wall time, post → last (successful) arrival | ${s(roostHealthy.wallS)} s | ${s(roostFailing.wallS)} s |`,
  `| POSTs at the sink | ${arrived(roostHealthy)} | ${arrived(roostFailing)}; ${roostFailing.failed} answered 503 |`,
  `| CPU seconds of the workerd process (upper bound: also the local queue, D1, the Durable Objects, the dev proxy) | ${s(roostHealthy.cpuS)} s | ${s(roostFailing.cpuS)} s |`,
  `| CPU per delivered inbox | ${perInbox(roostHealthy)} | ${perInbox(roostFailing)} |`,
  `| Deliver batches (${planLimits.batchSize} inboxes each) | ${n(roostHealthy.fanout?.batches ?? 0)}, sent by ${bySender(roostHealthy) ? `${planLimits.senderShards} FanoutSender objects on their alarms` : "deliver messages"} | ${n(roostFailing.fanout?.batches ?? 0)} |`,
  `| Queue messages / operations (3 per message) | ${bySender(roostHealthy) ? 1 : messages(roostHealthy)} / ${3 * (bySender(roostHealthy) ? 1 : messages(roostHealthy))} | ${bySender(roostFailing) ? 1 : messages(roostFailing)} / ${3 * (bySender(roostFailing) ? 1 : messages(roostFailing))} |`,
  `| Durable Object requests (counted from the code: hand-overs + one alarm per batch + one per failing server) | ${bySender(roostHealthy) ? planLimits.senderShards + (roostHealthy.fanout?.batches ?? 0) : 0} | ${(bySender(roostFailing) ? planLimits.senderShards + (roostFailing.fanout?.batches ?? 0) : 0) + roostFailing.hosts} |`,
  `| D1 rows written (derived: fanouts insert + queued_at + one done_batches update per batch${bySender(roostHealthy) ? "" : " per invocation, at most"}) | ${n(2 + (roostHealthy.fanout?.batches ?? 0))} | ${n(2 + (roostFailing.fanout?.batches ?? 0) + 2 * roostFailing.failures)} (2 per failing server) |`,
  `| D1 rows read (derived: keys, the activity and ${n(SERVERS)} delivery_targets for the fan-out; keys + the activity per batch) | ${n(keyRows + 1 + SERVERS + (roostHealthy.fanout?.batches ?? 0) * (keyRows + 1))} | — |`,
  ...(roostHealthy.metered
    ? [
        `| Roost's meter (\`GET /api/roost/usage\`, the post's whole day share): queue operations / DO requests / D1 rows read / D1 rows written (incl. the meter's own writes) | ${["queueOperations", "durableObjectRequests", "d1RowsRead", "d1RowsWritten"].map((k) => n(roostHealthy.metered[k])).join(" / ")} | ${["queueOperations", "durableObjectRequests", "d1RowsRead", "d1RowsWritten"].map((k) => n(roostFailing.metered[k])).join(" / ")} |`,
      ]
    : []),
];
if (REV !== "HEAD") console.log(`Built from ${REV}: BENCHMARKS.md not written.`);
else if (PLAN === "free" || !WITH_FEDIFY) writeSection(`fanout-${PLAN}`, `Fan-out, ${PLAN === "free" ? "Free" : "Paid"} plan`, planLines);
console.log(lines.join("\n"));
console.log(planLines.join("\n"));
process.exit(0);
}
