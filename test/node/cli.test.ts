// `npm run roost` against a tiny fake node speaking the Mastodon API: what it sends, what it prints,
// where it finds the node.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test as base, describe, expect } from "vitest";

const script = path.resolve(import.meta.dirname, "../../scripts/roost.mjs");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** One test's fake node: what it was asked (in order), and the CLI pointed at it. */
interface FakeNode {
  url: string;
  seen: { method: string; url: string; auth: string | undefined; body: string }[];
  /** Runs the CLI in `cwd` (an empty directory unless given) with only the env passed (by default, this node and its token). */
  run(args: string[], options?: { env?: Record<string, string>; cwd?: string }): Promise<Run>;
  /** `run`, with the requests that run made, as "METHOD path". */
  runSeen(args: string[]): Promise<Run & { requests: string[] }>;
}

const account = (acct: string, id: string, extra: Record<string, unknown> = {}) => ({ id, acct, uri: `https://${acct.split("@")[1]}/users/${acct.split("@")[0]}`, ...extra });
const status = (id: string) => ({ id, uri: `https://n.test/objects/${id}`, url: `https://n.test/@me/${id}` });

/** A tiny Mastodon API: what the CLI asks, answered as Roost would. */
function reply(req: IncomingMessage, url: string): [number, unknown, Record<string, string>?] {
  const target = new URL(req.url!, "http://x");
  const route = `${req.method} ${target.pathname}`;
  const q = target.searchParams;
  switch (route) {
    case "POST /api/v1/statuses":
      return [200, status("101")];
    case "GET /api/v2/search":
      if (q.get("q") === "https://m.test/s/1") return [200, { accounts: [], statuses: [{ id: "55" }], hashtags: [] }];
      if (q.get("q") === "https://n.test/@me/abc") return [200, { accounts: [], statuses: [status("77")], hashtags: [] }];
      if (q.get("q") === "https://b.test/users/c") return [200, { accounts: [account("c@b.test", "31")], statuses: [], hashtags: [] }];
      return [200, { accounts: [], statuses: [], hashtags: [] }];
    case "DELETE /api/v1/statuses/77":
    case "GET /api/v1/statuses/77":
      return [200, status("77")];
    case "GET /api/v1/accounts/lookup":
      return q.get("acct") === "a@b.test" ? [404, { error: "Record not found" }] : [200, account(q.get("acct")!, "42")];
    case "POST /api/v1/accounts/42/follow":
      return [200, { id: "42", following: false, requested: true }];
    case "GET /api/v1/accounts/verify_credentials":
      return [200, account("me@n.test", "1")];
    case "GET /api/v1/accounts/1/following":
      return [200, [account("x@m.test", "7")]];
    case "GET /api/v1/accounts/1/followers":
      // Two pages, as the Link header tells.
      if (q.get("max_id") === "5") return [200, [account("y@m.test", "8", { moved: account("y2@m.test", "9") })]];
      if (q.get("max_id") === "6") return [200, []];
      return [200, [account("x@m.test", "7")], { Link: `<${url}/api/v1/accounts/1/followers?limit=80&max_id=5>; rel="next", <${url}/api/v1/accounts/1/followers?min_id=9>; rel="prev"` }];
    case "GET /api/v1/follow_requests":
      return [200, [account("r@m.test", "12")]];
    case "GET /api/v1/notifications":
      return [
        200,
        [
          { created_at: "2026-12-01T10:00:00.000Z", type: "favourite", account: account("x@m.test", "7"), status: status("77") },
          { created_at: "2026-12-01T09:00:00.000Z", type: "admin.report", account: account("mod@m.test", "13"), status: null, report: { comment: "spam\u001b[2J" } },
        ],
      ];
    case "GET /api/v1/blocks":
      return [200, [account("c@b.test", "31")]];
    case "GET /api/v1/domain_blocks":
      return [200, ["spam.test"]];
    case "GET /api/roost/apps":
      return [200, { apps: [{ id: "3", name: "Phanpy", scopes: ["read", "write"], registeredAt: "2026-11-01T00:00:00.000Z", tokens: [{ id: "1" }] }] }];
    case "GET /api/roost/usage":
      return [
        200,
        {
          day: "2026-12-01",
          plan: "free",
          used: { queueOperations: 9003, durableObjectRequests: 338, d1RowsRead: 3005, d1RowsWritten: 0 },
          limits: { queueOperations: 10000, d1RowsRead: 5000000, d1RowsWritten: 100000, durableObjectRequests: 100000 },
          slowDownAt: 0.9,
          waitingOn: "queueOperations",
        },
      ];
    case "GET /api/roost/deliveries/evil":
      // A remote server chose this host name and error text.
      return [
        200,
        {
          counts: { targets: 1, delivered: 0, pending: 1, givenUp: 0 },
          servers: [{ host: "evil\u001b]0;pwned\u0007.test", deliveries: [{ state: "pending", attempts: 1, lastError: "HTTP 500\u001b[2J\r\nroost: all delivered\u202e", nextAttemptAt: null }] }],
        },
      ];
  }
  if (req.method === "POST" && /^\/api\/v1\/(accounts\/\d+\/\w+|follow_requests\/\d+\/\w+|domain_blocks)$/.test(target.pathname)) return [200, {}];
  if (route === "PATCH /api/v1/accounts/update_credentials" || route === "DELETE /api/roost/apps/3") return [200, {}];
  if (route === "POST /api/roost/deliveries/retry") return [200, { requeued: 2 }];
  if (req.method === "GET" && target.pathname.startsWith("/api/roost/deliveries/")) {
    return [
      200,
      {
        activityId: "https://n.test/objects/77/activity",
        counts: { targets: 3, delivered: 2, pending: 1, givenUp: 0 },
        servers: [{ host: "down.test", deliveries: [{ state: "pending", attempts: 2, lastError: "HTTP 503", nextAttemptAt: "2026-11-22T13:00:00.000Z" }] }],
      },
    ];
  }
  return [404, { error: "Record not found" }];
}

async function startFakeNode(): Promise<FakeNode & { server: Server }> {
  const seen: FakeNode["seen"] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
    if (req.headers.authorization === "Bearer broken") {
      res.statusCode = 502;
      return res.end("<html>Bad gateway</html>");
    }
    const [code, json, headers] = reply(req, url);
    res.statusCode = code;
    res.setHeader("Content-Type", "application/json");
    for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
    res.end(JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const run: FakeNode["run"] = (args, options = {}) => {
    const env = { PATH: process.env.PATH!, ...(options.env ?? { ROOST_URL: url, ROOST_TOKEN: "cli-test-token" }) };
    const cwd = options.cwd ?? mkdtempSync(path.join(tmpdir(), "roost-cli-"));
    return new Promise((resolve) => {
      execFile(process.execPath, [script, ...args], { env, cwd }, (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    });
  };
  const runSeen: FakeNode["runSeen"] = async (args) => {
    const from = seen.length;
    const result = await run(args);
    return { ...result, requests: seen.slice(from).map((r) => `${r.method} ${r.url}`) };
  };
  return { server, url, seen, run, runSeen };
}

// Every test gets its own fake node, so the tests (each a few real CLI processes, one after
// another) run side by side without seeing each other's requests.
const it = base.extend<{ node: FakeNode }>({
  node: async ({}, use) => {
    const node = await startFakeNode();
    await use(node);
    await new Promise((resolve) => node.server.close(resolve));
  },
});

describe.concurrent("npm run roost", () => {
  it("posts Markdown through the Mastodon API with the token and options, the reply target found by its URL", async ({ node }) => {
    const { runSeen, seen } = node;
    const result = await runSeen(["post", "hello", "--cw", "spoiler", "--visibility", "followers", "--lang", "en", "--reply-to", "https://m.test/s/1"]);
    expect(result).toMatchObject({ code: 0, stdout: "posted https://n.test/objects/101 (id 101)\n" });
    expect(result.requests).toEqual([`GET /api/v2/search?${new URLSearchParams({ q: "https://m.test/s/1", resolve: "true", type: "statuses", limit: "1" })}`, "POST /api/v1/statuses"]);
    const request = seen.at(-1)!;
    expect(request.auth).toBe("Bearer cli-test-token");
    expect(JSON.parse(request.body)).toEqual({ status: "hello", content_type: "text/markdown", visibility: "private", spoiler_text: "spoiler", in_reply_to_id: "55", language: "en" });
  });

  it("posts unquoted words as one text, public by default; a reply to a status id needs no search", async ({ node }) => {
    const { run, runSeen, seen } = node;
    expect((await run(["post", "hello", "there", "world"])).code).toBe(0);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ status: "hello there world", content_type: "text/markdown", visibility: "public" });
    const reply = await runSeen(["post", "re", "--reply-to", "55"]);
    expect(reply.requests).toEqual(["POST /api/v1/statuses"]);
    expect(JSON.parse(seen.at(-1)!.body)).toMatchObject({ in_reply_to_id: "55" });
  });

  it("deletes a post found by its URL", async ({ node }) => {
    const { runSeen } = node;
    const byUrl = await runSeen(["delete", "https://n.test/@me/abc"]);
    expect(byUrl).toMatchObject({ code: 0, stdout: "deleted https://n.test/objects/77\n" });
    expect(byUrl.requests.at(-1)).toBe("DELETE /api/v1/statuses/77");
  });

  it("follows by lookup, and unfollows someone it finds among those followed without asking their server", async ({ node }) => {
    const { runSeen } = node;
    const followed = await runSeen(["follow", "@d@m.test"]);
    expect(followed).toMatchObject({ code: 0, stdout: "follow requested: @d@m.test (pending until they accept)\n" });
    expect(followed.requests).toEqual(["GET /api/v1/accounts/lookup?acct=d%40m.test", "POST /api/v1/accounts/42/follow"]);
    const unfollowed = await runSeen(["unfollow", "https://m.test/users/x"]);
    expect(unfollowed.stdout).toBe("unfollowed @x@m.test\n");
    expect(unfollowed.requests).toEqual(["GET /api/v1/accounts/verify_credentials", "GET /api/v1/accounts/1/following?limit=80", "POST /api/v1/accounts/7/unfollow"]);
  });

  it("lists followers page by page, with a move, and removes one", async ({ node }) => {
    const { runSeen } = node;
    const listed = await runSeen(["followers"]);
    expect(listed.stdout).toBe("@x@m.test\thttps://m.test/users/x\n@y@m.test\thttps://m.test/users/y\tmoved to @y2@m.test\n");
    expect(listed.requests.slice(1)).toEqual(["GET /api/v1/accounts/1/followers?limit=80", "GET /api/v1/accounts/1/followers?limit=80&max_id=5"]);
    const removed = await runSeen(["remove-follower", "@y@m.test"]);
    expect(removed).toMatchObject({ code: 0, stdout: "removed @y@m.test from your followers\n" });
    expect(removed.requests.at(-1)).toBe("POST /api/v1/accounts/8/remove_from_followers");
  });

  it("lists follow requests and approves one", async ({ node }) => {
    const { run, runSeen } = node;
    expect((await run(["requests"])).stdout).toBe("@r@m.test\thttps://m.test/users/r\n");
    const approved = await runSeen(["approve", "@r@m.test"]);
    expect(approved).toMatchObject({ code: 0, stdout: "approved @r@m.test\n" });
    expect(approved.requests).toEqual(["GET /api/v1/follow_requests", "POST /api/v1/follow_requests/12/authorize"]);
    const none = await run(["approve", "@x@m.test"]);
    expect(none).toMatchObject({ code: 1, stderr: "roost: no follow request from @x@m.test\n" });
  });

  it("shows notifications, reports among them", async ({ node }) => {
    const { run } = node;
    const result = await run(["notifications"]);
    expect(result.stdout).toBe("2026-12-01T10:00:00.000Z\tfavourite\t@x@m.test\thttps://n.test/@me/77\n2026-12-01T09:00:00.000Z\tadmin.report\t@mod@m.test\tspam[2J\n");
  });

  it("blocks and unblocks domains and accounts, and lists what is blocked", async ({ node }) => {
    const { run, runSeen, seen } = node;
    const domain = await runSeen(["block", "Spam.Test"]);
    expect(domain).toMatchObject({ code: 0, stdout: "blocked the domain spam.test\n" });
    expect(domain.requests).toEqual(["POST /api/v1/domain_blocks"]);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ domain: "Spam.Test" });
    const blocked = await runSeen(["block", "https://b.test/users/c"]);
    expect(blocked.requests.at(-1)).toBe("POST /api/v1/accounts/31/block");
    const unblocked = await runSeen(["unblock", "@c@b.test"]);
    expect(unblocked).toMatchObject({ stdout: "unblocked @c@b.test\n", requests: ["GET /api/v1/blocks", "POST /api/v1/accounts/31/unblock"] });
    expect((await run(["blocks"])).stdout).toBe("@c@b.test\thttps://b.test/users/c\ndomain\tspam.test\n");
  });

  it("announces the profile, lists the apps and signs one out", async ({ node }) => {
    const { run, runSeen } = node;
    const announced = await runSeen(["announce"]);
    expect(announced).toMatchObject({ stdout: "profile sent to your followers\n", requests: ["PATCH /api/v1/accounts/update_credentials"] });
    expect((await run(["apps"])).stdout).toBe("3\tPhanpy\tread write\ttokens 1\tsince 2026-11-01T00:00:00.000Z\n");
    expect(await runSeen(["revoke-app", "3"])).toMatchObject({ stdout: "signed out app 3\n", requests: ["DELETE /api/roost/apps/3"] });
  });

  it("shows a post's deliveries, by its status id", async ({ node }) => {
    const { runSeen } = node;
    const result = await runSeen(["deliveries", "77"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("targets 3  delivered 2  pending 1  given up 0");
    expect(result.stdout).toContain("down.test\tpending\tattempts 2\tHTTP 503");
    expect(result.requests).toEqual(["GET /api/v1/statuses/77", `GET /api/roost/deliveries/${encodeURIComponent("https://n.test/objects/77")}`]);
  });

  it("retries a server's deliveries now, all of them or one post's", async ({ node }) => {
    const { run, runSeen, seen } = node;
    const all = await runSeen(["retry", "Down.Test"]);
    expect(all).toMatchObject({ code: 0, stdout: "2 deliveries to down.test sent again now\n", requests: ["POST /api/roost/deliveries/retry"] });
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ host: "down.test" });
    const one = await runSeen(["retry", "down.test", "77"]);
    expect(one.requests).toEqual(["GET /api/v1/statuses/77", `GET /api/roost/deliveries/${encodeURIComponent("https://n.test/objects/77")}`, "POST /api/roost/deliveries/retry"]);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ host: "down.test", activity: "https://n.test/objects/77/activity" });
    expect(await run(["retry"])).toMatchObject({ code: 1 });
  });

  it("shows today's usage against the plan's daily allowances", async ({ node }) => {
    const { run, seen, url } = node;
    const result = await run(["usage"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("2026-12-01 (UTC), plan free; bulk delivery waits for tomorrow: queueOperations");
    expect(result.stdout).toContain("queue operations              9003 of 10000 (90.0%)");
    expect(result.stdout).toContain("Durable Object requests        338 of 100000 (0.3%)");
    expect(seen.at(-1)!.url).toBe("/api/roost/usage");
  });

  it("fails with a clear message and a non-zero exit", async ({ node }) => {
    const { run } = node;
    const result = await run(["follow", "@a@b.test"]);
    expect(result).toMatchObject({ code: 1, stdout: "", stderr: "roost: could not find the account @a@b.test\n" });
    const refused = await run(["delete", "123"]);
    expect(refused).toMatchObject({ code: 1, stderr: "roost: DELETE /api/v1/statuses/123 answered 404: Record not found\n" });
  });

  it("fails clearly when the node is down or answers something other than JSON", async ({ node }) => {
    const { run, url } = node;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await run(["followers"], { env: { ROOST_URL: `http://127.0.0.1:${port}`, ROOST_TOKEN: "t" } });
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`roost: http://127.0.0.1:${port} did not answer: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    const broken = await run(["followers"], { env: { ROOST_URL: url, ROOST_TOKEN: "broken" } });
    expect(broken).toMatchObject({ code: 1, stderr: "roost: GET /api/v1/accounts/verify_credentials answered 502: <html>Bad gateway</html>\n" });
  });

  it.for<[string[], string]>([
    [["frobnicate"], "unknown command frobnicate"],
    [["post"], "post needs the text"],
    [["delete"], "delete needs a post id"],
    [["post", "x", "--visibility", "everyone"], "--visibility must be one of"],
    [["post", "x", "--colour", "red"], "Unknown option '--colour'"],
    [[], "usage: npm run roost"],
  ])("explains usage: %j", async ([args, message], { node }) => {
    const result = await node.run(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });
});

describe.concurrent("finding the node", () => {
  function project(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), "roost-project-"));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    return dir;
  }

  it("uses the dev node from .dev.vars", async ({ node }) => {
    const { run, seen, url } = node;
    const cwd = project({ ".dev.vars": `# local\nWEB_ORIGIN=${url}\nOWNER_TOKEN="dev-token"\n`, ".roost/owner-token": "deployed-token\n", ".roost/deploy.json": '{"origin":"http://127.0.0.1:1"}' });
    expect((await run(["followers"], { env: {}, cwd })).code).toBe(0);
    expect(seen.at(-1)!.auth).toBe("Bearer dev-token");
  });

  it("uses the deployed node from .roost/, its origin from deploy.json or wrangler.toml", async ({ node }) => {
    const { run, seen, url } = node;
    const fromState = project({ ".roost/owner-token": "deployed-token\n", ".roost/deploy.json": JSON.stringify({ worker: "roost", origin: url }) });
    expect((await run(["followers"], { env: {}, cwd: fromState })).code).toBe(0);
    expect(seen.at(-1)!.auth).toBe("Bearer deployed-token");
    const fromToml = project({ ".roost/owner-token": "toml-token\n", "wrangler.toml": `name = "roost"\n\n[vars]\nWEB_ORIGIN = "${url}"\n` });
    expect((await run(["followers"], { env: {}, cwd: fromToml })).code).toBe(0);
    expect(seen.at(-1)!.auth).toBe("Bearer toml-token");
  });

  it.for<[Record<string, string>, Record<string, string>, string]>([
    [{}, {}, "no node configured"],
    [{ ROOST_URL: "http://x.test" }, {}, "set both ROOST_URL and ROOST_TOKEN"],
    [{}, { ".roost/owner-token": "t" }, "found .roost/owner-token but not the node's URL"],
    [{}, { ".roost/owner-token": "t", ".roost/deploy.json": "{" }, "deploy.json is not valid JSON"],
  ])("explains what is missing: %j %j", async ([env, files, message], { node }) => {
    const result = await node.run(["followers"], { env, cwd: project(files) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it("strips control characters and bidi overrides from what remote servers chose (#8 rule 11)", async ({ node }) => {
    const { run } = node;
    const out = await run(["deliveries", "evil"]);
    expect(out.code).toBe(0);
    expect(out.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(out.stdout).toContain("evil]0;pwned.test");
    expect(out.stdout.split("\n").filter((l) => l.startsWith("roost:"))).toEqual([]);
  });
});
