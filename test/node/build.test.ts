// The Worker must bundle for deploy with every binding in place (what `npm run deploy` uploads).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "../..");

it("wrangler deploy --dry-run builds the Worker with its D1, queue and Durable Object bindings", () => {
  const outdir = mkdtempSync(path.join(tmpdir(), "roost-build-"));
  try {
    const result = spawnSync(path.join(repo, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
      cwd: repo,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
    expect(result.stderr).not.toMatch(/ERROR/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
    expect(result.stdout).toMatch(/env\.DB \(roost\)\s+D1 Database/);
    expect(result.stdout).toMatch(/env\.QUEUE \(roost-jobs\)\s+Queue/);
    expect(result.stdout).toMatch(/env\.DELIVERY_HOST \(DeliveryHost\)\s+Durable Object/);
    expect(readdirSync(outdir)).toContain("index.js");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 60_000);
