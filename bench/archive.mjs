// Account archives on the Free plan (issue #14): what each `archive` job invocation costs while a
// node of 1,000 posts and 20 images is exported, and while that archive is imported into the
// same node with its posts removed. Run: `npx node bench/archive.mjs [posts] [images]`. Writes the
// "Account archives" section of BENCHMARKS.md.
//
// The real Worker on local workerd (PLAN=free, its queue consumer settings), with bench/archive-entry.ts
// counting R2 operations and queue messages per invocation and timing each one inside the Worker
// (I/O to local R2 and D1 included: an upper bound of its CPU). The computing parts alone are timed
// in the isolate. The exported zip is checked by two readers that are not Roost's: Python's
// zipfile (CRCs included) and Info-ZIP's unzip when installed.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import { percentile, provenance, root, writeSection } from "./lib/report.mjs";
import { committedSource, d1, OWNER_TOKEN, prepareState, startWorker, workerdCpuSeconds } from "./lib/worker.mjs";

const POSTS = Number(process.argv[2] ?? 1000);
const IMAGES = Number(process.argv[3] ?? 20);
const PORT = 8799;
const origin = `http://127.0.0.1:${PORT}`;
const auth = { Authorization: `Bearer ${OWNER_TOKEN}` };

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (bytes) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
/** A PNG of noise (it does not compress): `side` × `side` RGB, about 3 × side² bytes. */
function noisePng(side) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "latin1");
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = randomBytes(side * (1 + side * 3));
  for (let row = 0; row < side; row++) raw[row * (1 + side * 3)] = 0; // filter type None
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

// The committed code (src and the counting entry), so edits to the working tree during the run do not restart the Worker.
const source = committedSource();
mkdirSync(path.join(source.dir, "bench"));
writeFileSync(path.join(source.dir, "bench/archive-entry.ts"), execFileSync("git", ["show", "HEAD:bench/archive-entry.ts"], { cwd: root }));
const entry = path.join(source.dir, "bench/archive-entry.ts");
const state = await prepareState({ plan: "free", source: source.dir });
const free = (await import(pathToFileURL(path.join(source.dir, "src/delivery/limits.ts")).href)).limitsFor("free");
writeFileSync(state.config, readFileSync(state.config, "utf8").replace(/^main = .*$/m, `main = "${entry}"`));
const worker = await startWorker(state, PORT);

async function api(method, pathname, body, headers = {}) {
  const res = await fetch(`${origin}${pathname}`, { method, headers: { ...auth, ...headers }, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}
const post = (params) => api("POST", "/api/v1/statuses", JSON.stringify(params), { "Content-Type": "application/json" });

// The owner's avatar and header: ~1.9 MiB and ~0.5 MiB of noise, so the export's profile step spans jobs as a large attachment does.
const profileImages = new FormData();
const avatarPng = noisePng(800);
profileImages.set("avatar", new Blob([avatarPng], { type: "image/png" }), "avatar.png");
profileImages.set("header", new Blob([noisePng(400)], { type: "image/png" }), "header.png");
await api("PATCH", "/api/v1/accounts/update_credentials", profileImages);

// The node: IMAGES posts with an image each, the rest text, a few at a time.
let imageBytes = 0;
for (let i = 0; i < IMAGES; i++) {
  const png = noisePng(360);
  imageBytes += png.length;
  const form = new FormData();
  form.set("file", new Blob([png], { type: "image/png" }), `noise-${i}.png`);
  form.set("description", `noise ${i}`);
  const media = await api("POST", "/api/v1/media", form);
  await post({ status: `Picture ${i}`, media_ids: [media.id], visibility: i % 2 ? "public" : "private" });
}
for (let i = IMAGES; i < POSTS; i += 8) {
  await Promise.all(Array.from({ length: Math.min(8, POSTS - i) }, (_, k) => post({ status: `Post ${i + k}: ${"a few words of text, ".repeat(6)}#bench`, visibility: ["public", "unlisted", "private"][(i + k) % 3] })));
}
// Wait for the posts' own fan-out jobs to end (no job for 3 s), then forget them.
for (let quiet = 0; quiet < 3; ) {
  await new Promise((r) => setTimeout(r, 1000));
  quiet = (await api("GET", "/__bench/archive-jobs")).length === 0 ? quiet + 1 : 0;
}

async function run(start) {
  const cpu0 = workerdCpuSeconds();
  const t0 = Date.now();
  const started = await start();
  let report;
  for (;;) {
    report = await api("GET", `/api/roost/archives/${started.id}`);
    if (report.state === "finished" || report.state === "failed") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 300));
  const jobs = (await api("GET", "/__bench/archive-jobs")).filter((j) => j.kind === "archive");
  return { report, jobs, wall: Date.now() - t0, cpu: (workerdCpuSeconds() - cpu0) * 1000 };
}

const exported = await run(() => api("POST", "/api/roost/archives/export"));
if (exported.report.state !== "finished") throw new Error(`export ${exported.report.state}: ${exported.report.error}`);
const zip = Buffer.from(await (await fetch(`${origin}/api/roost/archives/${exported.report.id}/download`, { headers: auth })).arrayBuffer());
const dir = mkdtempSync(path.join(tmpdir(), "roost-bench-archive-"));
const zipFile = path.join(dir, "archive.zip");
writeFileSync(zipFile, zip);
const checks = [];
const tryCheck = (name, cmd, args) => {
  try {
    execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    checks.push(`${name}: OK`);
  } catch (error) {
    checks.push(error.code === "ENOENT" ? `${name}: not installed` : `${name}: FAILED ${String(error.stderr ?? error.message).trim().slice(0, 200)}`);
  }
};
tryCheck("python3 -m zipfile -t", "python3", ["-m", "zipfile", "-t", zipFile]);
tryCheck("unzip -tq", "unzip", ["-tq", zipFile]);

// A fresh node: the posts, their media rows and what was sent removed; then the archive imported.
d1(state.dir, state.config, ["execute", "DB", "--command", "DELETE FROM statuses WHERE local = 1; DELETE FROM objects; DELETE FROM media_attachments; DELETE FROM activities;"]);
const imported = await run(() => api("POST", "/api/roost/archives/import?profile=true", zip, { "Content-Type": "application/zip" }));
await worker.dispose();

const fmt = (ms) => `${ms.toFixed(1)} ms`;
const sum = (jobs, f) => jobs.reduce((n, j) => n + f(j), 0);
const jobRow = (name, r) =>
  `| ${name} | ${r.jobs.length} | ${fmt(percentile(r.jobs.map((j) => j.ms), 50))} | ${fmt(Math.max(...r.jobs.map((j) => j.ms)))} | ${fmt(r.cpu / Math.max(1, r.jobs.length))} | ${sum(r.jobs, (j) => j.counter.classA)} | ${sum(r.jobs, (j) => j.counter.classB)} | ${sum(r.jobs, (j) => j.counter.deletes)} | ${3 * (sum(r.jobs, (j) => j.counter.queueSends) + 1)} |`;

const isolate = await startIsolateCpu();
async function startIsolateCpu() {
  const toml = path.join(dir, "cpu.toml");
  writeFileSync(toml, `name = "roost-bench-archive-cpu"\nmain = "${entry}"\ncompatibility_date = "2026-08-01"\ncompatibility_flags = ["nodejs_compat"]\n`);
  const { unstable_startWorker } = await import("wrangler");
  const w = await unstable_startWorker({ config: toml, dev: { server: { hostname: "127.0.0.1", port: PORT + 1 }, inspector: false, logLevel: "warn" } });
  await w.ready;
  const result = await (await fetch(`http://127.0.0.1:${PORT + 1}/__bench/archive-cpu?posts=${free.archivePostsPerJob}&bytes=${free.archiveBytesPerJob}`)).json();
  await w.dispose();
  return result;
}
const cpuRow = (name, samples, what) => `| ${name} | ${what} | ${fmt(percentile(samples.slice(2), 50))} | ${fmt(Math.max(...samples.slice(2)))} |`;

writeSection("archive", "Account archives (issue #14)", [
  provenance(),
  "",
  `Command: \`npx node bench/archive.mjs${POSTS === 1000 && IMAGES === 20 ? "" : ` ${POSTS} ${IMAGES}`}\` — PLAN=free (\`archivePostsPerJob\` ${free.archivePostsPerJob}, \`archiveBytesPerJob\` ${free.archiveBytesPerJob / 1024 / 1024} MiB), a node of ${POSTS.toLocaleString("en")} posts of which ${IMAGES} carry a ${(imageBytes / IMAGES / 1024).toFixed(0)} KiB PNG (noise: it does not compress), with a ${(avatarPng.length / 1024 / 1024).toFixed(1)} MiB avatar and a header, exported, then imported (\`profile=true\`: bookmarks step, avatar, header, one profile update) into the same node with its posts, media rows and activities deleted.`,
  "",
  `Export: ${exported.report.processed} posts, zip ${(exported.report.size / 1024 / 1024).toFixed(2)} MiB in ${Math.ceil(exported.report.size / (5 * 1024 * 1024))} multipart part(s), ${(exported.wall / 1000).toFixed(1)} s wall. Import: ${imported.report.imported} posts made, ${imported.report.skipped} skipped, ${imported.report.failed} failed, ${(imported.wall / 1000).toFixed(1)} s wall. Independent readers on the exported zip: ${checks.join("; ")}.`,
  "",
  "Per `archive` job invocation (inside the Worker: wall time including local R2 and D1 I/O, so an upper bound of its CPU; workerd CPU: the workerd processes' CPU over the run divided by the invocations, which also counts local D1/R2 simulation and the runtime):",
  "",
  "| run | invocations | in-Worker p50 | in-Worker max | workerd CPU per invocation | R2 Class A (put, part, create, complete) | R2 Class B (get) | R2 deletes | queue operations (3 per message, start included) |",
  "|---|---|---|---|---|---|---|---|---|",
  jobRow("export", exported),
  jobRow("import", imported),
  "",
  "The computing part of each kind of step alone, in the isolate (mean of batches of 10 between timer ticks; workerd's clock moves only at I/O):",
  "",
  "| step | what it computes | p50 | max |",
  "|---|---|---|---|",
  cpuRow("export: a page of outbox.json", isolate.exportPage, `${free.archivePostsPerJob} stored Notes parsed and written as Create items`),
  cpuRow("export: a media step", isolate.exportMedia, `${free.archiveBytesPerJob / 1024 / 1024} MiB copied out of a body stream, then CRC-32`),
  cpuRow("— of which the CRC-32", isolate.crcOnly, `${free.archiveBytesPerJob / 1024 / 1024} MiB, slicing by 8`),
  cpuRow("import: a page of outbox.json", isolate.importPage, `${free.archivePostsPerJob} items found by the byte scan, parsed, HTML sanitised, our Note and its Create written`),
  "",
  `Load average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(", ")} on ${cpus().length} cores (timings inside workerd are wall time between I/O, so a loaded machine inflates them).`,
]);
console.log(readFileSync(path.join(root, "BENCHMARKS.md"), "utf8").split("<!-- archive:start -->")[1].split("<!-- archive:end -->")[0]);
