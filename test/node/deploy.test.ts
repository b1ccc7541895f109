// `npm run deploy` against a fake wrangler first on PATH: which commands run, in which order,
// and what happens when a step fails.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "../..");

interface Account {
  loggedIn: boolean;
  databases: string[];
  deployed: boolean;
  secrets: string[];
  subdomain: string | null;
  migrationsFail?: boolean;
  /** R2 buckets on the account (wrangler deploy creates the one wrangler.toml names). */
  buckets?: string[];
  /** R2 not yet enabled on the account: creating a bucket fails. */
  r2Disabled?: boolean;
  /** The [[queues.consumers]] settings wrangler.toml held at the last deploy. */
  consumer?: Record<string, number>;
}

interface Sandbox {
  dir: string;
  account(): Account;
  setAccount(changes: Partial<Account>): void;
  /** Runs scripts/deploy.mjs; returns its exit code, output, and the wrangler calls made by this run. */
  deploy(): { code: number | null; stdout: string; stderr: string; calls: string[]; stdins: (string | null)[] };
}

const sandboxes: string[] = [];
afterEach(() => {
  for (const dir of sandboxes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sandbox(account: Partial<Account> = {}, wranglerToml?: (toml: string) => string): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), "roost-deploy-"));
  sandboxes.push(dir);
  cpSync(path.join(repo, "scripts"), path.join(dir, "scripts"), { recursive: true });
  // The plan's settings come from the Worker's own limits module.
  mkdirSync(path.join(dir, "src", "delivery"), { recursive: true });
  cpSync(path.join(repo, "src", "delivery", "limits.ts"), path.join(dir, "src", "delivery", "limits.ts"));
  const toml = readFileSync(path.join(repo, "wrangler.toml"), "utf8");
  writeFileSync(path.join(dir, "wrangler.toml"), wranglerToml ? wranglerToml(toml) : toml);
  mkdirSync(path.join(dir, "bin"));
  const fake = path.join(dir, "bin", "wrangler");
  writeFileSync(fake, `#!${process.execPath}\n${readFileSync(path.join(import.meta.dirname, "fake-wrangler.cjs"), "utf8")}`);
  chmodSync(fake, 0o755);
  const accountFile = path.join(dir, "account.json");
  const callsFile = path.join(dir, "calls.jsonl");
  const initial: Account = { loggedIn: true, databases: [], deployed: false, secrets: [], subdomain: "alice", ...account };
  writeFileSync(accountFile, JSON.stringify(initial));

  return {
    dir,
    account: () => JSON.parse(readFileSync(accountFile, "utf8")),
    setAccount: (changes) => writeFileSync(accountFile, JSON.stringify({ ...JSON.parse(readFileSync(accountFile, "utf8")), ...changes })),
    deploy() {
      writeFileSync(callsFile, "");
      const result = spawnSync(process.execPath, [path.join(dir, "scripts", "deploy.mjs")], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, PATH: `${path.join(dir, "bin")}${path.delimiter}${process.env.PATH}`, FAKE_ACCOUNT: accountFile, FAKE_CALLS: callsFile },
      });
      const records = readFileSync(callsFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { args: string[]; stdin: string | null });
      return {
        code: result.status,
        stdout: result.stdout,
        stderr: result.stderr,
        calls: records.map((r) => r.args.join(" ")),
        stdins: records.map((r) => r.stdin),
      };
    },
  };
}

const ORIGIN = "https://roost.alice.workers.dev";
const PINNED_DEPLOY = `deploy --var WEB_ORIGIN:${ORIGIN} --var HANDLE_DOMAIN:roost.alice.workers.dev`;

describe("npm run deploy", () => {
  it("on a new account: deploys (provisioning the database), migrates, sets the owner token, redeploys with the learned origin", () => {
    const box = sandbox();
    const run = box.deploy();

    expect(run.code).toBe(0);
    expect(run.calls).toEqual([
      "whoami --json",
      "d1 list --json",
      "deploy",
      "d1 migrations apply DB --remote",
      "secret list --format json",
      "secret put OWNER_TOKEN",
      PINNED_DEPLOY,
    ]);

    const token = readFileSync(path.join(box.dir, ".roost", "owner-token"), "utf8").trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(run.stdins[5]).toBe(token);
    expect(statSync(path.join(box.dir, ".roost", "owner-token")).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path.join(box.dir, ".roost", "deploy.json"), "utf8"))).toEqual({ worker: "roost", origin: ORIGIN });

    expect(run.stdout).toContain("@me@roost.alice.workers.dev");
    expect(run.stdout).toContain(`${ORIGIN}/.well-known/webfinger?resource=acct:me@roost.alice.workers.dev`);
    expect(run.stdout).toContain(`${ORIGIN}/users/me`);
    // Piped output (as here, or CI logs) never shows the token (#8 rule 11).
    expect(run.stdout).not.toContain(token);
    expect(run.stdout).toContain("owner token created and saved to .roost/owner-token");
    expect(box.account()).toMatchObject({ databases: ["roost"], buckets: ["roost-media"], secrets: ["OWNER_TOKEN"] });
    expect(run.stdout).toContain(`media       R2 bucket roost-media, served at ${ORIGIN}/media/`);
  });

  it("an account without R2 enabled: stops at the deploy and says how to enable it", () => {
    const box = sandbox({ r2Disabled: true });
    const run = box.deploy();

    expect(run.code).not.toBe(0);
    expect(run.calls).toEqual(["whoami --json", "d1 list --json", "deploy"]);
    expect(run.stderr).toContain("R2 is not enabled on this account");
    expect(box.account().deployed).toBe(false);
  });

  it("re-run: migrates before the single deploy, keeps the origin and the token", () => {
    const box = sandbox();
    expect(box.deploy().code).toBe(0);
    const token = readFileSync(path.join(box.dir, ".roost", "owner-token"), "utf8");

    const rerun = box.deploy();

    expect(rerun.code).toBe(0);
    expect(rerun.calls).toEqual(["whoami --json", "d1 list --json", "d1 migrations apply DB --remote", PINNED_DEPLOY, "secret list --format json"]);
    expect(readFileSync(path.join(box.dir, ".roost", "owner-token"), "utf8")).toBe(token);
    expect(rerun.stdout).not.toContain(token.trim());
    expect(rerun.stdout).toContain("owner token in .roost/owner-token");
    expect(box.account().secrets).toEqual(["OWNER_TOKEN"]);
  });

  it("redeploys with the new origin when the workers.dev URL changed (another account)", () => {
    const box = sandbox();
    expect(box.deploy().code).toBe(0);
    box.setAccount({ subdomain: "bob" });

    const run = box.deploy();

    expect(run.code).toBe(0);
    expect(run.calls.filter((call) => call.startsWith("deploy"))).toEqual([
      PINNED_DEPLOY,
      "deploy --var WEB_ORIGIN:https://roost.bob.workers.dev --var HANDLE_DOMAIN:roost.bob.workers.dev",
    ]);
    expect(run.stdout).toContain("@me@roost.bob.workers.dev");
  });

  it("not logged in: stops at the login check and deploys nothing", () => {
    const box = sandbox({ loggedIn: false });
    const run = box.deploy();

    expect(run.code).not.toBe(0);
    expect(run.calls).toEqual(["whoami --json"]);
    expect(run.stderr).toContain("checking the Cloudflare login failed");
    expect(run.stderr).toContain("npx wrangler login");
    expect(existsSync(path.join(box.dir, ".roost"))).toBe(false);
    expect(box.account().deployed).toBe(false);
  });

  it("an account without a workers.dev subdomain: stops at the deploy and says how to register one", () => {
    const box = sandbox({ subdomain: null });
    const run = box.deploy();

    expect(run.code).not.toBe(0);
    expect(run.calls).toEqual(["whoami --json", "d1 list --json", "deploy"]);
    expect(run.stderr).toContain("https://dash.cloudflare.com/0123/workers/onboarding");
    expect(run.stderr).toContain("npm run deploy: deploying the Worker failed");
    expect(run.stderr).toContain("no workers.dev subdomain yet");
  });

  it("failing migrations on an existing database: stops before any new code is deployed", () => {
    const box = sandbox({ databases: ["roost"], deployed: true, secrets: ["OWNER_TOKEN"], migrationsFail: true });
    const run = box.deploy();

    expect(run.code).not.toBe(0);
    expect(run.calls).toEqual(["whoami --json", "d1 list --json", "d1 migrations apply DB --remote"]);
    expect(run.stderr).toContain("SQLITE_ERROR");
    expect(run.stderr).toContain("npm run deploy: applying D1 migrations failed");
  });

  it("failing migrations on a new account: stops after the first deploy; no token, no second deploy", () => {
    const box = sandbox({ migrationsFail: true });
    const run = box.deploy();

    expect(run.code).not.toBe(0);
    expect(run.calls).toEqual(["whoami --json", "d1 list --json", "deploy", "d1 migrations apply DB --remote"]);
    expect(run.stderr).toContain("npm run deploy: applying D1 migrations failed");
    expect(existsSync(path.join(box.dir, ".roost", "owner-token"))).toBe(false);
  });

  it("with WEB_ORIGIN and HANDLE_DOMAIN in wrangler.toml: one deploy, no --var, the split-domain handle", () => {
    const box = sandbox({}, (toml) =>
      toml.replace(/^WEB_ORIGIN = ""$/m, 'WEB_ORIGIN = "https://social.example.com"').replace(/^HANDLE_DOMAIN = ""$/m, 'HANDLE_DOMAIN = "example.com"'),
    );
    const run = box.deploy();

    expect(run.code).toBe(0);
    expect(run.calls.filter((call) => call.startsWith("deploy"))).toEqual(["deploy"]);
    expect(run.stdout).toContain("@me@example.com");
    expect(run.stdout).toContain("https://social.example.com/.well-known/webfinger?resource=acct:me@example.com");
    expect(existsSync(path.join(box.dir, ".roost", "deploy.json"))).toBe(false);
  });

  it("PLAN defaults to free: the shipped consumer settings are the Free plan's and stay as they are", () => {
    const box = sandbox({}, (toml) => toml.replace(/^PLAN = .*\n/m, ""));
    const before = readFileSync(path.join(box.dir, "wrangler.toml"), "utf8");
    const run = box.deploy();

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('PLAN = "free": queue consumer max_batch_size = 1, max_batch_timeout = 1, max_concurrency = 10, max_retries = 10');
    expect(box.account().consumer).toEqual({ max_batch_size: 1, max_batch_timeout: 1, max_concurrency: 10, max_retries: 10 });
    expect(readFileSync(path.join(box.dir, "wrangler.toml"), "utf8")).toBe(before);
  });

  it('PLAN = "paid": the Paid consumer settings are written to wrangler.toml before the deploy; back to free restores them', () => {
    const box = sandbox({}, (toml) => toml.replace(/^PLAN = .*$/m, 'PLAN = "paid"'));
    const run = box.deploy();

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("written to wrangler.toml: max_batch_size = 10, max_concurrency = (unset)");
    expect(box.account().consumer).toEqual({ max_batch_size: 10, max_batch_timeout: 1, max_retries: 10 });
    const toml = readFileSync(path.join(box.dir, "wrangler.toml"), "utf8");
    expect(toml).toContain('dead_letter_queue = "roost-jobs-dlq"');
    expect(toml).not.toContain("max_concurrency");

    writeFileSync(path.join(box.dir, "wrangler.toml"), toml.replace(/^PLAN = .*$/m, 'PLAN = "free"'));
    expect(box.deploy().code).toBe(0);
    expect(box.account().consumer).toEqual({ max_batch_size: 1, max_batch_timeout: 1, max_concurrency: 10, max_retries: 10 });
    expect(readFileSync(path.join(box.dir, "wrangler.toml"), "utf8")).toBe(readFileSync(path.join(repo, "wrangler.toml"), "utf8"));
  });

  it("an unknown PLAN: stops before any wrangler call and names the setting", () => {
    const box = sandbox({}, (toml) => toml.replace(/^PLAN = .*$/m, 'PLAN = "pro"'));
    const run = box.deploy();

    expect(run.code).not.toBe(0);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('reading PLAN in wrangler.toml failed: PLAN must be "free" or "paid", not "pro"');
  });
});
