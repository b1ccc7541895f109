// `npm run dev`: a working node on http://localhost:8787 from a fresh clone. Creates the
// git-ignored .dev.vars on first run, applies the local D1 migrations, starts `wrangler dev`,
// waits for it to answer and prints the handle, the URLs to try and the dev owner token.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
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

async function waitUntilServing(child) {
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      await fetch(`http://${LISTEN}:${PORT}/.well-known/nodeinfo`, { signal: AbortSignal.timeout(2_000) });
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return false;
}

/** The actor URL as WebFinger reports it; fetching the actor creates the node's key pairs. */
async function discoverActor(username, handleDomain) {
  const webfingerUrl = `http://${HOST}/.well-known/webfinger?resource=acct:${username}@${handleDomain}`;
  const local = (url) => url.replace(`//${HOST}/`, `//${LISTEN}:${PORT}/`);
  const jrd = await fetch(local(webfingerUrl));
  if (!jrd.ok) return { ok: false, reason: `WebFinger answered ${jrd.status}: ${await jrd.text()}` };
  const self = (await jrd.json()).links?.find((link) => link.rel === "self")?.href;
  if (!self) return { ok: false, reason: "WebFinger has no self link" };
  const actor = await fetch(local(self), { headers: { Accept: "application/activity+json" } });
  if (!actor.ok) return { ok: false, reason: `the actor answered ${actor.status}: ${await actor.text()}` };
  return { ok: true, actorUrl: self, webfingerUrl };
}

const devVars = ensureDevVars();
const { vars } = readWranglerToml(path.join(root, "wrangler.toml"));
const username = devVars.USERNAME || vars.USERNAME || "me";
const handleDomain = devVars.HANDLE_DOMAIN || HOST;

console.log("Applying local D1 migrations...");
const migrated = await runWrangler(["d1", "migrations", "apply", "DB", "--local"], { root, env: DEV_ENV });
if (migrated.code !== 0) fail("applying local D1 migrations (wrangler d1 migrations apply DB --local)", `exit ${migrated.code}`);

const wrangler = spawn(
  "wrangler",
  ["dev", "--port", String(PORT), "--ip", LISTEN, "--show-interactive-dev-session=false"],
  { cwd: root, env: wranglerEnv(root, DEV_ENV), stdio: ["ignore", "inherit", "inherit"] },
);
wrangler.on("error", (error) => fail("starting wrangler dev", error.message));
wrangler.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1)));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => wrangler.kill(signal));
}

if (!(await waitUntilServing(wrangler))) {
  wrangler.kill("SIGTERM");
  fail("starting wrangler dev", `nothing answered on http://${HOST} within ${STARTUP_LIMIT_MS / 1000} s`);
}
const actor = await discoverActor(username, handleDomain);
if (!actor.ok) {
  wrangler.kill("SIGTERM");
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
