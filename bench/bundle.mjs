// Measures the Worker's bundle size and startup time and rewrites the "Bundle and startup"
// section of BENCHMARKS.md (between its markers; the rest of the file is left alone).
// Run it through npx so wrangler gets Node 22: `npx node bench/bundle.mjs`.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { runWrangler } from "../scripts/lib/run.mjs";

const root = path.resolve(import.meta.dirname, "..");
const benchmarks = path.join(root, "BENCHMARKS.md");
const START = "<!-- bundle-and-startup:start (written by bench/bundle.mjs) -->";
const END = "<!-- bundle-and-startup:end -->";
const STARTUP_RUNS = 5;
const MINIFIED_BUILD = ["deploy", "--dry-run", "--minify", "--outdir", "dist"];

async function wrangler(args) {
  const result = await runWrangler(args, { root, quiet: true });
  if (result.code !== 0) {
    process.stderr.write(result.stderr || result.stdout);
    console.error(`bench/bundle: wrangler ${args.join(" ")} failed with exit ${result.code}`);
    process.exit(1);
  }
  return result.stdout.replace(/\x1b\[[0-9;]*m/g, "");
}

function figure(output, pattern, what) {
  const match = pattern.exec(output);
  if (!match) {
    console.error(`bench/bundle: no ${what} in wrangler's output:\n${output}`);
    process.exit(1);
  }
  return match;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const build = await wrangler(MINIFIED_BUILD);
const [, minified, minifiedGzip] = figure(build, /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/, "Total Upload");

const profileDir = mkdtempSync(path.join(tmpdir(), "roost-startup-"));
const active = [];
const profileWindow = [];
let deployedBundle = "";
for (let run = 0; run < STARTUP_RUNS; run++) {
  const output = await wrangler(["check", "startup", "--outfile", path.join(profileDir, `startup-${run}.cpuprofile`)]);
  deployedBundle = figure(output, /Bundle: ([\d.]+ KiB \/ gzip: [\d.]+ KiB)/, "bundle size")[1];
  active.push(Number(figure(output, /Active: ([\d.]+) ms/, "active startup time")[1]));
  profileWindow.push(Number(figure(output, /Profile window: ([\d.]+) ms/, "profile window")[1]));
}
rmSync(profileDir, { recursive: true, force: true });

const wranglerVersion = (await wrangler(["--version"])).trim().split("\n").pop();
const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
const commit = git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--", "src", "package-lock.json", "wrangler.toml") ? " plus uncommitted changes" : "");
const section = [
  START,
  `Measured ${new Date().toISOString().slice(0, 10)} at commit ${commit} with wrangler ${wranglerVersion}, Node ${process.version}, on ${cpus().length} × ${cpus()[0]?.model.trim()}.`,
  "",
  "| Figure | Value | Budget |",
  "|---|---|---|",
  `| Bundle, minified (\`Total Upload\`) | ${minified} | ≤ 150 KiB |`,
  `| Bundle, minified, gzip | ${minifiedGzip} | ≤ 50 KiB |`,
  `| Bundle as \`npm run deploy\` uploads it (not minified) | ${deployedBundle} | — |`,
  `| Startup CPU, active (median of ${STARTUP_RUNS}) | ${median(active)} ms (runs: ${active.join(", ")}) | ≤ 20 ms |`,
  `| Startup profile window (median of ${STARTUP_RUNS}) | ${median(profileWindow)} ms | — |`,
  "",
  "Commands:",
  "",
  "```sh",
  `npx wrangler ${MINIFIED_BUILD.join(" ")}   # prints "Total Upload: X / gzip: Y"`,
  `npx wrangler check startup   # ${STARTUP_RUNS} runs; prints "Active: N ms" (local workerd CPU, not Cloudflare's)`,
  "```",
  END,
].join("\n");

const intro = "# Benchmarks\n\nEach section says how to rerun it. Figures are from a shared 2-core development machine, so treat small differences as noise.\n";
const sectionHeading = "## Bundle and startup\n\nRerun with `npx node bench/bundle.mjs`; it rewrites the block below.\n\n";
let text = existsSync(benchmarks) ? readFileSync(benchmarks, "utf8") : intro;
if (text.includes(START) && text.includes(END)) {
  text = text.slice(0, text.indexOf(START)) + section + text.slice(text.indexOf(END) + END.length);
} else {
  text = `${text.trimEnd()}\n\n${sectionHeading}${section}\n`;
}
writeFileSync(benchmarks, text);
console.log(section);
