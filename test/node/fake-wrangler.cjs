// A stand-in for the wrangler CLI with a pretend Cloudflare account kept in a JSON file
// ($FAKE_ACCOUNT). Every call is appended to $FAKE_CALLS as {args, stdin}. It behaves like the
// real commands where the deploy script depends on it: the database and the Worker only exist
// after `deploy`, migrations fail without the database, secrets need a deployed Worker.
const fs = require("node:fs");

const accountFile = process.env.FAKE_ACCOUNT;
const account = JSON.parse(fs.readFileSync(accountFile, "utf8"));
const args = process.argv.slice(2);
const line = args.join(" ");
const is = (command) => line === command || line.startsWith(`${command} `);
const stdin = process.stdin.isTTY ? null : fs.readFileSync(0, "utf8");
fs.appendFileSync(process.env.FAKE_CALLS, `${JSON.stringify({ args, stdin: stdin || null })}\n`);

function finish(code, out = "", err = "") {
  fs.writeFileSync(accountFile, JSON.stringify(account));
  process.stdout.write(out);
  process.stderr.write(err);
  process.exit(code);
}

if (is("whoami")) {
  if (!account.loggedIn) finish(1, '{"loggedIn":false}\n');
  finish(0, JSON.stringify({ loggedIn: true, authType: "OAuth Token", email: "owner@example.com", accounts: [] }));
}
if (!account.loggedIn) finish(1, "", "✘ [ERROR] You are not authenticated.\n");

if (is("d1 list")) finish(0, JSON.stringify(account.databases.map((name) => ({ uuid: `uuid-${name}`, name }))));

if (is("d1 migrations apply")) {
  if (!account.databases.includes("roost")) finish(1, "", "✘ [ERROR] Couldn't find a D1 DB with the name or binding 'DB'\n");
  if (account.migrationsFail) finish(1, "", '✘ [ERROR] near "TABLEX": syntax error at offset 7: SQLITE_ERROR\n');
  account.migrated = true;
  finish(0, "🚣 Migrations applied.\n");
}

if (is("deploy")) {
  if (!account.subdomain) {
    finish(
      1,
      "",
      "✘ [ERROR] You can either deploy your worker to one or more routes by specifying them in your wrangler.toml file, or register a workers.dev subdomain here:\nhttps://dash.cloudflare.com/0123/workers/onboarding\n",
    );
  }
  // wrangler deploy provisions what the bindings name and the account lacks: the database, the bucket.
  const toml = fs.readFileSync("wrangler.toml", "utf8");
  const bucket = /^\[\[r2_buckets\]\][^[]*?^bucket_name\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (bucket && !(account.buckets ?? []).includes(bucket)) {
    if (account.r2Disabled) finish(1, "", "✘ [ERROR] A request to the Cloudflare API (/accounts/0123/r2/buckets) failed.\n  Please enable R2 through the Cloudflare Dashboard. [code: 10042]\n");
    account.buckets = [...(account.buckets ?? []), bucket];
  }
  if (!account.databases.includes("roost")) account.databases.push("roost");
  account.deployed = true;
  // What Cloudflare's queue consumer would be configured with: the keys of [[queues.consumers]].
  const section = toml.split(/^\[\[queues\.consumers\]\]$/m)[1]?.split(/\n\s*\[/)[0] ?? "";
  account.consumer = Object.fromEntries(
    [...section.matchAll(/^\s*(max_[a-z_]+)\s*=\s*(\d+)/gm)].map((m) => [m[1], Number(m[2])]),
  );
  finish(
    0,
    [
      "Total Upload: 120.00 KiB / gzip: 38.00 KiB",
      "Uploaded roost (3.10 sec)",
      "Deployed roost triggers (1.20 sec)",
      `  \u001b[4mhttps://roost.${account.subdomain}.workers.dev\u001b[24m`,
      "  Producer for roost-jobs",
      "  Consumer for roost-jobs",
      "Current Version ID: 0b7c1f2e-aaaa-bbbb-cccc-000000000000",
      "",
    ].join("\n"),
  );
}

if (is("secret list")) {
  if (!account.deployed) finish(1, "", '✘ [ERROR] Worker "roost" not found.\n');
  finish(0, JSON.stringify(account.secrets.map((name) => ({ name, type: "secret_text" })), null, "  "));
}

if (is("secret put OWNER_TOKEN")) {
  if (!account.deployed || !stdin) finish(1, "", "✘ [ERROR] cannot put the secret\n");
  account.secrets.push("OWNER_TOKEN");
  finish(0, "✨ Success! Uploaded secret OWNER_TOKEN\n");
}

finish(2, "", `fake wrangler: unexpected command ${args.join(" ")}\n`);
