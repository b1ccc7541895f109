// The output filtering of `npm run dev` (scripts/lib/dev-output.mjs), fed with output recorded from
// wrangler 4.164.0 (no wrangler is started here). Re-record these samples when wrangler is upgraded.
import { describe, expect, it } from "vitest";
import { createDevOutputFilter, lineSplitter, migrationReport, parseMigrationsApply } from "../../scripts/lib/dev-output.mjs";

// `wrangler d1 migrations apply DB --local` stdout, empty local database (the four migrations of this repository).
const APPLY_FRESH = [
  "",
  " ⛅️ wrangler 4.164.0",
  "────────────────────",
  "Resource location: local ",
  "",
  "Use --remote if you want to access the remote instance.",
  "",
  "Migrations to be applied:",
  "┌───────────────────────────────────┐",
  "│ name                              │",
  "├───────────────────────────────────┤",
  "│ 0000_init.sql                     │",
  "├───────────────────────────────────┤",
  "│ 0001_delivery_target_triggers.sql │",
  "├───────────────────────────────────┤",
  "│ 0002_delivery_failures.sql        │",
  "├───────────────────────────────────┤",
  "│ 0003_fanout_progress.sql          │",
  "└───────────────────────────────────┘",
  "? About to apply 4 migration(s)",
  "Your database may not be available to serve requests during the migration, continue?",
  "🤖 Using fallback value in non-interactive context: yes",
  "🌀 Executing on local database DB (DB) from .wrangler/state/v3/d1:",
  "🌀 To execute on your remote database, add a --remote flag to your wrangler command.",
  "🚣 27 commands executed successfully.",
  "┌───────────────────────────────────┬────────┐",
  "│ name                              │ status │",
  "├───────────────────────────────────┼────────┤",
  "│ 0000_init.sql                     │ ✅     │",
  "├───────────────────────────────────┼────────┤",
  "│ 0001_delivery_target_triggers.sql │ 🕒️    │",
  "├───────────────────────────────────┼────────┤",
  "│ 0002_delivery_failures.sql        │ 🕒️    │",
  "├───────────────────────────────────┼────────┤",
  "│ 0003_fanout_progress.sql          │ 🕒️    │",
  "└───────────────────────────────────┴────────┘",
  "🌀 Executing on local database DB (DB) from .wrangler/state/v3/d1:",
  "🌀 To execute on your remote database, add a --remote flag to your wrangler command.",
  "🚣 4 commands executed successfully.",
  "┌───────────────────────────────────┬────────┐",
  "│ name                              │ status │",
  "├───────────────────────────────────┼────────┤",
  "│ 0000_init.sql                     │ ✅     │",
  "├───────────────────────────────────┼────────┤",
  "│ 0001_delivery_target_triggers.sql │ ✅     │",
  "├───────────────────────────────────┼────────┤",
  "│ 0002_delivery_failures.sql        │ 🕒️    │",
  "├───────────────────────────────────┼────────┤",
  "│ 0003_fanout_progress.sql          │ 🕒️    │",
  "└───────────────────────────────────┴────────┘",
  "🌀 Executing on local database DB (DB) from .wrangler/state/v3/d1:",
  "🌀 To execute on your remote database, add a --remote flag to your wrangler command.",
  "🚣 2 commands executed successfully.",
  "┌───────────────────────────────────┬────────┐",
  "│ name                              │ status │",
  "├───────────────────────────────────┼────────┤",
  "│ 0000_init.sql                     │ ✅     │",
  "├───────────────────────────────────┼────────┤",
  "│ 0001_delivery_target_triggers.sql │ ✅     │",
  "├───────────────────────────────────┼────────┤",
  "│ 0002_delivery_failures.sql        │ ✅     │",
  "├───────────────────────────────────┼────────┤",
  "│ 0003_fanout_progress.sql          │ 🕒️    │",
  "└───────────────────────────────────┴────────┘",
  "🌀 Executing on local database DB (DB) from .wrangler/state/v3/d1:",
  "🌀 To execute on your remote database, add a --remote flag to your wrangler command.",
  "🚣 5 commands executed successfully.",
  "┌───────────────────────────────────┬────────┐",
  "│ name                              │ status │",
  "├───────────────────────────────────┼────────┤",
  "│ 0000_init.sql                     │ ✅     │",
  "├───────────────────────────────────┼────────┤",
  "│ 0001_delivery_target_triggers.sql │ ✅     │",
  "├───────────────────────────────────┼────────┤",
  "│ 0002_delivery_failures.sql        │ ✅     │",
  "├───────────────────────────────────┼────────┤",
  "│ 0003_fanout_progress.sql          │ ✅     │",
  "└───────────────────────────────────┴────────┘",
  "",
].join("\n");
// The same, run again: nothing to apply.
const APPLY_NONE = [
  "",
  " ⛅️ wrangler 4.164.0",
  "────────────────────",
  "Resource location: local ",
  "",
  "Use --remote if you want to access the remote instance.",
  "",
  "✅ No migrations to apply!",
  "",
].join("\n");
// One new migration.
const APPLY_ONE = [
  "",
  " ⛅️ wrangler 4.164.0",
  "────────────────────",
  "Resource location: local ",
  "",
  "Use --remote if you want to access the remote instance.",
  "",
  "Migrations to be applied:",
  "┌────────────────┐",
  "│ name           │",
  "├────────────────┤",
  "│ 0004_extra.sql │",
  "└────────────────┘",
  "? About to apply 1 migration(s)",
  "Your database may not be available to serve requests during the migration, continue?",
  "🤖 Using fallback value in non-interactive context: yes",
  "🌀 Executing on local database DB (DB) from .wrangler/state/v3/d1:",
  "🌀 To execute on your remote database, add a --remote flag to your wrangler command.",
  "🚣 2 commands executed successfully.",
  "┌────────────────┬────────┐",
  "│ name           │ status │",
  "├────────────────┼────────┤",
  "│ 0004_extra.sql │ ✅     │",
  "└────────────────┴────────┘",
  "",
].join("\n");
// Three new migrations, the second one broken (`CREATE TABLEX`): exit 1; stderr has the SQLite error.
const APPLY_FAIL = [
  "",
  " ⛅️ wrangler 4.164.0",
  "────────────────────",
  "Resource location: local ",
  "",
  "Use --remote if you want to access the remote instance.",
  "",
  "Migrations to be applied:",
  "┌─────────────────┐",
  "│ name            │",
  "├─────────────────┤",
  "│ 0005_ok.sql     │",
  "├─────────────────┤",
  "│ 0006_broken.sql │",
  "├─────────────────┤",
  "│ 0007_after.sql  │",
  "└─────────────────┘",
  "? About to apply 3 migration(s)",
  "Your database may not be available to serve requests during the migration, continue?",
  "🤖 Using fallback value in non-interactive context: yes",
  "🌀 Executing on local database DB (DB) from .wrangler/state/v3/d1:",
  "🌀 To execute on your remote database, add a --remote flag to your wrangler command.",
  "🚣 2 commands executed successfully.",
  "┌─────────────────┬────────┐",
  "│ name            │ status │",
  "├─────────────────┼────────┤",
  "│ 0005_ok.sql     │ ✅     │",
  "├─────────────────┼────────┤",
  "│ 0006_broken.sql │ 🕒️    │",
  "├─────────────────┼────────┤",
  "│ 0007_after.sql  │ 🕒️    │",
  "└─────────────────┴────────┘",
  "🌀 Executing on local database DB (DB) from .wrangler/state/v3/d1:",
  "🌀 To execute on your remote database, add a --remote flag to your wrangler command.",
  "",
  "",
].join("\n");
// `wrangler dev` stdout, piped, before the local database had its tables: nodeinfo polled during startup, WebFinger, the actor (500, with the Worker's error log), /nope, an edit of src/index.ts (reload), /@me.
const DEV_PLAIN = [
  "",
  " ⛅️ wrangler 4.164.0",
  "────────────────────",
  "Using secrets defined in .dev.vars",
  "Your Worker has access to the following bindings:",
  "Binding                                                            Resource                  Mode",
  "env.DELIVERY_HOST (DeliveryHost)                                   Durable Object            local",
  "env.QUEUE (roost-jobs)                                             Queue                     local",
  "env.DB (roost)                                                     D1 Database               local",
  "env.USERNAME (\"me\")                                                Environment Variable      local",
  "env.WEB_ORIGIN (\"(hidden)\")                                        Environment Variable      local",
  "env.HANDLE_DOMAIN (\"(hidden)\")                                     Environment Variable      local",
  "env.DISPLAY_NAME (\"Me\")                                            Environment Variable      local",
  "env.BIO (\"A Roost on the fediverse.\")                              Environment Variable      local",
  "env.AVATAR_URL (\"\")                                                Environment Variable      local",
  "env.HEADER_URL (\"\")                                                Environment Variable      local",
  "env.PROFILE_FIELDS (\"[]\")                                          Environment Variable      local",
  "env.ALSO_KNOWN_AS (\"[]\")                                           Environment Variable      local",
  "env.MANUALLY_APPROVES_FOLLOWERS (\"false\")                          Environment Variable      local",
  "env.LOCAL_DEV (\"(hidden)\")                                         Environment Variable      local",
  "env.OWNER_TOKEN (\"(hidden)\")                                       Environment Variable      local",
  "",
  "⎔ Starting local server...",
  "⎔ Connection status updated",
  "Your Worker has access to the following bindings:",
  "Binding                                                            Resource                  Mode",
  "env.DELIVERY_HOST (DeliveryHost)                                   Durable Object            local",
  "env.QUEUE (roost-jobs)                                             Queue                     local",
  "env.DB (roost)                                                     D1 Database               local",
  "env.USERNAME (\"me\")                                                Environment Variable      local",
  "env.WEB_ORIGIN (\"(hidden)\")                                        Environment Variable      local",
  "env.HANDLE_DOMAIN (\"(hidden)\")                                     Environment Variable      local",
  "env.DISPLAY_NAME (\"Me\")                                            Environment Variable      local",
  "env.BIO (\"A Roost on the fediverse.\")                              Environment Variable      local",
  "env.AVATAR_URL (\"\")                                                Environment Variable      local",
  "env.HEADER_URL (\"\")                                                Environment Variable      local",
  "env.PROFILE_FIELDS (\"[]\")                                          Environment Variable      local",
  "env.ALSO_KNOWN_AS (\"[]\")                                           Environment Variable      local",
  "env.MANUALLY_APPROVES_FOLLOWERS (\"false\")                          Environment Variable      local",
  "env.LOCAL_DEV (\"(hidden)\")                                         Environment Variable      local",
  "env.OWNER_TOKEN (\"(hidden)\")                                       Environment Variable      local",
  "",
  "[wrangler:info] Ready on http://127.0.0.1:8787",
  "[wrangler:info] GET /.well-known/nodeinfo 200 OK (934ms)",
  "[wrangler:info] GET /.well-known/nodeinfo 200 OK (7ms)",
  "[wrangler:info] GET /.well-known/webfinger 200 OK (7ms)",
  "{\"path\":\"/users/me\",\"error\":\"Error: Failed query: select \\\"kind\\\", \\\"public_key\\\", \\\"private_key\\\", \\\"created_at\\\" from \\\"keys\\\"\\nparams: \",\"event\":\"http.error\"}",
  "[wrangler:info] GET /users/me 500 Internal Server Error (27ms)",
  "[wrangler:info] GET /nope 404 Not Found (7ms)",
  "⎔ Reloading local server...",
  "⎔ Connection status updated",
  "Your Worker has access to the following bindings:",
  "Binding                                                            Resource                  Mode",
  "env.DELIVERY_HOST (DeliveryHost)                                   Durable Object            local",
  "env.QUEUE (roost-jobs)                                             Queue                     local",
  "env.DB (roost)                                                     D1 Database               local",
  "env.USERNAME (\"me\")                                                Environment Variable      local",
  "env.WEB_ORIGIN (\"(hidden)\")                                        Environment Variable      local",
  "env.HANDLE_DOMAIN (\"(hidden)\")                                     Environment Variable      local",
  "env.DISPLAY_NAME (\"Me\")                                            Environment Variable      local",
  "env.BIO (\"A Roost on the fediverse.\")                              Environment Variable      local",
  "env.AVATAR_URL (\"\")                                                Environment Variable      local",
  "env.HEADER_URL (\"\")                                                Environment Variable      local",
  "env.PROFILE_FIELDS (\"[]\")                                          Environment Variable      local",
  "env.ALSO_KNOWN_AS (\"[]\")                                           Environment Variable      local",
  "env.MANUALLY_APPROVES_FOLLOWERS (\"false\")                          Environment Variable      local",
  "env.LOCAL_DEV (\"(hidden)\")                                         Environment Variable      local",
  "env.OWNER_TOKEN (\"(hidden)\")                                       Environment Variable      local",
  "",
  "⎔ Local server updated and ready",
  "{\"path\":\"/@me\",\"error\":\"Error: Failed query: select count(*) from \\\"followers\\\" where \\\"followers\\\".\\\"state\\\" = ?\\nparams: accepted\",\"event\":\"http.error\"}",
  "[wrangler:info] GET /@me 500 Internal Server Error (52ms)",
  "",
].join("\n");
// The same steps with FORCE_COLOR=1 (what `npm run dev` sets when its stdout is a terminal) and a migrated database: the actor request creates the keys.
const DEV_COLOR = [
  "",
  " ⛅️ wrangler 4.164.0",
  "\u001b[93m────────────────────\u001b[39m",
  "Using secrets defined in .dev.vars",
  "Your Worker has access to the following bindings:",
  "\u001b[2mBinding\u001b[22m                                                            \u001b[2mResource\u001b[22m                  \u001b[2mMode\u001b[22m",
  "\u001b[37menv.DELIVERY_HOST\u001b[39m (\u001b[2mDeliveryHost\u001b[22m)                                   \u001b[31mDurable Object      \u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.QUEUE\u001b[39m (\u001b[2mroost-jobs\u001b[22m)                                             \u001b[31mQueue               \u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.DB\u001b[39m (\u001b[2mroost\u001b[22m)                                                     \u001b[31mD1 Database         \u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.USERNAME\u001b[39m (\u001b[2m\"me\"\u001b[22m)                                                \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.WEB_ORIGIN\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                        \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.HANDLE_DOMAIN\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                     \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.DISPLAY_NAME\u001b[39m (\u001b[2m\"Me\"\u001b[22m)                                            \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.BIO\u001b[39m (\u001b[2m\"A Roost on the fediverse.\"\u001b[22m)                              \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.AVATAR_URL\u001b[39m (\u001b[2m\"\"\u001b[22m)                                                \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.HEADER_URL\u001b[39m (\u001b[2m\"\"\u001b[22m)                                                \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.PROFILE_FIELDS\u001b[39m (\u001b[2m\"[]\"\u001b[22m)                                          \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.ALSO_KNOWN_AS\u001b[39m (\u001b[2m\"[]\"\u001b[22m)                                           \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.MANUALLY_APPROVES_FOLLOWERS\u001b[39m (\u001b[2m\"false\"\u001b[22m)                          \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.LOCAL_DEV\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                         \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.OWNER_TOKEN\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                       \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "",
  "\u001b[2m⎔ Starting local server...\u001b[22m",
  "\u001b[2m⎔ Connection status updated\u001b[22m",
  "Your Worker has access to the following bindings:",
  "\u001b[2mBinding\u001b[22m                                                            \u001b[2mResource\u001b[22m                  \u001b[2mMode\u001b[22m",
  "\u001b[37menv.DELIVERY_HOST\u001b[39m (\u001b[2mDeliveryHost\u001b[22m)                                   \u001b[31mDurable Object      \u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.QUEUE\u001b[39m (\u001b[2mroost-jobs\u001b[22m)                                             \u001b[31mQueue               \u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.DB\u001b[39m (\u001b[2mroost\u001b[22m)                                                     \u001b[31mD1 Database         \u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.USERNAME\u001b[39m (\u001b[2m\"me\"\u001b[22m)                                                \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.WEB_ORIGIN\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                        \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.HANDLE_DOMAIN\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                     \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.DISPLAY_NAME\u001b[39m (\u001b[2m\"Me\"\u001b[22m)                                            \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.BIO\u001b[39m (\u001b[2m\"A Roost on the fediverse.\"\u001b[22m)                              \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.AVATAR_URL\u001b[39m (\u001b[2m\"\"\u001b[22m)                                                \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.HEADER_URL\u001b[39m (\u001b[2m\"\"\u001b[22m)                                                \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.PROFILE_FIELDS\u001b[39m (\u001b[2m\"[]\"\u001b[22m)                                          \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.ALSO_KNOWN_AS\u001b[39m (\u001b[2m\"[]\"\u001b[22m)                                           \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.MANUALLY_APPROVES_FOLLOWERS\u001b[39m (\u001b[2m\"false\"\u001b[22m)                          \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.LOCAL_DEV\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                         \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.OWNER_TOKEN\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                       \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "",
  "\u001b[32m[wrangler:info]\u001b[39m Ready on \u001b[32mhttp://127.0.0.1:8787\u001b[39m",
  "\u001b[32m[wrangler:info]\u001b[39m \u001b[0m\u001b[1mGET\u001b[22m /.well-known/nodeinfo \u001b[32m\u001b[1m200\u001b[22m OK \u001b[39m\u001b[90m(2858ms)\u001b[39m\u001b[0m",
  "\u001b[32m[wrangler:info]\u001b[39m \u001b[0m\u001b[1mGET\u001b[22m /.well-known/nodeinfo \u001b[32m\u001b[1m200\u001b[22m OK \u001b[39m\u001b[90m(1723ms)\u001b[39m\u001b[0m",
  "\u001b[32m[wrangler:info]\u001b[39m \u001b[0m\u001b[1mGET\u001b[22m /.well-known/nodeinfo \u001b[32m\u001b[1m200\u001b[22m OK \u001b[39m\u001b[90m(154ms)\u001b[39m\u001b[0m",
  "\u001b[32m[wrangler:info]\u001b[39m \u001b[0m\u001b[1mGET\u001b[22m /.well-known/webfinger \u001b[32m\u001b[1m200\u001b[22m OK \u001b[39m\u001b[90m(19ms)\u001b[39m\u001b[0m",
  "{\"kinds\":[\"rsa\",\"ed25519\"],\"event\":\"keys.created\"}",
  "\u001b[32m[wrangler:info]\u001b[39m \u001b[0m\u001b[1mGET\u001b[22m /users/me \u001b[32m\u001b[1m200\u001b[22m OK \u001b[39m\u001b[90m(422ms)\u001b[39m\u001b[0m",
  "\u001b[32m[wrangler:info]\u001b[39m \u001b[0m\u001b[1mGET\u001b[22m /nope \u001b[33m\u001b[1m404\u001b[22m Not Found \u001b[39m\u001b[90m(20ms)\u001b[39m\u001b[0m",
  "\u001b[2m⎔ Reloading local server...\u001b[22m",
  "\u001b[2m⎔ Connection status updated\u001b[22m",
  "Your Worker has access to the following bindings:",
  "\u001b[2mBinding\u001b[22m                                                            \u001b[2mResource\u001b[22m                  \u001b[2mMode\u001b[22m",
  "\u001b[37menv.DELIVERY_HOST\u001b[39m (\u001b[2mDeliveryHost\u001b[22m)                                   \u001b[31mDurable Object      \u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.QUEUE\u001b[39m (\u001b[2mroost-jobs\u001b[22m)                                             \u001b[31mQueue               \u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.DB\u001b[39m (\u001b[2mroost\u001b[22m)                                                     \u001b[31mD1 Database         \u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.USERNAME\u001b[39m (\u001b[2m\"me\"\u001b[22m)                                                \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.WEB_ORIGIN\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                        \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.HANDLE_DOMAIN\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                     \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.DISPLAY_NAME\u001b[39m (\u001b[2m\"Me\"\u001b[22m)                                            \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.BIO\u001b[39m (\u001b[2m\"A Roost on the fediverse.\"\u001b[22m)                              \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.AVATAR_URL\u001b[39m (\u001b[2m\"\"\u001b[22m)                                                \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.HEADER_URL\u001b[39m (\u001b[2m\"\"\u001b[22m)                                                \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.PROFILE_FIELDS\u001b[39m (\u001b[2m\"[]\"\u001b[22m)                                          \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.ALSO_KNOWN_AS\u001b[39m (\u001b[2m\"[]\"\u001b[22m)                                           \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.MANUALLY_APPROVES_FOLLOWERS\u001b[39m (\u001b[2m\"false\"\u001b[22m)                          \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.LOCAL_DEV\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                         \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "\u001b[37menv.OWNER_TOKEN\u001b[39m (\u001b[2m\"(hidden)\"\u001b[22m)                                       \u001b[31mEnvironment Variable\u001b[39m      \u001b[34mlocal\u001b[39m",
  "",
  "\u001b[2m⎔ Local server updated and ready\u001b[22m",
  "\u001b[32m[wrangler:info]\u001b[39m \u001b[0m\u001b[1mGET\u001b[22m /@me \u001b[32m\u001b[1m200\u001b[22m OK \u001b[39m\u001b[90m(75ms)\u001b[39m\u001b[0m",
  "",
].join("\n");

const ESC = "\u001b";
const plain = (text: string) => text.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");

describe("migration lines", () => {
  it("names each migration applied to an empty database", () => {
    expect(migrationReport(parseMigrationsApply(APPLY_FRESH), true)).toEqual([
      "migration 0000_init.sql applied",
      "migration 0001_delivery_target_triggers.sql applied",
      "migration 0002_delivery_failures.sql applied",
      "migration 0003_fanout_progress.sql applied",
    ]);
  });

  it("says the database is up to date when there is nothing to apply", () => {
    expect(parseMigrationsApply(APPLY_NONE)).toEqual({ upToDate: true, migrations: [] });
    expect(migrationReport(parseMigrationsApply(APPLY_NONE), true)).toEqual(["database up to date"]);
  });

  it("names only the new migration on a later run", () => {
    expect(migrationReport(parseMigrationsApply(APPLY_ONE), true)).toEqual(["migration 0004_extra.sql applied"]);
  });

  it("after a failure, names the applied, the failed and the untried migrations", () => {
    expect(migrationReport(parseMigrationsApply(APPLY_FAIL), false)).toEqual([
      "migration 0005_ok.sql applied",
      "migration 0006_broken.sql failed",
      "migration 0007_after.sql not applied",
    ]);
  });

  it("reads the tables with colours too", () => {
    const coloured = APPLY_ONE.replaceAll("│", `${ESC}[90m│${ESC}[39m`).replace("✅", `${ESC}[32m✅${ESC}[39m`);
    expect(migrationReport(parseMigrationsApply(coloured), true)).toEqual(["migration 0004_extra.sql applied"]);
  });

  it("gives null for output it cannot read, and no lines for a failure before any migration", () => {
    expect(migrationReport(parseMigrationsApply("something else entirely\n"), true)).toBeNull();
    expect(migrationReport(parseMigrationsApply(" ⛅️ wrangler 4.164.0\n"), false)).toEqual([]);
  });
});

/** Runs a recorded `wrangler dev` stdout through the filter the way dev.mjs does. */
function filterDev(stdout: string, expectedRequests: [string, string][] = []) {
  const filter = createDevOutputFilter();
  for (const [method, pathname] of expectedRequests) filter.expectRequest(method, pathname);
  const before: string[] = [];
  const after: string[] = [];
  const ready: string[] = [];
  const lines = lineSplitter((line) => {
    const result = filter.classify(line);
    if (result.kind === "ready") ready.push(result.url);
    else if (result.kind === "show") (ready.length ? after : before).push(line);
  });
  lines.push(stdout);
  lines.end();
  return { before, after, ready };
}

describe("wrangler dev output", () => {
  it("hides the banner and the bindings tables, keeps request logs, the Worker's logs and reload notes", () => {
    const { before, after, ready } = filterDev(DEV_PLAIN, [
      ["GET", "/.well-known/webfinger"],
      ["GET", "/users/me"],
    ]);
    expect(before).toEqual([]);
    expect(ready).toEqual(["http://127.0.0.1:8787"]);
    expect(after).toEqual([
      "[wrangler:info] GET /.well-known/nodeinfo 200 OK (934ms)",
      "[wrangler:info] GET /.well-known/nodeinfo 200 OK (7ms)",
      expect.stringMatching(/^\{"path":"\/users\/me","error":"Error: Failed query: select .*"event":"http\.error"\}$/),
      "[wrangler:info] GET /nope 404 Not Found (7ms)",
      "⎔ Reloading local server...",
      "⎔ Local server updated and ready",
      expect.stringMatching(/^\{"path":"\/@me",/),
      "[wrangler:info] GET /@me 500 Internal Server Error (52ms)",
    ]);
  });

  it("does the same with colours and passes the coloured lines on unchanged", () => {
    const { before, after, ready } = filterDev(DEV_COLOR, [
      ["GET", "/.well-known/webfinger"],
      ["GET", "/users/me"],
    ]);
    expect(before).toEqual([]);
    expect(ready).toEqual(["http://127.0.0.1:8787"]);
    expect(after.map(plain)).toEqual([
      "[wrangler:info] GET /.well-known/nodeinfo 200 OK (2858ms)",
      "[wrangler:info] GET /.well-known/nodeinfo 200 OK (1723ms)",
      "[wrangler:info] GET /.well-known/nodeinfo 200 OK (154ms)",
      '{"kinds":["rsa","ed25519"],"event":"keys.created"}',
      "[wrangler:info] GET /nope 404 Not Found (20ms)",
      "⎔ Reloading local server...",
      "⎔ Local server updated and ready",
      "[wrangler:info] GET /@me 200 OK (75ms)",
    ]);
    expect(after[0]).toContain(`${ESC}[32m`);
  });

  it("hides an expected request's log line once, and none after stopExpecting", () => {
    const line = "[wrangler:info] GET /users/me 200 OK (5ms)";
    const filter = createDevOutputFilter();
    filter.expectRequest("GET", "/users/me");
    filter.expectRequest("GET", "/.well-known/webfinger");
    expect(filter.classify("[wrangler:info] POST /users/me 200 OK (5ms)").kind).toBe("show");
    expect(filter.classify(line).kind).toBe("hide");
    expect(filter.classify(line).kind).toBe("show");
    filter.stopExpecting();
    expect(filter.classify("[wrangler:info] GET /.well-known/webfinger 200 OK (7ms)").kind).toBe("show");
  });

  it("reports ready once", () => {
    const filter = createDevOutputFilter();
    const ready = `${ESC}[32m[wrangler:info]${ESC}[39m Ready on ${ESC}[32mhttp://127.0.0.1:8787${ESC}[39m`;
    expect(filter.classify(ready)).toEqual({ kind: "ready", url: "http://127.0.0.1:8787" });
    expect(filter.classify(ready)).toEqual({ kind: "hide" });
  });

  it("shows lines it does not know, before ready too", () => {
    const filter = createDevOutputFilter();
    expect(filter.classify("").kind).toBe("hide");
    expect(filter.classify("Something wrangler has not said before").kind).toBe("show");
  });

  it("hides a reload while it starts (recorded: src/ edited during startup), shows one after ready", () => {
    const reload = ["⎔ Reloading local server...", "⎔ Local server updated and ready"];
    const startup = DEV_PLAIN.split("\n").slice(0, 43);
    const ready = "[wrangler:info] Ready on http://127.0.0.1:8787";
    expect(startup.at(-1)).toBe(ready);
    const { before, after } = filterDev([...startup.slice(0, -1), ...reload, ready, ...reload].join("\n"));
    expect(before).toEqual([]);
    expect(after).toEqual(reload);
  });
});

describe("lineSplitter", () => {
  it("gives the same lines whatever the chunk boundaries, without \\r", () => {
    const whole: string[] = [];
    const split = lineSplitter((line) => whole.push(line));
    split.push(DEV_COLOR);
    split.end();
    for (const size of [1, 7, 100]) {
      const pieces: string[] = [];
      const chunked = lineSplitter((line) => pieces.push(line));
      for (let i = 0; i < DEV_COLOR.length; i += size) chunked.push(DEV_COLOR.slice(i, i + size));
      chunked.end();
      expect(pieces).toEqual(whole);
    }
    const crlf: string[] = [];
    const windows = lineSplitter((line) => crlf.push(line));
    windows.push("a\r\nb");
    windows.push("c\r\n");
    windows.push("tail");
    expect(crlf).toEqual(["a", "bc"]);
    windows.end();
    expect(crlf).toEqual(["a", "bc", "tail"]);
  });
});
