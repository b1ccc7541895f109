// Rewrites one marked section of BENCHMARKS.md, leaving the rest of the file alone.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");

/** "Measured <date> at commit <sha> ..." for a section header. */
export function provenance() {
  const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  const dirty = git("status", "--porcelain", "--", "src", "package-lock.json", "wrangler.toml") ? " plus uncommitted changes" : "";
  return `Measured ${new Date().toISOString().slice(0, 10)} at commit ${git("rev-parse", "--short", "HEAD")}${dirty}, Node ${process.version}, on ${cpus().length} × ${cpus()[0]?.model.trim()}.`;
}

export function writeSection(name, title, lines) {
  const file = path.join(root, "BENCHMARKS.md");
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = [start, ...lines, end].join("\n");
  let text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  if (text.includes(start)) text = text.slice(0, text.indexOf(start)) + block + text.slice(text.indexOf(end) + end.length);
  else text = `${text.trimEnd()}\n\n## ${title}\n\n${block}\n`;
  writeFileSync(file, text);
}

export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
