// Runs before every test file. All workers files share ONE workerd and one module graph
// (vitest.config.ts: `isolate: false`, docs/testing.md), so this puts back, before each file, what
// a fresh runtime would give it:
// - empty Durable Object storage (reset(); not abortAllDurableObjects(), which also aborts the
//   pool's own runner object and made every later file 5–9× slower);
// - an empty D1: reset() leaves D1 as it was with this pool and Miniflare 5, so every table, view
//   and trigger is dropped, then the schema goes in: every migration in
//   migrations/ (read by vitest.config.ts) in one batch, with d1_migrations filled in as
//   `wrangler d1 migrations apply` leaves it;
// - no cached public documents: the Cache API cannot be listed, so public_version (part of every
//   public-cache key, src/public-cache.ts) starts at a number no earlier file used; otherwise the
//   actor document, and with it the previous file's public key, is served from the cache;
// - an empty R2 bucket;
// - none of the previous file's isolate state: the actor's keys, the unwritten usage counts, the
//   inbox budgets, the captured log lines;
// - no queue message of an earlier file run in this one (test/runtime-reuse.ts).
import { env, reset } from "cloudflare:test";
import { beforeAll } from "vitest";
import { forgetWaitingUsage } from "../src/delivery/usage.ts";
import { forgetActorKeys } from "../src/federation/keys.ts";
import { resetBudgets } from "../src/inbox/guards.ts";
import { captureLogs, forgetLogs } from "./log-capture.ts";
import worker from "../src/index.ts";
import { dropEarlierFilesMessages } from "./runtime-reuse.ts";

captureLogs();

/** Unique per file within the run, and above any count a file's own changes could reach. */
let firstVersion = Date.now();

async function emptyD1(db: D1Database): Promise<void> {
  const { results } = await db
    .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY rowid DESC")
    .all<{ type: string; name: string }>();
  if (results.length === 0) return;
  // Triggers first, so dropping a table fires nothing; children before parents (newest first),
  // and foreign keys checked only at the end, when nothing is left to check.
  const order = ["trigger", "view", "table"];
  const drops = results.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type)).map((o) => `DROP ${o.type.toUpperCase()} IF EXISTS "${o.name}"`);
  await db.batch([db.prepare("PRAGMA defer_foreign_keys = ON"), ...drops.map((q) => db.prepare(q))]);
}

async function emptyBucket(bucket: R2Bucket): Promise<void> {
  for (let listed = await bucket.list(); listed.objects.length > 0; listed = await bucket.list()) {
    await bucket.delete(listed.objects.map((o) => o.key));
  }
}

beforeAll(async () => {
  await reset();
  forgetActorKeys();
  forgetWaitingUsage();
  resetBudgets();
  forgetLogs();
  dropEarlierFilesMessages(worker as never);
  const db = env.DB;
  await Promise.all([emptyD1(db), emptyBucket(env.MEDIA)]);
  firstVersion += 1_000_000;
  await db.batch([
    db.prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
    ),
    ...env.TEST_MIGRATIONS.flatMap((m) => [...m.queries.map((q) => db.prepare(q)), db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(m.name)]),
    db.prepare("UPDATE counters SET n = ? WHERE name = 'public_version'").bind(firstVersion),
  ]);
});
