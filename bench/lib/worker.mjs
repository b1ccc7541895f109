// Starts the real Worker on local workerd with a fresh persisted D1 (migrations applied), for
// benchmarks. `consumers: false` drops the queue consumer so only the request path runs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { getPlatformProxy, unstable_startWorker } from "wrangler";
import { root } from "./report.mjs";
import { planSettings, withConsumerSettings } from "../../scripts/lib/plan.mjs";

process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_SEND_METRICS = "false";

export const OWNER_TOKEN = "bench-owner-token-0123456789";

const asOwner = (init = {}) => ({ ...init, headers: { Authorization: `Bearer ${OWNER_TOKEN}`, "Content-Type": "application/json", ...init.headers } });

/**
 * A post by the owner, as the CLI makes it: POST /api/v1/statuses; on commits from before the
 * owner surface was the Mastodon API, POST /api/posts. Its Note's and its Create's ids.
 */
export async function ownerPost(origin, text) {
  const res = await fetch(`${origin}/api/v1/statuses`, asOwner({ method: "POST", body: JSON.stringify({ status: text, content_type: "text/markdown" }) }));
  if (res.status === 200) {
    const { uri } = await res.json();
    return { objectId: uri, activityId: `${uri}/activity` };
  }
  const old = await fetch(`${origin}/api/posts`, asOwner({ method: "POST", body: JSON.stringify({ text }) }));
  if (old.status !== 201) throw new Error(`POST /api/v1/statuses answered ${res.status}, POST /api/posts ${old.status}: ${await old.text()}`);
  const { objectId, activityId } = await old.json();
  return { objectId, activityId };
}

/** Today's use by Roost's own budget meter (/api/roost/usage, /api/usage before), or null on commits without it. */
export async function meterUsage(origin) {
  for (const path of ["/api/roost/usage", "/api/usage"]) {
    const res = await fetch(`${origin}${path}`, asOwner());
    if (res.ok) return (await res.json()).used;
  }
  return null;
}

/** `source`: a checkout to build the Worker from (default: this working tree). */
/**
 * Commit `rev`'s src, migrations and wrangler.toml in a temporary directory (with this tree's
 * node_modules), so a benchmark measures committed code while others edit the working tree.
 */
export function committedSource(rev = "HEAD") {
  const dir = mkdtempSync(path.join(tmpdir(), "roost-bench-src-"));
  execFileSync("sh", ["-c", `git archive ${rev} src migrations wrangler.toml | tar -x -C "${dir}"`], { cwd: root });
  symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  return { dir, commit: execFileSync("git", ["rev-parse", "--short", rev], { cwd: root, encoding: "utf8" }).trim() };
}

/** `plan`: "free" or "paid" sets PLAN and the plan's queue consumer settings, as `npm run deploy` does. */
export async function prepareState({ consumers = true, source = root, plan = null } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "roost-bench-"));
  let toml = readFileSync(path.join(source, "wrangler.toml"), "utf8")
    .replace('main = "src/index.ts"', `main = "${path.join(source, "src/index.ts")}"`)
    .replace('migrations_dir = "migrations"', `migrations_dir = "${path.join(source, "migrations")}"`);
  if (plan) {
    toml = toml.replace(/^PLAN = .*$/m, `PLAN = "${plan}"`);
    toml = withConsumerSettings(toml, (await planSettings(source, plan)).consumer).text;
  }
  // Anchored at a line start: the [vars] comments name [[queues.consumers]] too.
  if (!consumers) toml = toml.replace(/^\[\[queues\.consumers\]\][\s\S]*?dead_letter_queue = "[^"]*"\n/m, "");
  const config = path.join(dir, "wrangler.toml");
  writeFileSync(config, toml);
  await applyMigrations(dir, config, path.join(source, "migrations"));
  return { dir, config };
}

/**
 * What `wrangler d1 migrations apply DB --local --persist-to dir` leaves, in one local runtime and
 * one D1 batch: the CLI starts a runtime for each migration (about 40 s of CPU for 25 on this
 * machine, and the browser and client suites each did it). Split into statements by the same
 * splitter wrangler uses (readD1Migrations), so triggers keep their BEGIN … END; d1_migrations is
 * filled in row by row as the CLI fills it, so a later `wrangler d1 migrations apply` finds them done.
 */
async function applyMigrations(dir, config, migrationsDir) {
  const migrations = await readD1Migrations(migrationsDir);
  const proxy = await getPlatformProxy({ configPath: config, persist: { path: path.join(dir, "v3") } });
  try {
    const db = proxy.env.DB;
    await db.batch([
      db.prepare("CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)"),
      ...migrations.flatMap((m) => [...m.queries.map((q) => db.prepare(q)), db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(m.name)]),
    ]);
  } finally {
    await proxy.dispose();
  }
}

/** Runs `wrangler d1 <args> --local` against the benchmark's database. */
export function d1(dir, config, args) {
  return execFileSync("wrangler", ["d1", ...args, "--local", "--persist-to", dir, "--config", config], {
    env: process.env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    maxBuffer: 64 * 1024 * 1024,
  });
}

export async function startWorker({ dir, config }, port) {
  const worker = await unstable_startWorker({
    config,
    dev: { server: { hostname: "127.0.0.1", port }, persist: dir, inspector: false, logLevel: "error" },
    bindings: {
      WEB_ORIGIN: { type: "plain_text", value: `http://127.0.0.1:${port}` },
      LOCAL_DEV: { type: "plain_text", value: "true" },
      OWNER_TOKEN: { type: "plain_text", value: OWNER_TOKEN },
    },
  });
  await worker.ready;
  return worker;
}

/**
 * A bare Worker around one bench entry (bench/*-isolate.ts), no bindings: for measuring the CPU of
 * a computation inside workerd apart from the I/O around it. Dispose it when done.
 */
export async function startIsolate(name, entry, port) {
  const dir = mkdtempSync(path.join(tmpdir(), `roost-bench-${name}-`));
  const config = path.join(dir, "isolate.toml");
  writeFileSync(config, `name = "roost-bench-${name}"\nmain = "${path.join(root, entry)}"\ncompatibility_date = "2026-08-01"\ncompatibility_flags = ["nodejs_compat"]\n`);
  const worker = await unstable_startWorker({ config, dev: { server: { hostname: "127.0.0.1", port }, inspector: false, logLevel: "warn" } });
  await worker.ready;
  return worker;
}

/** The process listening on TCP `port` (from /proc/net/tcp and the processes' open sockets), or null. */
export function pidListeningOn(port) {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try {
      for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f[1]?.endsWith(`:${hex}`) && f[3] === "0A") inodes.add(f[9]);
      }
    } catch {
      // no IPv6 table
    }
  }
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (link.startsWith("socket:[") && inodes.has(link.slice(8, -1))) return Number(pid);
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return null;
}

/** CPU seconds of each workerd process this benchmark started (see workerdCpuSeconds), by pid. */
export function workerdCpuByProcess() {
  const stats = new Map();
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(pid), { workerd: stat.includes("(workerd)"), parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended between listing and reading
    }
  }
  const ours = (pid) => {
    for (let p = stats.get(pid)?.parent; p; p = stats.get(p)?.parent) if (p === process.pid) return true;
    return false;
  };
  const out = new Map();
  for (const [pid, s] of stats) if (s.workerd && ours(pid)) out.set(pid, s.ticks / 100);
  return out;
}

/**
 * CPU seconds (user + system) of the workerd processes this benchmark started: descendants of
 * this Node process only, so other workerd instances on the machine (test runs) are not counted.
 */
export function workerdCpuSeconds() {
  let seconds = 0;
  for (const s of workerdCpuByProcess().values()) seconds += s;
  return seconds;
}
