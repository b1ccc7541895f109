import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll } from "vitest";
import { forgetActorKeys } from "../src/federation/keys.ts";
import { captureLogs } from "./log-capture.ts";

captureLogs();

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  forgetActorKeys();
});
