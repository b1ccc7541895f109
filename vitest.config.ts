import path from "node:path";
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

// The Request.cf lookup needs the internet; tests run offline.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

export const TEST_ORIGIN = "https://roost.test";
const NODE_TESTS = "test/node/**/*.test.ts";

/**
 * The workers project. Its plugin and the peers (Fedify among them) take seconds to import, so they
 * are imported only where this project can run: scripts/test.mjs starts the node run with
 * ROOST_TEST_PROJECT=node.
 */
async function workersProject(): Promise<TestProjectInlineConfiguration> {
  const [{ cloudflareTest, readD1Migrations }, { outbound }] = await Promise.all([import("@cloudflare/vitest-plugin"), import("./test/peers/network.ts")]);
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            WEB_ORIGIN: TEST_ORIGIN,
            HANDLE_DOMAIN: "roost.test",
            USERNAME: "me",
            DISPLAY_NAME: "Test Owner",
            BIO: "Hello from the tests.\n\nSee https://example.com/about",
            PROFILE_FIELDS: JSON.stringify([{ name: "Site", value: "https://example.com" }]),
            ALSO_KNOWN_AS: JSON.stringify(["https://mastodon.test/users/old"]),
            OWNER_TOKEN: "test-owner-token-0123456789",
            LOCAL_DEV: "false",
          },
          // Every fetch the Worker makes (queue consumer and Durable Objects included) lands in
          // test/peers: real peer implementations (Fedify, a Mastodon-style signer) run there, in Node.
          outboundService: outbound,
          queueConsumers: { "roost-jobs": { maxBatchTimeout: 0.05 } },
        },
      }),
    ],
    test: {
      name: "workers",
      exclude: [...configDefaults.exclude, NODE_TESTS],
      setupFiles: ["./test/setup.ts"],
      testTimeout: 20_000,
      // One file at a time: every file's Worker is https://roost.test with its own keys, and the
      // Node-side peers are shared, so two files at once would see each other's keys and traffic.
      maxWorkers: 1,
      // One workerd and one module graph for every file, instead of a new one per file (3–15 s
      // each): test/setup.ts puts back before each file what a fresh runtime would give it.
      // docs/testing.md has what it saves and what a shared runtime must reset.
      isolate: false,
    },
  };
}

export default defineConfig(async () => ({
  test: {
    projects: [
      ...(process.env.ROOST_TEST_PROJECT === "node" ? [] : [await workersProject()]),
      {
        // Tooling tests (npm run dev/deploy, CI): plain Node, no Worker runtime.
        test: {
          name: "node",
          include: [NODE_TESTS],
          // The real Worker these tests start logs its queue runs: not test output.
          onConsoleLog: (log: string) => !log.includes("[wrangler:info]"),
          environment: "node",
          // `npm test` (scripts/test.mjs) runs this project beside the workers project, one file at
          // a time each (vitest's default here is one; docs/testing.md). The deploy cases spawn
          // node and a fake wrangler several times each: beside a workers file at load 13 one took
          // 18.8 s (8.7 s alone), so they get 40 s. Two node files at once is not on: a deploy
          // case beside the browser suite ran past its limit at load 10.
          testTimeout: 40_000,
        },
      },
    ],
  },
}));
