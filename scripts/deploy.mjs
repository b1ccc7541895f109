// `npm run deploy`: the whole deploy after a one-time `npx wrangler login`. Safe to re-run.
//
// Order: the D1 database only exists after the first `wrangler deploy` (which provisions it, the
// media bucket when it is missing, the queues and the Durable Object namespace), so on a new account migrations run right after that
// deploy. Once the database exists, migrations run BEFORE new code goes live, so code never
// meets a schema older than itself (migrations must therefore stay backward compatible).
//
// WEB_ORIGIN: when wrangler.toml leaves it empty, the node lives on the workers.dev URL that
// `wrangler deploy` prints. The first deploy learns it, a second deploy passes it with --var,
// and .roost/deploy.json remembers it so later runs need a single deploy.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runWrangler } from "./lib/run.mjs";
import { planSettings, writeConsumerSettings } from "./lib/plan.mjs";
import { newOwnerToken } from "./lib/token.mjs";
import { readWranglerToml } from "./lib/wrangler-toml.mjs";

const root = path.resolve(import.meta.dirname, "..");
const stateDir = path.join(root, ".roost");
const stateFile = path.join(stateDir, "deploy.json");
const tokenFile = path.join(stateDir, "owner-token");

function fail(step, reason) {
  console.error(`\nnpm run deploy: ${step} failed: ${reason}`);
  process.exit(1);
}

async function wrangler(step, args, options = {}) {
  console.log(`\n→ ${step}: wrangler ${args.join(" ")}`);
  const result = await runWrangler(args, { root, ...options });
  if (result.code !== 0) {
    if (options.quiet) process.stderr.write(result.stderr || result.stdout);
    const hint = options.explain?.(`${result.stdout}\n${result.stderr}`);
    fail(step, `wrangler exited with ${result.code}${hint ? `. ${hint}` : ""}`);
  }
  return result.stdout;
}

// wrangler only offers to register a workers.dev subdomain when it runs in a terminal, and the
// deploy here is not one (its output is read for the URL).
function explainDeployFailure(output) {
  if (/register a workers\.dev subdomain/i.test(output)) {
    return "This account has no workers.dev subdomain yet: register one with the onboarding link above (or run `npx wrangler deploy` once in a terminal and accept), then run `npm run deploy` again";
  }
  // Creating the media bucket needs R2 turned on for the account (once, in the dashboard; the free tier covers a Roost).
  if (/enable R2|code: 10042/i.test(output)) {
    return "R2 is not enabled on this account: open R2 in the Cloudflare dashboard and enable it (the free tier is enough), then run `npm run deploy` again";
  }
  return "";
}

function parseJson(step, text) {
  const start = text.search(/[[{]/);
  try {
    return JSON.parse(text.slice(start));
  } catch {
    fail(step, `wrangler printed no JSON: ${text.trim().slice(0, 200)}`);
  }
}

function readState(workerName) {
  if (!existsSync(stateFile)) return null;
  try {
    const state = JSON.parse(readFileSync(stateFile, "utf8"));
    return state.worker === workerName && typeof state.origin === "string" ? state : null;
  } catch {
    return null;
  }
}

function writeState(state) {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

function workersDevUrl(output, workerName) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const escaped = workerName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`https://${escaped}\\.[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.workers\\.dev\\b`, "i").exec(plain)?.[0] ?? null;
}

/** The --var flags that pin WEB_ORIGIN (and HANDLE_DOMAIN when it is empty too) to the workers.dev URL. */
function originVars(origin, vars) {
  const flags = ["--var", `WEB_ORIGIN:${origin}`];
  if (!(vars.HANDLE_DOMAIN ?? "").trim()) flags.push("--var", `HANDLE_DOMAIN:${new URL(origin).host}`);
  return flags;
}

const { name: workerName, vars, databaseName, bucketName } = readWranglerToml(path.join(root, "wrangler.toml"));
if (!workerName || !databaseName) fail("reading wrangler.toml", "it needs a top-level name and a [[d1_databases]] database_name");
const configuredOrigin = (vars.WEB_ORIGIN ?? "").trim();

// 0. The plan: its queue consumer settings go into wrangler.toml, which `wrangler deploy` reads.
let plan;
try {
  plan = await planSettings(root, vars.PLAN);
} catch (error) {
  fail("reading PLAN in wrangler.toml", error.message);
}
const consumerChanges = writeConsumerSettings(path.join(root, "wrangler.toml"), plan.consumer);
console.log(
  `→ PLAN = "${plan.plan}": queue consumer ${Object.entries(plan.consumer)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} = ${v}`)
    .join(", ")}${consumerChanges.length > 0 ? ` (written to wrangler.toml: ${consumerChanges.join(", ")})` : ""}`,
);
const username = (vars.USERNAME ?? "").trim() || "me";

// 1. Login.
console.log("→ checking the Cloudflare login: wrangler whoami --json");
const whoami = await runWrangler(["whoami", "--json"], { root, quiet: true });
if (whoami.code === 127) fail("checking the Cloudflare login", `wrangler could not be started (${whoami.stderr.trim()}); run \`npm install\` first`);
if (whoami.code !== 0 || !/"loggedIn"\s*:\s*true/.test(whoami.stdout)) {
  fail("checking the Cloudflare login", "not logged in. Run `npx wrangler login` once (or set CLOUDFLARE_API_TOKEN), then `npm run deploy` again");
}

// 2. Does the database exist yet?
const databases = parseJson("looking up the D1 database", await wrangler("looking up the D1 database", ["d1", "list", "--json"], { quiet: true }));
const databaseExisted = Array.isArray(databases) && databases.some((db) => db.name === databaseName);
const migrate = ["d1", "migrations", "apply", "DB", "--remote"];
if (databaseExisted) await wrangler("applying D1 migrations", migrate);

// 3. Deploy, with the origin pinned when we know it.
const saved = configuredOrigin ? null : readState(workerName);
const deployArgs = (origin) => ["deploy", ...(origin && !configuredOrigin ? originVars(origin, vars) : [])];
const firstOutput = await wrangler("deploying the Worker", deployArgs(saved?.origin), { capture: true, explain: explainDeployFailure });
if (!databaseExisted) await wrangler("applying D1 migrations", migrate);

let origin = configuredOrigin;
let redeploy = false;
if (!configuredOrigin) {
  const url = workersDevUrl(firstOutput, workerName);
  if (!url) fail("deploying the Worker", `no https://${workerName}.<subdomain>.workers.dev URL in wrangler's output; set WEB_ORIGIN in wrangler.toml`);
  origin = url;
  redeploy = url !== saved?.origin;
  writeState({ worker: workerName, origin });
}

// 4. The owner token: created once, kept on Cloudflare as a secret and locally for the CLI.
const secrets = parseJson("checking the owner token", await wrangler("checking the owner token", ["secret", "list", "--format", "json"], { quiet: true }));
let newToken = null;
if (!Array.isArray(secrets) || !secrets.some((secret) => secret.name === "OWNER_TOKEN")) {
  newToken = newOwnerToken();
  await wrangler("setting the owner token", ["secret", "put", "OWNER_TOKEN"], { input: newToken });
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(tokenFile, `${newToken}\n`, { mode: 0o600 });
  chmodSync(tokenFile, 0o600);
}

// 5. Second deploy, only when the workers.dev origin was just learned (or changed).
if (redeploy) await wrangler("deploying with WEB_ORIGIN set", deployArgs(origin), { capture: true, explain: explainDeployFailure });

const handleDomain = (vars.HANDLE_DOMAIN ?? "").trim().toLowerCase() || new URL(origin).host;
const lines = [
  "",
  "Roost is deployed.",
  `  handle      @${username}@${handleDomain}`,
  `  webfinger   ${origin}/.well-known/webfinger?resource=acct:${username}@${handleDomain}`,
  `  actor       ${origin}/users/${username}`,
  `  profile     ${origin}/@${username}`,
  ...(bucketName ? [`  media       R2 bucket ${bucketName}, served at ${(vars.MEDIA_URL ?? "").trim() || `${origin}/media/`}`] : []),
];
// The token goes to a terminal only: piped output and CI logs are kept and shared.
const toTerminal = process.stdout.isTTY === true && !process.env.CI;
if (newToken && toTerminal) {
  lines.push(`  owner token ${newToken}`, "  (shown once; saved to .roost/owner-token, readable only by you)");
} else if (newToken) {
  lines.push("  owner token created and saved to .roost/owner-token, readable only by you", "  (not printed: this output is not a terminal)");
} else if (existsSync(tokenFile)) {
  lines.push("  owner token in .roost/owner-token");
} else {
  lines.push(
    "  owner token set on Cloudflare, but this machine has no copy in .roost/owner-token.",
    "  For a new one: npx wrangler secret delete OWNER_TOKEN, then npm run deploy.",
  );
}
console.log(lines.join("\n"));
