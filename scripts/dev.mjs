// `npm run dev`: a working node on http://localhost:8787 from a fresh clone. Creates the
// git-ignored .dev.vars on first run, applies the local D1 migrations (one line per migration
// applied), starts `wrangler dev`, waits for it to be ready and prints the handle, the URLs to try
// and the dev owner token. Wrangler's own startup output (banner, bindings and migration tables)
// is left out; its request log and the Worker's logs follow the summary.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createDevOutputFilter, lineSplitter, migrationReport, parseMigrationsApply } from "./lib/dev-output.mjs";
import { readDotenv } from "./lib/dotenv.mjs";
import { runWrangler, wranglerEnv } from "./lib/run.mjs";
import { newOwnerToken } from "./lib/token.mjs";
import { readWranglerToml } from "./lib/wrangler-toml.mjs";

const root = path.resolve(import.meta.dirname, "..");
const PORT = 8787;
const HOST = `localhost:${PORT}`;
const LISTEN = "127.0.0.1";
const STARTUP_LIMIT_MS = 30_000;
// The Request.cf lookup needs the internet; without this, `wrangler dev` stalls offline.
const DEV_ENV = { CLOUDFLARE_CF_FETCH_ENABLED: "false" };

function fail(step, reason) {
  console.error(`\nnpm run dev: ${step} failed: ${reason}`);
  process.exit(1);
}

function ensureDevVars() {
  const file = path.join(root, ".dev.vars");
  if (!existsSync(file)) {
    writeFileSync(
      file,
      [
        "# Local settings for `npm run dev` (git-ignored; delete this file to get a fresh one).",
        "# They override [vars] in wrangler.toml on this machine only.",
        `WEB_ORIGIN=http://${HOST}`,
        `HANDLE_DOMAIN=${HOST}`,
        "LOCAL_DEV=true",
        `OWNER_TOKEN=${newOwnerToken()}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    console.log("Created .dev.vars with local settings and a new dev owner token.");
  }
  return readDotenv(file);
}

/** Applies the local migrations, printing one line per migration instead of wrangler's tables. */
async function applyMigrations() {
  const step = "applying local D1 migrations (wrangler d1 migrations apply DB --local)";
  const result = await runWrangler(["d1", "migrations", "apply", "DB", "--local"], { root, env: DEV_ENV, quiet: true });
  const report = migrationReport(parseMigrationsApply(result.stdout), result.code === 0);
  if (report === null) process.stdout.write(result.stdout); // a format this script cannot read: wrangler's own
  for (const line of report ?? []) console.log(line);
  process.stderr.write(result.stderr); // warnings, or the error (empty on a normal run)
  if (result.code !== 0) fail(step, `exit ${result.code}`);
}

/**
 * Starts `wrangler dev` with its stdout filtered (see lib/dev-output.mjs) and its stderr (warnings,
 * errors) passed through. Lines to show that arrive between "Ready on" and `release()` (the
 * Worker's logs during the startup requests) are held and printed by `release()`, after the summary.
 */
function startWrangler() {
  const env = { ...DEV_ENV };
  // Piped, wrangler turns its colours off; keep them when they would reach a terminal.
  if (process.stdout.isTTY && process.env.FORCE_COLOR === undefined && process.env.NO_COLOR === undefined) env.FORCE_COLOR = "1";
  const child = spawn("wrangler", ["dev", "--port", String(PORT), "--ip", LISTEN, "--show-interactive-dev-session=false"], {
    cwd: root,
    env: wranglerEnv(root, env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const filter = createDevOutputFilter();
  /** @type {string[] | null} */
  let held = null;
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  const lines = lineSplitter((line) => {
    const result = filter.classify(line);
    if (result.kind === "ready") {
      held ??= [];
      markReady(true);
    } else if (result.kind === "show") {
      if (held) held.push(line);
      else console.log(line);
    }
  });
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => lines.push(chunk));
  child.stderr.pipe(process.stderr);
  const closed = new Promise((resolve) =>
    child.on("close", (code, signal) => {
      lines.end();
      for (const line of held ?? []) console.log(line);
      held = null;
      resolve({ code, signal });
    }),
  );
  return {
    child,
    filter,
    ready,
    closed,
    release() {
      for (const line of held ?? []) console.log(line);
      held = null;
    },
  };
}

/** The actor URL as WebFinger reports it; fetching the actor creates the node's key pairs. */
async function discoverActor(username, handleDomain, filter) {
  const webfingerUrl = `http://${HOST}/.well-known/webfinger?resource=acct:${username}@${handleDomain}`;
  const local = (url) => url.replace(`//${HOST}/`, `//${LISTEN}:${PORT}/`);
  const signal = AbortSignal.timeout(STARTUP_LIMIT_MS);
  filter.expectRequest("GET", new URL(webfingerUrl).pathname);
  const jrd = await fetch(local(webfingerUrl), { signal });
  if (!jrd.ok) return { ok: false, reason: `WebFinger answered ${jrd.status}: ${await jrd.text()}` };
  const self = (await jrd.json()).links?.find((link) => link.rel === "self")?.href;
  if (!self) return { ok: false, reason: "WebFinger has no self link" };
  filter.expectRequest("GET", new URL(self).pathname);
  const actor = await fetch(local(self), { headers: { Accept: "application/activity+json" }, signal });
  if (!actor.ok) return { ok: false, reason: `the actor answered ${actor.status}: ${await actor.text()}` };
  return { ok: true, actorUrl: self, webfingerUrl };
}

const devVars = ensureDevVars();
const { vars } = readWranglerToml(path.join(root, "wrangler.toml"));
const username = devVars.USERNAME || vars.USERNAME || "me";
const handleDomain = devVars.HANDLE_DOMAIN || HOST;

await applyMigrations();

const wrangler = startWrangler();
wrangler.child.on("error", (error) => fail("starting wrangler dev", error.message));
// Ctrl-C reaches wrangler too (same process group); forwarding covers a signal sent to this process only.
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    stopping = true;
    wrangler.child.kill(signal);
  });
}
process.on("exit", () => {
  if (wrangler.child.exitCode === null && wrangler.child.signalCode === null) wrangler.child.kill("SIGTERM");
});

const startup = await Promise.race([
  wrangler.ready.then(() => "ready"),
  wrangler.closed.then(({ code, signal }) => `wrangler dev exited (${signal ?? `exit ${code}`})`),
  new Promise((resolve) => setTimeout(resolve, STARTUP_LIMIT_MS, `wrangler dev was not ready within ${STARTUP_LIMIT_MS / 1000} s`)),
]);
if (startup !== "ready") {
  if (stopping) process.exit(130);
  fail("starting wrangler dev", startup);
}
wrangler.closed.then(({ code, signal }) => process.exit(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1)));

const actor = await discoverActor(username, handleDomain, wrangler.filter).catch((error) => ({ ok: false, reason: error.message }));
if (!actor.ok) {
  wrangler.release(); // the Worker's log of the failed request, if any
  fail("reading the local actor", actor.reason);
}

console.log(
  [
    "",
    "Roost is running.",
    `  handle      @${username}@${handleDomain}`,
    `  actor       ${actor.actorUrl}`,
    `  webfinger   ${actor.webfingerUrl}`,
    `  profile     http://${HOST}/@${username}`,
    `  owner token ${devVars.OWNER_TOKEN ?? "(none: add OWNER_TOKEN to .dev.vars)"}  (dev only, from .dev.vars)`,
    "Press Ctrl-C to stop.",
    "",
  ].join("\n"),
);
wrangler.release();
// The log lines of the two startup requests come in shortly; stop waiting for them after a while.
setTimeout(() => wrangler.filter.stopExpecting(), 5_000).unref();
