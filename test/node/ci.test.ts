// CI must run what the README tells a newcomer to run, nothing more and nothing less.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "../..");

describe(".ci/run", () => {
  it("runs exactly the README's install and test commands, from the repository root", () => {
    const readme = readFileSync(path.join(repo, "README.md"), "utf8");
    const quickStart = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const [installAndDev, test] = quickStart.split("\n").filter(Boolean);
    expect(installAndDev).toBe("npm install && npm run dev");
    expect(test).toBe("npm test");

    const ciPath = path.join(repo, ".ci", "run");
    const ci = readFileSync(ciPath, "utf8");
    expect(ci.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    const commands = ci.split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
    expect(commands.slice(0, 2)).toEqual(["set -euo pipefail", 'cd "$(dirname "${BASH_SOURCE[0]}")/.."']);
    expect(commands.slice(2)).toEqual([installAndDev!.replace(" && npm run dev", ""), test]);
    expect(statSync(ciPath).mode & 0o111).not.toBe(0);
  });
});
