// `npm test`: the two vitest projects (vitest.config.ts) as two processes at once. One vitest run
// puts the workers project, one file at a time, in a sequential group of its own that starts only
// after the node project has finished (docs/testing.md), so their times added up; here they overlap.
// Extra arguments go to both runs (`npm test -- test/media.test.ts`, `-- --reporter=verbose`); a
// run whose project has no file matching them counts as passed, unless neither has one. With
// `--project` among them, it is one plain `vitest run`.
//
// Output: the workers run streams line by line; the node run's output is held back and printed as
// one block when that run ends, so the two never mix inside a line or a file's report.
import { spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
const args = process.argv.slice(2);
// The children write to pipes; keep vitest's colours when a person is watching.
const env = process.stdout.isTTY && !("NO_COLOR" in process.env) ? { ...process.env, FORCE_COLOR: "1" } : process.env;
const NO_FILES = "No test files found";

const children = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}

/** Runs vitest with `extra`; `onLine` gets each complete output line (stdout and stderr, in order). */
function run(extra, onLine, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, "run", ...extra], { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let noFiles = false;
    const split = (stream) => {
      let rest = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop();
        for (const line of lines) {
          if (line.includes(NO_FILES)) noFiles = true;
          onLine(line);
        }
      });
      stream.on("end", () => {
        if (rest) onLine(rest);
        rest = "";
      });
    };
    split(child.stdout);
    split(child.stderr);
    child.on("close", (code, signal) => {
      children.delete(child);
      resolve({ code: code ?? (signal ? 1 : 0), noFiles });
    });
  });
}

const print = (line) => process.stdout.write(`${line}\n`);

if (args.some((a) => a === "--project" || a.startsWith("--project="))) {
  const { code } = await run(args, print);
  process.exit(code);
}

const started = Date.now();
const held = [];
// ROOST_TEST_PROJECT: vitest.config.ts then leaves out the workers project, whose plugin and peers
// take seconds to import.
const node = run(["--project", "node", ...args], (line) => held.push(line), { ROOST_TEST_PROJECT: "node" }).then((result) => {
  print(`\n──── node project (${((Date.now() - started) / 1000).toFixed(1)} s; its output, held while it ran) ────`);
  for (const line of held) print(line);
  print("──── end of the node project ────\n");
  return result;
});
const workers = run(["--project", "workers", ...args], print);
const results = { node: await node, workers: await workers };

// A project with no matching file is not a failure (the filter was meant for the other one).
const ran = Object.entries(results).filter(([, r]) => !(r.noFiles && r.code !== 0));
const failed = ran.filter(([, r]) => r.code !== 0).map(([name]) => name);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (ran.length === 0) {
  print(`npm test: no test file matches ${JSON.stringify(args)} in either project`);
  process.exit(1);
}
print(`npm test: ${failed.length ? `FAILED in ${failed.join(" and ")}` : `passed (${ran.map(([name]) => name).join(" and ")})`}, ${seconds} s wall`);
process.exit(failed.length ? 1 : 0);
