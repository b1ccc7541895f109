// The owner's command line: `npm run roost -- <command>`. Talks to the node named by ROOST_URL
// and ROOST_TOKEN, else the local dev node (.dev.vars), else the deployed one (.roost/, with the
// origin from .roost/deploy.json or WEB_ORIGIN in wrangler.toml). Files are read from the current
// directory, which `npm run` sets to the project root. It speaks the Mastodon client API with the
// owner token as bearer, like any app; only what Mastodon has no endpoint for is under /api/roost.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { readDotenv } from "./lib/dotenv.mjs";
import { readWranglerToml } from "./lib/wrangler-toml.mjs";
import { clean } from "./lib/clean.mjs";

const USAGE = `usage: npm run roost -- <command>
  post "text" [--cw warning] [--visibility public|unlisted|followers|direct] [--reply-to <post URL or id>] [--lang en]
                                 the text is Markdown (content_type text/markdown)
  delete <post id or URL>
  follow <account>               an account is @user@host or an actor URL
  unfollow <account>
  followers
  remove-follower <account>      their server is sent a Reject of their Follow
  requests                       follow requests waiting for you (MANUALLY_APPROVES_FOLLOWERS)
  approve <account>
  reject <account>
  notifications
  block <account | domain>
  unblock <account | domain>
  blocks
  announce                       send your profile to followers again (after changing the [vars])
  apps                           the apps signed in to your account
  revoke-app <app id>
  deliveries <post id or URL | activity URL>
  retry <host> [<post id or URL | activity URL>]
                                 send that server's waiting deliveries (of that post) now, not at the next try
  usage
  push                           the apps' Web Push subscriptions and each one's last push
  aliases [add|remove|refresh <account>]
                                 your old accounts (alsoKnownAs) and each move's progress: followers expected, arrived
  move [<account> | undo]        where you moved; move to <account> (it must list you as an alias); undo the move
  export <kind> [file]           CSV in Mastodon's format: follows followers lists blocks mutes domain_blocks bookmarks
  import <type> <file> [--overwrite]
                                 a Mastodon CSV: following blocking muting domain_blocking bookmarks lists
  imports [<import id>]          the imports and their progress; with an id, every row that failed and why
  emoji [add <shortcode> <file> [--category name] | remove <shortcode>]
                                 your custom emoji (PNG, GIF, WebP or AVIF, up to 256 KB); write :shortcode: in posts and the profile
  react <post id or URL> <emoji> [--undo]
                                 an emoji reaction (unicode, or one of your :shortcode:), sent to the post's author
  archive export                 start a Mastodon-style account archive (a zip: posts, media, likes, bookmarks, actor)
  archive import <file.zip> [--profile]
                                 import the posts of a Mastodon (or Roost) archive: dates, visibility, media; nothing is sent;
                                 its bookmarks too; --profile: its name, bio, fields, avatar and header (one profile update sent)
  archive [<archive id>]         the archives and their progress; with the id of a finished export, where to download it
  archive download <id> [file]   save a finished export (default: the name the node gives it)`;

/** The Mastodon API's largest page of accounts. */
const PAGE = 80;
/** The CLI's visibility names → Mastodon's. */
const VISIBILITY = { public: "public", unlisted: "unlisted", followers: "private", private: "private", direct: "direct" };
const STATUS_ID = /^\d{1,16}$/;
const HANDLE = /^@?[^@\s/]+@[^@\s/]+$/;
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

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

/**
 * One request: the parsed JSON and the response, or the program ends with the node's error
 * (`orNull`: a 404 is null instead).
 */
async function request(node, method, pathname, body, { orNull = false } = {}) {
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
  if (res.status === 404 && orNull) return null;
  if (!res.ok) fail(`${method} ${pathname} answered ${res.status}: ${clean(json.error ?? text)}`);
  return { json, res };
}

const call = async (node, method, pathname, body) => (await request(node, method, pathname, body)).json;

/** Every item of a paged list, following the Link header's `next` as Mastodon clients do. */
async function all(node, pathname) {
  const items = [];
  for (let next = pathname; next; ) {
    const { json, res } = await request(node, "GET", next);
    items.push(...json);
    const link = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get("Link") ?? "");
    next = json.length > 0 && link ? new URL(link[1]).pathname + new URL(link[1]).search : null;
  }
  return items;
}

const q = (params) => new URLSearchParams(params).toString();
const acct = (account) => `@${clean(account.acct)}`;

/** The account behind @user@host or an actor URL: WebFinger, or the actor fetched (search with resolve). */
async function lookup(node, who) {
  const found = HANDLE.test(who)
    ? (await request(node, "GET", `/api/v1/accounts/lookup?${q({ acct: who.replace(/^@/, "") })}`, undefined, { orNull: true }))?.json
    : (await call(node, "GET", `/api/v2/search?${q({ q: who, resolve: "true", type: "accounts", limit: "1" })}`)).accounts[0];
  return found ?? fail(`could not find the account ${clean(who)}`);
}

/**
 * `who` in a list of accounts, by handle or actor URL without asking anyone (their server may be
 * gone), else by the id a lookup gives. Absent: null, or with `elseLookedUp` the account looked up.
 */
async function findIn(node, accounts, who, { elseLookedUp = false } = {}) {
  const handle = who.replace(/^@/, "").toLowerCase();
  const found = accounts.find((a) => a.acct.toLowerCase() === handle || a.uri === who || a.url === who);
  if (found) return found;
  const looked = await lookup(node, who);
  return accounts.find((a) => a.id === looked.id) ?? (elseLookedUp ? looked : null);
}

/** A status id: given, or found by its URL (ours or another server's). */
async function statusId(node, given) {
  if (STATUS_ID.test(given)) return given;
  const { statuses } = await call(node, "GET", `/api/v2/search?${q({ q: given, resolve: "true", type: "statuses", limit: "1" })}`);
  return statuses[0]?.id ?? fail(`could not find the post ${clean(given)}`);
}

const owner = async (node) => (await call(node, "GET", "/api/v1/accounts/verify_credentials")).id;

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
        overwrite: { type: "boolean" },
        profile: { type: "boolean" },
        category: { type: "string" },
        undo: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
}

function notificationLine(n) {
  const what = n.status?.url ?? n.status?.uri ?? n.report?.comment ?? "";
  const emoji = n.emoji ? `\t${clean(n.emoji)}` : "";
  return `${clean(n.created_at)}\t${clean(n.type)}${emoji}\t${acct(n.account)}${what ? `\t${clean(what)}` : ""}`;
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

/** `aliases`: the old accounts and how many of their followers follow you now. */
async function printAliases(node) {
  const { aliases } = await call(node, "GET", "/api/roost/aliases");
  for (const a of aliases) {
    const state = a.state === "failed" ? `followers not read: ${clean(a.error)}` : a.state === "listing" ? "reading its followers" : a.state ? "" : "followers not read (run `aliases refresh`)";
    console.log(`${clean(a.alias)}\tarrived ${clean(a.arrived)} of ${clean(a.expected ?? "?")}${state ? `\t${state}` : ""}`);
  }
  if (aliases.length === 0) console.log("no aliases");
}

function printMove(state) {
  if (state.movedTo) console.log(`moved to ${clean(state.movedTo)}`);
  else console.log("not moved");
  if (state.lastMove) console.log(`last Move sent ${clean(state.lastMove.sentAt)} to ${clean(state.lastMove.target)}; the next may be sent from ${clean(state.lastMove.nextMoveAt)}`);
}

function printImport(report) {
  console.log(`import ${clean(report.id)} (${clean(report.type)}, ${clean(report.mode)}): ${clean(report.state)}, ${report.processed} of ${report.total} rows, ${report.imported} imported, ${report.failed} failed`);
  for (const f of report.failures ?? []) console.log(`  line ${clean(f.line)}\t${clean(f.value)}\t${clean(f.error)}`);
}

/** `export`: the CSV as the node wrote it, to stdout or a file (the bytes unchanged: it is data, not shown text). */
async function exportTo(node, kind, file) {
  let res;
  try {
    res = await fetch(new URL(`/api/roost/exports/${encodeURIComponent(kind)}.csv`, node.url), { headers: { Authorization: `Bearer ${node.token}` } });
  } catch (error) {
    fail(`${node.url} did not answer: ${error.cause?.message ?? error.message}`);
  }
  if (!res.ok) fail(`export ${clean(kind)} answered ${res.status}: ${clean((await res.json().catch(() => ({}))).error ?? "")}`);
  const csv = await res.text();
  if (!file) {
    // To a terminal it is shown text: cleaned line by line (remote servers chose the names in it).
    process.stdout.write(csv.split("\n").map(clean).join("\n"));
    return;
  }
  writeFileSync(file, csv);
  console.log(`wrote ${file} (${csv.split("\n").filter(Boolean).length} lines)`);
}

/** POSTs a multipart `form` as the owner; the answer's JSON, or a failure naming `what` was refused. */
async function postForm(node, pathname, form, what) {
  let res;
  try {
    res = await fetch(new URL(pathname, node.url), { method: "POST", headers: { Authorization: `Bearer ${node.token}`, Accept: "application/json" }, body: form });
  } catch (error) {
    fail(`${node.url} did not answer: ${error.cause?.message ?? error.message}`);
  }
  const json = await res.json().catch(() => ({ error: `answered ${res.status}` }));
  if (!res.ok) fail(`${what} refused (${res.status}): ${clean(json.error)}`);
  return json;
}

/** `emoji add`: the image goes up as multipart, as Mastodon's admin form sends it. */
async function addEmoji(node, shortcode, file, category) {
  if (!existsSync(file)) fail(`no file ${file}`);
  const form = new FormData();
  form.append("shortcode", shortcode);
  if (category) form.append("category", category);
  form.append("image", new Blob([readFileSync(file)]), path.basename(file));
  const json = await postForm(node, "/api/roost/emojis", form, "emoji");
  console.log(`:${clean(json.shortcode)}: ${clean(json.url)}`);
}

/** `import`: the file goes up as multipart (Mastodon's settings form sends it so too); the rows are applied by the node's queue. */
async function importFile(node, type, file, overwrite) {
  if (!existsSync(file)) fail(`no file ${file}`);
  const form = new FormData();
  form.append("type", type);
  form.append("mode", overwrite ? "overwrite" : "merge");
  form.append("data", new Blob([readFileSync(file)], { type: "text/csv" }), path.basename(file));
  const json = await postForm(node, "/api/roost/imports", form, "import");
  console.log(`import ${clean(json.id)} queued: ${json.total} rows; \`npm run roost -- imports ${clean(json.id)}\` shows its progress`);
}

function printArchive(a) {
  const counts = a.kind === "import" ? `, ${a.imported} imported, ${a.skipped} skipped, ${a.failed} failed` : a.size ? `, ${a.size} bytes` : "";
  console.log(`${clean(a.id)}\t${clean(a.kind)}\t${clean(a.state)}\t${a.processed}/${a.total} posts${counts}${a.error ? `\t${clean(a.error)}` : ""}`);
}

/** `archive import`: the zip itself is the request body (no form: the node streams it into R2). */
async function importArchive(node, file, profile) {
  if (!existsSync(file)) fail(`no file ${file}`);
  let res;
  try {
    res = await fetch(new URL(`/api/roost/archives/import${profile ? "?profile=true" : ""}`, node.url), { method: "POST", headers: { Authorization: `Bearer ${node.token}`, Accept: "application/json", "Content-Type": "application/zip" }, body: readFileSync(file) });
  } catch (error) {
    fail(`${node.url} did not answer: ${error.cause?.message ?? error.message}`);
  }
  const json = await res.json().catch(() => ({ error: `answered ${res.status}` }));
  if (!res.ok) fail(`archive refused (${res.status}): ${clean(json.error)}`);
  console.log(`archive import ${clean(json.id)} queued; \`npm run roost -- archive ${clean(json.id)}\` shows its progress`);
}

/** `archive download`: the zip's bytes as the node sent them. */
async function downloadArchive(node, id, file) {
  let res;
  try {
    res = await fetch(new URL(`/api/roost/archives/${id}/download`, node.url), { headers: { Authorization: `Bearer ${node.token}` } });
  } catch (error) {
    fail(`${node.url} did not answer: ${error.cause?.message ?? error.message}`);
  }
  if (!res.ok) fail(`download answered ${res.status}: ${clean((await res.json().catch(() => ({}))).error ?? "")}`);
  const named = /filename="([\w.-]+)"/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? `archive-${id}.zip`;
  const target = file ?? named;
  const bytes = new Uint8Array(await res.arrayBuffer());
  writeFileSync(target, bytes);
  console.log(`wrote ${target} (${bytes.length} bytes)`);
}

async function archiveCommand(node, [sub, value, file], profile = false) {
  if (sub === "export") {
    const a = await call(node, "POST", "/api/roost/archives/export");
    console.log(`archive export ${clean(a.id)} started: ${a.total} posts; \`npm run roost -- archive ${clean(a.id)}\` shows its progress`);
    return;
  }
  if (sub === "import") return importArchive(node, value ?? fail(`archive import needs a file\n${USAGE}`), profile);
  if (sub === "download") {
    if (!value || !STATUS_ID.test(value)) fail(`archive download needs an archive id\n${USAGE}`);
    return downloadArchive(node, value, file);
  }
  if (sub) {
    if (!STATUS_ID.test(sub)) fail(`archive takes export, import, download or an archive id, not ${clean(sub)}`);
    const a = await call(node, "GET", `/api/roost/archives/${sub}`);
    printArchive(a);
    for (const f of a.failures ?? []) console.log(`  ${clean(f)}`);
    if (a.bookmarksImport) console.log(`bookmarks: import ${clean(a.bookmarksImport)} (\`npm run roost -- imports ${clean(a.bookmarksImport)}\`)`);
    if (a.download) console.log(`download: npm run roost -- archive download ${clean(a.id)}  (or, signed in, ${clean(a.download.replace("/api/roost/", "/oauth/"))})`);
    return;
  }
  const { archives } = await call(node, "GET", "/api/roost/archives");
  for (const a of archives) printArchive(a);
  if (archives.length === 0) console.log("no archives");
}

/** The delivery report of a post or activity: a status id is looked up for its URL; the node takes post and activity URLs and local ids. */
async function deliveriesOf(node, given) {
  const id = STATUS_ID.test(given) ? (await call(node, "GET", `/api/v1/statuses/${given}`)).uri : given;
  return call(node, "GET", `/api/roost/deliveries/${encodeURIComponent(id)}`);
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
  const onAccount = async (action, account) => call(node, "POST", `/api/v1/accounts/${encodeURIComponent(account.id)}/${action}`);
  switch (command) {
    case "post": {
      // Unquoted words are one post, as the shell split them.
      const text = args.length > 0 ? args.join(" ") : fail(`post needs the text\n${USAGE}`);
      const visibility = VISIBILITY[values.visibility ?? "public"] ?? fail(`--visibility must be one of public, unlisted, followers, direct`);
      const status = await call(node, "POST", "/api/v1/statuses", {
        status: text,
        content_type: "text/markdown",
        visibility,
        ...(values.cw ? { spoiler_text: values.cw } : {}),
        ...(values["reply-to"] ? { in_reply_to_id: await statusId(node, values["reply-to"]) } : {}),
        ...(values.lang ? { language: values.lang } : {}),
      });
      console.log(`posted ${clean(status.uri)} (id ${clean(status.id)})`);
      break;
    }
    case "delete": {
      const id = await statusId(node, arg("a post id or URL"));
      console.log(`deleted ${clean((await call(node, "DELETE", `/api/v1/statuses/${id}`)).uri)}`);
      break;
    }
    case "follow": {
      const account = await lookup(node, arg("an account"));
      const relationship = await onAccount("follow", account);
      console.log(relationship.following ? `following ${acct(account)}` : `follow requested: ${acct(account)} (pending until they accept)`);
      break;
    }
    case "unfollow": {
      // A follow still pending is not in the list: the account is looked up then.
      const following = await all(node, `/api/v1/accounts/${await owner(node)}/following?limit=${PAGE}`);
      const account = await findIn(node, following, arg("an account"), { elseLookedUp: true });
      await onAccount("unfollow", account);
      console.log(`unfollowed ${acct(account)}`);
      break;
    }
    case "followers": {
      const followers = await all(node, `/api/v1/accounts/${await owner(node)}/followers?limit=${PAGE}`);
      for (const f of followers) console.log(`${acct(f)}\t${clean(f.uri)}${f.moved ? `\tmoved to ${acct(f.moved)}` : ""}`);
      if (followers.length === 0) console.log("no followers yet");
      break;
    }
    case "remove-follower": {
      const followers = await all(node, `/api/v1/accounts/${await owner(node)}/followers?limit=${PAGE}`);
      const account = (await findIn(node, followers, arg("an account"))) ?? fail(`${clean(args[0])} does not follow you`);
      await onAccount("remove_from_followers", account);
      console.log(`removed ${acct(account)} from your followers`);
      break;
    }
    case "requests": {
      const requests = await call(node, "GET", "/api/v1/follow_requests");
      for (const r of requests) console.log(`${acct(r)}\t${clean(r.uri)}`);
      if (requests.length === 0) console.log("no follow requests");
      break;
    }
    case "approve":
    case "reject": {
      const requests = await call(node, "GET", "/api/v1/follow_requests");
      const account = (await findIn(node, requests, arg("an account"))) ?? fail(`no follow request from ${clean(args[0])}`);
      await call(node, "POST", `/api/v1/follow_requests/${encodeURIComponent(account.id)}/${command === "approve" ? "authorize" : "reject"}`);
      console.log(`${command === "approve" ? "approved" : "rejected"} ${acct(account)}`);
      break;
    }
    case "notifications": {
      const notifications = await call(node, "GET", "/api/v1/notifications?limit=40");
      for (const n of notifications) console.log(notificationLine(n));
      if (notifications.length === 0) console.log("no notifications");
      break;
    }
    case "block":
    case "unblock": {
      const who = arg("an account or a domain");
      const blocking = command === "block";
      if (DOMAIN.test(who)) {
        await call(node, blocking ? "POST" : "DELETE", "/api/v1/domain_blocks", { domain: who });
        console.log(`${blocking ? "blocked" : "unblocked"} the domain ${clean(who.toLowerCase())}`);
        break;
      }
      const account = blocking ? await lookup(node, who) : ((await findIn(node, await call(node, "GET", "/api/v1/blocks"), who)) ?? fail(`${clean(who)} is not blocked`));
      await onAccount(command, account);
      console.log(`${blocking ? "blocked" : "unblocked"} ${acct(account)}`);
      break;
    }
    case "blocks": {
      const [accounts, domains] = await Promise.all([call(node, "GET", "/api/v1/blocks"), call(node, "GET", "/api/v1/domain_blocks")]);
      for (const a of accounts) console.log(`${acct(a)}\t${clean(a.uri)}`);
      for (const d of domains) console.log(`domain\t${clean(d)}`);
      if (accounts.length + domains.length === 0) console.log("nothing blocked");
      break;
    }
    case "announce":
      // Saving the profile unchanged sends the Update of the actor as it is served now.
      await call(node, "PATCH", "/api/v1/accounts/update_credentials", {});
      console.log("profile sent to your followers");
      break;
    case "apps": {
      const { apps } = await call(node, "GET", "/api/roost/apps");
      for (const a of apps) console.log(`${clean(a.id)}\t${clean(a.name)}\t${clean(a.scopes.join(" "))}\ttokens ${a.tokens.length}\tsince ${clean(a.registeredAt)}`);
      if (apps.length === 0) console.log("no apps signed in");
      break;
    }
    case "revoke-app": {
      const id = arg("an app id (see `apps`)");
      if (!STATUS_ID.test(id)) fail(`revoke-app needs an app id (see \`apps\`), not ${clean(id)}`);
      await call(node, "DELETE", `/api/roost/apps/${id}`);
      console.log(`signed out app ${id}`);
      break;
    }
    case "deliveries": {
      const result = await deliveriesOf(node, arg("a post id or URL"));
      const c = result.counts;
      console.log(`targets ${c.targets}  delivered ${c.delivered}  pending ${c.pending}  given up ${c.givenUp}`);
      for (const server of result.servers) {
        for (const d of server.deliveries) {
          console.log(`${clean(server.host)}\t${clean(d.state)}\tattempts ${clean(d.attempts)}\t${clean(d.lastError ?? "")}\t${clean(d.nextAttemptAt ?? "")}`);
        }
      }
      break;
    }
    case "retry": {
      const host = arg("a server's host name (see `deliveries`)").toLowerCase();
      // The node retries one activity by its exact id: a post is first looked up for its activity.
      const activity = args[1] ? (await deliveriesOf(node, args[1])).activityId : undefined;
      const result = await call(node, "POST", "/api/roost/deliveries/retry", { host, ...(activity ? { activity } : {}) });
      console.log(`${result.requeued} ${result.requeued === 1 ? "delivery" : "deliveries"} to ${clean(host)} sent again now`);
      break;
    }
    case "usage": {
      const result = await call(node, "GET", "/api/roost/usage");
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
    case "aliases": {
      const [action, who] = args;
      if (!action) return printAliases(node);
      const method = { add: "POST", remove: "DELETE", refresh: "POST" }[action] ?? fail(`aliases takes add, remove or refresh\n${USAGE}`);
      if (!who) fail(`aliases ${action} needs an account (@user@host or an actor URL)`);
      const result = await call(node, method, `/api/roost/aliases${action === "refresh" ? "/refresh" : ""}`, { account: who });
      console.log(`${action === "add" ? "added" : action === "remove" ? "removed" : "reading the followers of"} ${clean(result.alias)}; aliases: ${clean(result.aliases.join(" ") || "none")}`);
      break;
    }
    case "move": {
      const [target] = args;
      if (!target) return printMove(await call(node, "GET", "/api/roost/move"));
      if (target === "undo") {
        printMove(await call(node, "DELETE", "/api/roost/move"));
        break;
      }
      printMove(await call(node, "POST", "/api/roost/move", { account: target }));
      console.log("Update and Move sent to your followers' servers");
      break;
    }
    case "export": {
      const [kind, file] = args;
      if (!kind) fail(`export needs a kind\n${USAGE}`);
      return exportTo(node, kind, file);
    }
    case "import": {
      const [type, file] = args;
      if (!type || !file) fail(`import needs a type and a file\n${USAGE}`);
      return importFile(node, type, file, values.overwrite === true);
    }
    case "imports": {
      const [id] = args;
      if (id) {
        if (!STATUS_ID.test(id)) fail(`imports takes an import id, not ${clean(id)}`);
        return printImport(await call(node, "GET", `/api/roost/imports/${id}`));
      }
      const { imports } = await call(node, "GET", "/api/roost/imports");
      for (const i of imports) console.log(`${clean(i.id)}\t${clean(i.type)}\t${clean(i.mode)}\t${clean(i.state)}\t${i.processed}/${i.total}\tfailed ${i.failed}`);
      if (imports.length === 0) console.log("no imports");
      break;
    }
    case "emoji": {
      const [action, shortcode, file] = args;
      if (action === "add") {
        if (!shortcode || !file) fail(`emoji add needs a shortcode and a file\n${USAGE}`);
        return addEmoji(node, shortcode.replace(/^:(.*):$/, "$1"), file, values.category);
      }
      if (action === "remove") {
        if (!shortcode) fail(`emoji remove needs a shortcode\n${USAGE}`);
        await call(node, "DELETE", `/api/roost/emojis/${encodeURIComponent(shortcode.replace(/^:(.*):$/, "$1"))}`);
        console.log(`removed :${clean(shortcode.replace(/^:(.*):$/, "$1"))}:`);
        break;
      }
      if (action) fail(`emoji takes add or remove, not ${clean(action)}\n${USAGE}`);
      const emojis = await call(node, "GET", "/api/roost/emojis");
      for (const e of emojis) console.log(`:${clean(e.shortcode)}:\t${clean(e.category ?? "")}\t${clean(e.url)}`);
      if (emojis.length === 0) console.log("no custom emoji");
      break;
    }
    case "react": {
      const [post, emoji] = args;
      if (!post || !emoji) fail(`react needs a post and an emoji\n${USAGE}`);
      const id = await statusId(node, post);
      const status = await call(node, values.undo ? "DELETE" : "PUT", `/api/v1/pleroma/statuses/${id}/reactions/${encodeURIComponent(emoji)}`);
      for (const r of status.emoji_reactions ?? []) console.log(`${clean(r.name)}\t${r.count}${r.me ? "\t(you)" : ""}`);
      break;
    }
    case "archive":
      return archiveCommand(node, args, values.profile === true);
    default:
      fail(`unknown command ${command}\n${USAGE}`);
  }
}

await main(process.argv.slice(2));
