import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";
import { outbound } from "./test/peers/network.ts";

// The Request.cf lookup needs the internet; tests run offline.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

export const TEST_ORIGIN = "https://roost.test";
const NODE_TESTS = "test/node/**/*.test.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      projects: [
        {
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
            isolate: false,
          },
        },
        {
          // Tooling tests (npm run dev/deploy, CI): plain Node, no Worker runtime.
          test: {
            name: "node",
            include: [NODE_TESTS],
            // The real Worker these tests start logs its queue runs: not test output.
            onConsoleLog: (log: string) => !log.includes("[wrangler:info]"),
            environment: "node",
            testTimeout: 20_000,
            // vitest runs this project first and the workers project after it (docs/testing.md), one
            // file at a time (vitest's default on 2 cores). Two at a time was tried: the deploy tests
            // then ran past their 20 s timeout beside the browser suite at load 10.
          },
        },
      ],
    },
  };
});
