// `npm run roost` against a tiny fake node: what it sends, what it prints, where it finds the node.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const script = path.resolve(import.meta.dirname, "../../scripts/roost.mjs");
const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];
let server: Server;
let url: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `cwd` (an empty directory unless given) with only the env passed. */
function run(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  const env = { PATH: process.env.PATH!, ...(options.env ?? { ROOST_URL: url, ROOST_TOKEN: "cli-test-token" }) };
  const cwd = options.cwd ?? mkdtempSync(path.join(tmpdir(), "roost-cli-"));
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env, cwd }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

function reply(req: IncomingMessage): [number, unknown] {
  const target = new URL(req.url!, "http://x");
  if (req.method === "POST" && target.pathname === "/api/posts") return [201, { ok: true, objectId: "https://n.test/objects/1", activityId: "https://n.test/objects/1/activity" }];
  if (req.method === "DELETE" && target.pathname === "/api/posts") return [201, { ok: true, objectId: `https://n.test/objects/${target.searchParams.get("id")}` }];
  if (req.method === "POST" && target.pathname === "/api/follows") return [400, { error: "@a@b.test could not be resolved: WebFinger for @a@b.test answered 404" }];
  if (req.method === "DELETE" && target.pathname === "/api/follows") return [201, { ok: true, actorId: "https://b.test/users/a" }];
  if (target.pathname === "/api/followers") {
    return [200, { followers: [{ actorId: "https://m.test/users/x", state: "accepted", movedTo: null, since: "2026-11-01T00:00:00.000Z" }] }];
  }
  if (target.pathname === "/api/usage") {
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
  }
  if (target.pathname === "/api/deliveries/evil") {
    // A remote server chose this host name and error text.
    return [
      200,
      {
        counts: { targets: 1, delivered: 0, pending: 1, givenUp: 0 },
        servers: [{ host: "evil\u001b]0;pwned\u0007.test", deliveries: [{ state: "pending", attempts: 1, lastError: "HTTP 500\u001b[2J\r\nroost: all delivered\u202e", nextAttemptAt: null }] }],
      },
    ];
  }
  if (target.pathname.startsWith("/api/deliveries/")) {
    return [
      200,
      {
        counts: { targets: 3, delivered: 2, pending: 1, givenUp: 0 },
        servers: [{ host: "down.test", deliveries: [{ state: "pending", attempts: 2, lastError: "HTTP 503", nextAttemptAt: "2026-11-22T13:00:00.000Z" }] }],
      },
    ];
  }
  return [404, { error: "not found" }];
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
    if (req.headers.authorization === "Bearer broken") {
      res.statusCode = 502;
      return res.end("<html>Bad gateway</html>");
    }
    const [status, json] = reply(req);
    res.statusCode = status;
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => server.close());

describe("npm run roost", () => {
  it("posts with the token and options", async () => {
    const result = await run(["post", "hello", "--cw", "spoiler", "--visibility", "unlisted", "--lang", "en", "--reply-to", "https://m.test/s/1"]);
    expect(result).toMatchObject({ code: 0, stdout: "posted https://n.test/objects/1\n" });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: "POST", url: "/api/posts", auth: "Bearer cli-test-token" });
    expect(JSON.parse(request.body)).toEqual({ text: "hello", visibility: "unlisted", spoiler: "spoiler", inReplyTo: "https://m.test/s/1", language: "en" });
  });

  it("posts unquoted words as one text, public by default", async () => {
    expect((await run(["post", "hello", "there", "world"])).code).toBe(0);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ text: "hello there world", visibility: "public", spoiler: null, inReplyTo: null, language: null });
  });

  it("deletes, unfollows and lists followers", async () => {
    expect((await run(["delete", "abc 1"])).stdout).toBe("deleted https://n.test/objects/abc 1\n");
    expect(seen.at(-1)).toMatchObject({ method: "DELETE", url: "/api/posts?id=abc%201" });
    expect((await run(["unfollow", "@a@b.test"])).stdout).toBe("unfollowed https://b.test/users/a\n");
    expect(seen.at(-1)).toMatchObject({ method: "DELETE", url: `/api/follows?target=${encodeURIComponent("@a@b.test")}` });
    expect((await run(["followers"])).stdout).toBe("https://m.test/users/x\tsince 2026-11-01T00:00:00.000Z\n");
  });

  it("shows a post's deliveries", async () => {
    const result = await run(["deliveries", "https://n.test/objects/1/activity"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("targets 3  delivered 2  pending 1  given up 0");
    expect(result.stdout).toContain("down.test\tpending\tattempts 2\tHTTP 503");
    expect(seen.at(-1)!.url).toBe(`/api/deliveries/${encodeURIComponent("https://n.test/objects/1/activity")}`);
  });

  it("shows today's usage against the plan's daily allowances", async () => {
    const result = await run(["usage"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("2026-12-01 (UTC), plan free; bulk delivery waits for tomorrow: queueOperations");
    expect(result.stdout).toContain("queue operations              9003 of 10000 (90.0%)");
    expect(result.stdout).toContain("Durable Object requests        338 of 100000 (0.3%)");
    expect(seen.at(-1)!.url).toBe("/api/usage");
  });

  it("fails with the server's error and a non-zero exit", async () => {
    const result = await run(["follow", "@a@b.test"]);
    expect(result).toMatchObject({ code: 1, stdout: "" });
    expect(result.stderr).toBe("roost: POST /api/follows answered 400: @a@b.test could not be resolved: WebFinger for @a@b.test answered 404\n");
  });

  it("fails clearly when the node is down or answers something other than JSON", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await run(["followers"], { env: { ROOST_URL: `http://127.0.0.1:${port}`, ROOST_TOKEN: "t" } });
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`roost: http://127.0.0.1:${port} did not answer: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    const broken = await run(["followers"], { env: { ROOST_URL: url, ROOST_TOKEN: "broken" } });
    expect(broken).toMatchObject({ code: 1, stderr: "roost: GET /api/followers?limit=200 answered 502: <html>Bad gateway</html>\n" });
  });

  it.each([
    [["frobnicate"], "unknown command frobnicate"],
    [["post"], "post needs the text"],
    [["delete"], "delete needs a post id"],
    [["post", "x", "--colour", "red"], "Unknown option '--colour'"],
    [[], "usage: npm run roost"],
  ])("explains usage: %j", async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });
});

describe("finding the node", () => {
  function project(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), "roost-project-"));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    return dir;
  }

  it("uses the dev node from .dev.vars", async () => {
    const cwd = project({ ".dev.vars": `# local\nWEB_ORIGIN=${url}\nOWNER_TOKEN="dev-token"\n`, ".roost/owner-token": "deployed-token\n", ".roost/deploy.json": '{"origin":"http://127.0.0.1:1"}' });
    expect((await run(["followers"], { env: {}, cwd })).code).toBe(0);
    expect(seen.at(-1)!.auth).toBe("Bearer dev-token");
  });

  it("uses the deployed node from .roost/, its origin from deploy.json or wrangler.toml", async () => {
    const fromState = project({ ".roost/owner-token": "deployed-token\n", ".roost/deploy.json": JSON.stringify({ worker: "roost", origin: url }) });
    expect((await run(["followers"], { env: {}, cwd: fromState })).code).toBe(0);
    expect(seen.at(-1)!.auth).toBe("Bearer deployed-token");
    const fromToml = project({ ".roost/owner-token": "toml-token\n", "wrangler.toml": `name = "roost"\n\n[vars]\nWEB_ORIGIN = "${url}"\n` });
    expect((await run(["followers"], { env: {}, cwd: fromToml })).code).toBe(0);
    expect(seen.at(-1)!.auth).toBe("Bearer toml-token");
  });

  it.each([
    [{}, {}, "no node configured"],
    [{ ROOST_URL: "http://x.test" }, {}, "set both ROOST_URL and ROOST_TOKEN"],
    [{}, { ".roost/owner-token": "t" }, "found .roost/owner-token but not the node's URL"],
    [{}, { ".roost/owner-token": "t", ".roost/deploy.json": "{" }, "deploy.json is not valid JSON"],
  ])("explains what is missing: %j %j", async (env, files, message) => {
    const result = await run(["followers"], { env, cwd: project(files) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });

  it("strips control characters and bidi overrides from what remote servers chose (#8 rule 11)", async () => {
    const out = await run(["deliveries", "evil"]);
    expect(out.code).toBe(0);
    expect(out.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(out.stdout).toContain("evil]0;pwned.test");
    expect(out.stdout.split("\n").filter((l) => l.startsWith("roost:"))).toEqual([]);
  });
});
