// The owner's command line: `npm run roost -- <command>`. Talks to the node named by ROOST_URL
// and ROOST_TOKEN, else the local dev node (.dev.vars), else the deployed one (.roost/).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { readDotenv } from "./lib/dotenv.mjs";

const root = path.resolve(import.meta.dirname, "..");
const USAGE = `usage: npm run roost -- <command>
  post "text" [--cw warning] [--visibility public|unlisted|followers|direct] [--reply-to URL] [--lang en]
  delete <post id or URL>
  follow @user@host | <actor URL>
  unfollow @user@host | <actor URL>
  followers
  deliveries <post id or activity URL>`;

function fail(message) {
  console.error(`roost: ${message}`);
  process.exit(1);
}

function target(env = process.env, dir = root) {
  if (env.ROOST_URL && env.ROOST_TOKEN) return { url: env.ROOST_URL, token: env.ROOST_TOKEN };
  const devVars = path.join(dir, ".dev.vars");
  if (existsSync(devVars)) {
    const vars = readDotenv(devVars);
    if (vars.WEB_ORIGIN && vars.OWNER_TOKEN) return { url: vars.WEB_ORIGIN, token: vars.OWNER_TOKEN };
  }
  const deployed = path.join(dir, ".roost", "deploy.json");
  const tokenFile = path.join(dir, ".roost", "owner-token");
  if (existsSync(deployed) && existsSync(tokenFile)) {
    const { origin } = JSON.parse(readFileSync(deployed, "utf8"));
    if (origin) return { url: origin, token: readFileSync(tokenFile, "utf8").trim() };
  }
  return null;
}

async function call(node, method, pathname, body) {
  let res;
  try {
    res = await fetch(new URL(pathname, node.url), {
      method,
      headers: { Authorization: `Bearer ${node.token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
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
    json = { error: text };
  }
  if (!res.ok) fail(`${method} ${pathname} answered ${res.status}: ${json.error ?? text}`);
  return json;
}

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { cw: { type: "string" }, visibility: { type: "string" }, "reply-to": { type: "string" }, lang: { type: "string" } },
  });
  const [command, arg] = positionals;
  if (!command) fail(USAGE);
  const node = target();
  if (!node) fail("no node configured: set ROOST_URL and ROOST_TOKEN, or run `npm run dev` or `npm run deploy` first");
  const needArg = (what) => arg ?? fail(`${command} needs ${what}\n${USAGE}`);
  switch (command) {
    case "post": {
      const result = await call(node, "POST", "/api/posts", {
        text: needArg("the text"),
        visibility: values.visibility ?? "public",
        spoiler: values.cw ?? null,
        inReplyTo: values["reply-to"] ?? null,
        language: values.lang ?? null,
      });
      console.log(`posted ${result.objectId}`);
      break;
    }
    case "delete":
      await call(node, "DELETE", `/api/posts?id=${encodeURIComponent(needArg("a post id"))}`);
      console.log("deleted");
      break;
    case "follow":
      console.log(`follow requested: ${(await call(node, "POST", "/api/follows", { target: needArg("an account") })).actorId}`);
      break;
    case "unfollow":
      console.log(`unfollowed ${(await call(node, "DELETE", `/api/follows?target=${encodeURIComponent(needArg("an account"))}`)).actorId}`);
      break;
    case "followers": {
      const result = await call(node, "GET", "/api/followers");
      for (const f of result.followers ?? []) console.log(`${f.actorId ?? f.actor ?? f.id}\t${f.state ?? ""}`);
      break;
    }
    case "deliveries": {
      const result = await call(node, "GET", `/api/deliveries/${encodeURIComponent(needArg("a post id"))}`);
      const c = result.counts;
      console.log(`targets ${c.targets}  delivered ${c.delivered}  pending ${c.pending}  given up ${c.givenUp}`);
      for (const server of result.servers) {
        for (const d of server.deliveries) {
          console.log(`${server.host}\t${d.state}\tattempts ${d.attempts}\t${d.lastError ?? ""}\t${d.nextAttemptAt ?? ""}`);
        }
      }
      break;
    }
    default:
      fail(`unknown command ${command}\n${USAGE}`);
  }
}

await main(process.argv.slice(2));
