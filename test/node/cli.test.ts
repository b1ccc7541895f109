import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const script = path.resolve(import.meta.dirname, "../../scripts/roost.mjs");
const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];
let server: Server;
let url: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env: { ...process.env, ROOST_URL: url, ROOST_TOKEN: "cli-test-token" } }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
    res.setHeader("Content-Type", "application/json");
    if (req.url === "/api/posts" && req.method === "POST") return res.end(JSON.stringify({ ok: true, objectId: "https://n.test/objects/1" }));
    if (req.url?.startsWith("/api/deliveries/")) {
      return res.end(JSON.stringify({ counts: { targets: 3, delivered: 2, pending: 1, givenUp: 0 }, servers: [{ host: "down.test", deliveries: [{ state: "pending", attempts: 2, lastError: "HTTP 503", nextAttemptAt: "2026-11-22T13:00:00.000Z" }] }] }));
    }
    res.statusCode = 400;
    res.end(JSON.stringify({ error: "nope" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => server.close());

describe("npm run roost", () => {
  it("posts with the token and options", async () => {
    const result = await run(["post", "hello", "--cw", "spoiler", "--visibility", "unlisted", "--lang", "en"]);
    expect(result).toMatchObject({ code: 0, stdout: "posted https://n.test/objects/1\n" });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: "POST", url: "/api/posts", auth: "Bearer cli-test-token" });
    expect(JSON.parse(request.body)).toEqual({ text: "hello", visibility: "unlisted", spoiler: "spoiler", inReplyTo: null, language: "en" });
  });

  it("shows a post's deliveries", async () => {
    const result = await run(["deliveries", "https://n.test/objects/1/activity"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("targets 3  delivered 2  pending 1  given up 0");
    expect(result.stdout).toContain("down.test\tpending\tattempts 2\tHTTP 503");
    expect(seen.at(-1)!.url).toBe(`/api/deliveries/${encodeURIComponent("https://n.test/objects/1/activity")}`);
  });

  it("fails with the server's error and a non-zero exit", async () => {
    const result = await run(["follow", "@a@b.test"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("answered 400: nope");
  });

  it("explains usage", async () => {
    expect((await run(["frobnicate"])).stderr).toContain("unknown command frobnicate");
    expect((await run(["post"])).stderr).toContain("post needs the text");
  });
});
