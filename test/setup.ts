// Runs before every test file. Each file gets a fresh Worker with an empty D1, so the schema goes
// in first: every migration in migrations/ (read by vitest.config.ts), in one D1 batch — one round
// trip instead of one per migration — with d1_migrations filled in as `wrangler d1 migrations
// apply` leaves it. docs/testing.md has the measurements.
import { env } from "cloudflare:test";
import { beforeAll } from "vitest";
import { forgetActorKeys } from "../src/federation/keys.ts";
import { captureLogs } from "./log-capture.ts";

captureLogs();

beforeAll(async () => {
  const db = env.DB;
  await db.batch([
    db.prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
    ),
    ...env.TEST_MIGRATIONS.flatMap((m) => [...m.queries.map((q) => db.prepare(q)), db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(m.name)]),
  ]);
  forgetActorKeys();
});
