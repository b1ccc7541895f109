// `npm run bench [name] [args...]`: runs bench/bundle.mjs, bench/inbox.mjs, bench/inbox-storage.mjs, bench/fanout.mjs,
// bench/free-cpu.mjs, bench/follows.mjs, bench/home.mjs, bench/media.mjs, bench/card-cpu.mjs, bench/web.mjs and bench/archive.mjs one after another (each rewrites its own
// section of BENCHMARKS.md), or only the one named, with any further arguments passed on (e.g.
// `npm run bench inbox 1000`, `npm run bench fanout 1000 200`, `npm run bench follows 1000 200`).
// Each runs in its own process on this Node (npm run puts the project's Node 22 first on PATH).
import { spawnSync } from "node:child_process";
import path from "node:path";

const BENCHES = ["bundle", "inbox", "inbox-storage", "fanout", "free-cpu", "follows", "home", "media", "card-cpu", "web", "archive"];
const [name, ...args] = process.argv.slice(2);

if (name !== undefined && !BENCHES.includes(name)) {
  console.error(`bench/run: unknown benchmark "${name}"; expected one of ${BENCHES.join(", ")} (or none for all)`);
  process.exit(2);
}

for (const bench of name === undefined ? BENCHES : [name]) {
  const script = path.join(import.meta.dirname, `${bench}.mjs`);
  console.log(`\n== bench/${bench}.mjs ${args.join(" ")}`.trimEnd());
  const result = spawnSync(process.execPath, [script, ...args], { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`bench/run: bench/${bench}.mjs ${result.signal ? `was killed by ${result.signal}` : `exited with ${result.status}`}`);
    process.exit(result.status || 1);
  }
}
