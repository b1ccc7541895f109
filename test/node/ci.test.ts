// CI must run what the README tells a newcomer to run (the install as `npm ci`, which installs
// package-lock.json exactly and fails when it is stale), plus the typecheck and the layering check,
// in a clean clone of HEAD so that nothing uncommitted or left in node_modules can make it pass.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "../..");

describe(".ci/run", () => {
  it("runs the README's install (as npm ci) and test commands, typecheck and lint:layers, in a clean clone", () => {
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
    const clone = commands.findIndex((line) => line.startsWith("git clone "));
    const enter = commands.indexOf('cd "$clone"');
    expect(clone).toBeGreaterThan(1);
    expect(enter).toBeGreaterThan(clone);
    const install = installAndDev!.replace(" && npm run dev", "").replace(/^npm install$/, "npm ci");
    expect(commands.slice(enter + 1, enter + 5)).toEqual([install, "npm run typecheck", "npm run lint:layers", test]);
    // After the npm suites: the Debian-package client suites (apt-get when missing, then the run).
    expect(commands.at(-1)).toBe("npm run test:clients");
    const { scripts } = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(["typecheck", "lint:layers", "test:clients"]));
    expect(statSync(ciPath).mode & 0o111).not.toBe(0);
  });
});
