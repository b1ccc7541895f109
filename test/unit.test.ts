// The suites that need no D1 state and no peer traffic, run in one file: every test file starts
// its own workerd and applies the schema (several seconds each; docs/testing.md), and these
// suites, one per concern under test/unit/, would otherwise pay that six times.
import "./unit/address-policy.ts";
import "./unit/config.ts";
import "./unit/multipart.ts";
import "./unit/normalize.ts";
import "./unit/proofs.ts";
import "./unit/publish-markdown.ts";
import "./unit/signatures.ts";
import "./unit/snowflake.ts";
