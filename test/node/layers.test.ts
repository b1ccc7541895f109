// `npm run lint:layers` really fails: the repository's .dependency-cruiser.cjs run against small
// fixture trees, one breaking every rule and one laid out the way the rules want.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "../..");
const depcruise = path.join(repo, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");
const config = path.join(repo, ".dependency-cruiser.cjs");

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` under a fresh temp dir (with the repo's tsconfig.json and node_modules) and cruises its src. */
function cruise(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "roost-layers-"));
  dirs.push(dir);
  copyFileSync(path.join(repo, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  // So npm imports resolve as they do in the repository (they are allowed where src modules are not).
  symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const result = spawnSync(process.execPath, [depcruise, "src", "--config", config, "--output-type", "err"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("lint:layers (.dependency-cruiser.cjs)", () => {
  it("fails on a tree that breaks the layering, naming each rule and edge", () => {
    const { code, output } = cruise({
      "src/federation/a.ts": 'import { b } from "../domain/b.ts";\nexport const a = b;\n',
      "src/domain/b.ts": 'import { Hono } from "hono";\nexport const b = 1;\nexport { Hono };\n',
      // a cycle closed by a type-only import
      "src/federation/c1.ts": 'import { c2 } from "./c2.ts";\nexport const c1 = () => c2;\n',
      "src/federation/c2.ts": 'import type { c1 } from "./c1.ts";\nexport const c2 = 2;\nexport type C1 = typeof c1;\n',
      "src/db/d.ts": 'import { c2 } from "../federation/c2.ts";\nexport const d = c2;\n',
      "src/delivery/q.ts": 'import { b } from "../domain/b.ts";\nexport const q = b;\n',
      "src/text/t.ts": 'import { d } from "../db/d.ts";\nexport const t = d;\n',
      "src/push/p.ts": 'import { t } from "../text/t.ts";\nexport const p = t;\n',
      "src/runtime/bindings.ts": "export const bindings = {};\n",
      "src/web/w.ts": 'import { bindings } from "../runtime/bindings.ts";\nimport { v } from "../api/v.ts";\nexport const w = [bindings, v];\n',
      "src/api/v.ts": "export const v = 1;\n",
      "src/inbox/i.ts": 'import { DurableObject } from "cloudflare:workers";\nexport class I extends DurableObject {}\n',
    });
    expect(code, output).not.toBe(0);
    for (const [rule, edge] of [
      ["federation-stays-low", "src/federation/a.ts → src/domain/b.ts"],
      ["no-circular", "src/federation/c1.ts → "],
      ["domain-no-http", "src/domain/b.ts → "],
      ["db-stays-lowest", "src/db/d.ts → src/federation/c2.ts"],
      ["delivery-below-domain", "src/delivery/q.ts → src/domain/b.ts"],
      ["text-is-a-leaf", "src/text/t.ts → src/db/d.ts"],
      ["push-is-a-leaf", "src/push/p.ts → src/text/t.ts"],
      ["bindings-only-at-the-top", "src/web/w.ts → src/runtime/bindings.ts"],
      ["durable-objects-in-runtime", "src/inbox/i.ts → cloudflare:workers"],
      ["surfaces-do-not-import-each-other", "src/web/w.ts → src/api/v.ts"],
    ]) {
      expect(output, output).toContain(`error ${rule}: ${edge}`);
    }
  });

  it("passes a tree laid out the way the rules want", () => {
    const { code, output } = cruise({
      "src/index.ts": 'import { app } from "./app.ts";\nimport { bindings } from "./runtime/bindings.ts";\nexport default { app, bindings };\n',
      "src/app.ts":
        'import { Hono } from "hono";\nimport { w } from "./web/w.ts";\nimport { v } from "./api/v.ts";\nimport { i } from "./inbox/i.ts";\nimport { bindings } from "./runtime/bindings.ts";\nimport { Host } from "./runtime/host.ts";\nexport const app = [new Hono(), w, v, i, bindings, Host];\n',
      "src/http.ts": 'import type { Context } from "hono";\nexport type C = Context;\n',
      "src/runtime/bindings.ts": 'import type { q } from "../delivery/q.ts";\nexport const bindings = {} as { q?: typeof q };\n',
      "src/runtime/host.ts":
        'import { DurableObject } from "cloudflare:workers";\nimport { bindings } from "./bindings.ts";\nimport { q } from "../delivery/q.ts";\nexport class Host extends DurableObject {}\nexport const h = [bindings, q];\n',
      "src/web/w.ts": 'import { layout } from "./layout.tsx";\nimport { b } from "../domain/b.ts";\nimport type { C } from "../http.ts";\nexport const w = [layout, b] as unknown as C;\n',
      "src/web/layout.tsx": "export const layout = <p>hi</p>;\n",
      "src/api/v.ts": 'import { b } from "../domain/b.ts";\nimport type { C } from "../http.ts";\nexport const v = b as unknown as C;\n',
      "src/inbox/i.ts": 'import { b } from "../domain/b.ts";\nimport { a } from "../federation/a.ts";\nexport const i = [a, b];\n',
      "src/domain/b.ts":
        'import { q } from "../delivery/q.ts";\nimport { a } from "../federation/a.ts";\nimport { d } from "../db/d.ts";\nimport { t } from "../text/t.ts";\nexport const b = [q, a, d, t];\n',
      "src/delivery/q.ts": 'import { a } from "../federation/a.ts";\nimport { d } from "../db/d.ts";\nexport const q = [a, d];\n',
      "src/federation/a.ts": 'import type { Kind } from "./kinds.ts";\nimport { t } from "../text/t.ts";\nexport const a: [Kind, string] = ["Note", t];\n',
      "src/federation/kinds.ts": 'export type Kind = "Note";\n',
      "src/db/d.ts": 'import { sql } from "drizzle-orm";\nimport { table } from "./schema.ts";\nexport const d = [sql, table];\n',
      "src/db/schema.ts": 'import { sqliteTable } from "drizzle-orm/sqlite-core";\nexport const table = sqliteTable;\n',
      "src/text/t.ts": 'import { u } from "./u.ts";\nexport const t = u;\n',
      "src/text/u.ts": 'export const u = "u";\n',
    });
    expect(output).not.toMatch(/\berror\b/);
    expect(code, output).toBe(0);
    // Every import above was seen (17 files + hono, drizzle-orm, drizzle-orm/sqlite-core, cloudflare:workers).
    expect(output).toContain("21 modules, 32 dependencies cruised");
  });
});
