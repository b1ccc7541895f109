// The owner's command line: `npm run roost -- <command>`. Talks to the node named by ROOST_URL
// and ROOST_TOKEN, else the local dev node (.dev.vars), else the deployed one (.roost/, with the
// origin from .roost/deploy.json or WEB_ORIGIN in wrangler.toml). Files are read from the current
// directory, which `npm run` sets to the project root.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { readDotenv } from "./lib/dotenv.mjs";
import { readWranglerToml } from "./lib/wrangler-toml.mjs";
import { clean } from "./lib/clean.mjs";

const USAGE = `usage: npm run roost -- <command>
  post "text" [--cw warning] [--visibility public|unlisted|followers|direct] [--reply-to URL] [--lang en]
  delete <post id or URL>
  follow @user@host | <actor URL>
  unfollow @user@host | <actor URL>
  followers
  deliveries <post id or activity URL>
  usage
  push`;

/** The owner API's largest page. */
const FOLLOWERS_SHOWN = 200;

function fail(message) {
  console.error(`roost: ${message}`);
  process.exit(1);
}

function deployedOrigin(dir) {
  const state = path.join(dir, ".roost", "deploy.json");
  if (existsSync(state)) {
    try {
      const { origin } = JSON.parse(readFileSync(state, "utf8"));
      if (typeof origin === "string" && origin) return origin;
    } catch {
      fail(`${state} is not valid JSON; run \`npm run deploy\` again`);
    }
  }
  const toml = path.join(dir, "wrangler.toml");
  return existsSync(toml) ? (readWranglerToml(toml).vars.WEB_ORIGIN ?? "").trim() || null : null;
}

/** The node to talk to, or null when none is configured. */
function findNode(env, dir) {
  if (env.ROOST_URL || env.ROOST_TOKEN) {
    if (!env.ROOST_URL || !env.ROOST_TOKEN) fail("set both ROOST_URL and ROOST_TOKEN, or neither");
    return { url: env.ROOST_URL, token: env.ROOST_TOKEN };
  }
  const devVars = path.join(dir, ".dev.vars");
  if (existsSync(devVars)) {
    const vars = readDotenv(devVars);
    if (vars.WEB_ORIGIN && vars.OWNER_TOKEN) return { url: vars.WEB_ORIGIN, token: vars.OWNER_TOKEN };
  }
  const tokenFile = path.join(dir, ".roost", "owner-token");
  if (existsSync(tokenFile)) {
    const url = deployedOrigin(dir);
    if (!url) fail("found .roost/owner-token but not the node's URL: set WEB_ORIGIN in wrangler.toml, or ROOST_URL");
    return { url, token: readFileSync(tokenFile, "utf8").trim() };
  }
  return null;
}

async function call(node, method, pathname, body) {
  let res;
  try {
    res = await fetch(new URL(pathname, node.url), {
      method,
      headers: { Authorization: `Bearer ${node.token}`, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    fail(`${node.url} did not answer: ${error.cause?.message ?? error.message}`);
  }
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = { error: text.trim().slice(0, 500) || "(empty body)" };
  }
  if (!res.ok) fail(`${method} ${pathname} answered ${res.status}: ${clean(json.error ?? text)}`);
  return json;
}

function parse(argv) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        cw: { type: "string" },
        visibility: { type: "string" },
        "reply-to": { type: "string" },
        lang: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
}

/** `push`: the Web Push subscriptions and each one's last push (GET /api/roost/push). */
async function printPush(node) {
  const { subscriptions } = await call(node, "GET", "/api/roost/push");
  for (const sub of subscriptions) {
    const last = sub.lastPush ? `last push ${clean(sub.lastPush.at)} ${clean(sub.lastPush.status ?? "no answer")}${sub.lastPush.error ? ` ${clean(sub.lastPush.error)}` : ""}` : "nothing pushed yet";
    console.log(`${clean(sub.app ?? "?")}\t${clean(new URL(sub.endpoint).host)}\t${clean(sub.encoding)}\tpolicy ${clean(sub.policy)}\talerts ${clean(sub.alerts.join(",") || "none")}\t${last}`);
  }
  if (subscriptions.length === 0) console.log("no push subscriptions");
}

async function main(argv) {
  const { values, positionals } = parse(argv);
  const [command, ...args] = positionals;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!command) fail(USAGE);
  const node = findNode(process.env, process.cwd());
  if (!node) fail("no node configured: set ROOST_URL and ROOST_TOKEN, or run `npm run dev` or `npm run deploy` first");
  const arg = (what) => args[0] ?? fail(`${command} needs ${what}\n${USAGE}`);
  switch (command) {
    case "post": {
      // Unquoted words are one post, as the shell split them.
      const text = args.length > 0 ? args.join(" ") : fail(`post needs the text\n${USAGE}`);
      const result = await call(node, "POST", "/api/posts", {
        text,
        visibility: values.visibility ?? "public",
        spoiler: values.cw ?? null,
        inReplyTo: values["reply-to"] ?? null,
        language: values.lang ?? null,
      });
      console.log(`posted ${clean(result.objectId)}`);
      break;
    }
    case "delete": {
      const result = await call(node, "DELETE", `/api/posts?id=${encodeURIComponent(arg("a post id"))}`);
      console.log(`deleted ${clean(result.objectId)}`);
      break;
    }
    case "follow":
      console.log(`follow requested: ${clean((await call(node, "POST", "/api/follows", { target: arg("an account") })).actorId)} (pending until they accept)`);
      break;
    case "unfollow":
      console.log(`unfollowed ${clean((await call(node, "DELETE", `/api/follows?target=${encodeURIComponent(arg("an account"))}`)).actorId)}`);
      break;
    case "followers": {
      const { followers } = await call(node, "GET", `/api/followers?limit=${FOLLOWERS_SHOWN}`);
      for (const f of followers) console.log(`${clean(f.actorId)}\tsince ${clean(f.since)}${f.movedTo ? `\tmoved to ${clean(f.movedTo)}` : ""}`);
      if (followers.length === 0) console.log("no followers yet");
      if (followers.length === FOLLOWERS_SHOWN) console.log(`(the ${FOLLOWERS_SHOWN} newest shown)`);
      break;
    }
    case "deliveries": {
      const result = await call(node, "GET", `/api/deliveries/${encodeURIComponent(arg("a post id"))}`);
      const c = result.counts;
      console.log(`targets ${c.targets}  delivered ${c.delivered}  pending ${c.pending}  given up ${c.givenUp}`);
      for (const server of result.servers) {
        for (const d of server.deliveries) {
          console.log(`${clean(server.host)}\t${clean(d.state)}\tattempts ${clean(d.attempts)}\t${clean(d.lastError ?? "")}\t${clean(d.nextAttemptAt ?? "")}`);
        }
      }
      break;
    }
    case "usage": {
      const result = await call(node, "GET", "/api/usage");
      console.log(`${result.day} (UTC), plan ${result.plan}${result.waitingOn ? `; bulk delivery waits for tomorrow: ${result.waitingOn}` : ""}`);
      const names = { queueOperations: "queue operations", durableObjectRequests: "Durable Object requests", d1RowsRead: "D1 rows read", d1RowsWritten: "D1 rows written" };
      for (const [key, name] of Object.entries(names)) {
        const used = result.used[key] ?? 0;
        const limit = result.limits?.[key];
        console.log(`${name.padEnd(24)} ${String(used).padStart(9)}${limit ? ` of ${limit} (${((100 * used) / limit).toFixed(1)}%)` : ""}`);
      }
      break;
    }
    case "push":
      return printPush(node);
    default:
      fail(`unknown command ${command}\n${USAGE}`);
  }
}

await main(process.argv.slice(2));
