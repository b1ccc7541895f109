// Runs wrangler as a child process. Commands are looked up on PATH: `npm run` puts
// node_modules/.bin first, and the project's own bin directory is appended as a fallback
// for `node scripts/...` runs, so a fake earlier on PATH (the tests) still wins.
import { spawn } from "node:child_process";
import path from "node:path";

export function wranglerEnv(root, extra = {}) {
  return {
    ...process.env,
    PATH: [process.env.PATH, path.join(root, "node_modules", ".bin")].filter(Boolean).join(path.delimiter),
    WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false",
    ...extra,
  };
}

/**
 * Runs `wrangler ...args` to completion. Output is shown as it arrives and also returned when
 * `capture` is set. stdin is closed (or fed `input`), which also makes wrangler non-interactive.
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
export function runWrangler(args, { root, input, capture = false, quiet = false, env = {} }) {
  return new Promise((resolve) => {
    const child = spawn("wrangler", args, {
      cwd: root,
      env: wranglerEnv(root, env),
      stdio: [input === undefined ? "ignore" : "pipe", capture || quiet ? "pipe" : "inherit", capture || quiet ? "pipe" : "inherit"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      if (!quiet) process.stdout.write(chunk);
    });
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
      if (!quiet) process.stderr.write(chunk);
    });
    if (input !== undefined) child.stdin.end(input);
    child.on("error", (error) => resolve({ code: 127, stdout, stderr: `${stderr}${error.message}\n` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
