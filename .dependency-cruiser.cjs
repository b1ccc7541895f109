// Layering rules for src/, checked by `npm run lint:layers` (dependency-cruiser).
//
// Paths are relative to the directory depcruise runs in (the repository root), so every pattern
// is anchored at `^src/`. Rules about folders that do not exist (yet) simply never fire.
// Type-only imports count: `tsPreCompilationDeps: true` keeps them in the graph.
//
// Layers, lowest first: src/text, src/push and src/db (leaves) < src/federation < src/delivery < src/domain
// < the HTTP surfaces src/web, src/api, src/oauth, src/inbox < src/runtime, src/app.ts, src/index.ts.

const NPM = ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-bundled", "npm-no-pkg", "npm-unknown"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "No import cycles anywhere in src/ (type-only imports included).",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "federation-stays-low",
      severity: "error",
      comment:
        "src/federation/ is protocol code: it must not import the domain, delivery, the HTTP surfaces or the runtime.",
      from: { path: "^src/federation/" },
      to: { path: ["^src/(web|api|oauth|domain|inbox|delivery|runtime)/", "^src/(app|index)\\.ts$"] },
    },
    {
      name: "domain-no-http",
      severity: "error",
      comment: "src/domain/ knows nothing of HTTP: no hono, no surfaces, no src/http.ts, no runtime.",
      from: { path: "^src/domain/" },
      to: {
        path: [
          "^src/(web|api|oauth|inbox|runtime)/",
          "^src/(http|app)\\.ts$",
          // hono and hono/* whether resolved into node_modules or not
          "^hono(/|$)",
          "(^|/)node_modules/hono/",
        ],
      },
    },
    {
      name: "db-stays-lowest",
      severity: "error",
      comment: "src/db/ may import only src/db/ (and npm packages or Node builtins).",
      from: { path: "^src/db/" },
      to: { pathNot: "^src/db/", dependencyTypesNot: [...NPM, "core"] },
    },
    {
      name: "delivery-below-domain",
      severity: "error",
      comment: "src/delivery/ must not import the domain, the HTTP surfaces or the runtime.",
      from: { path: "^src/delivery/" },
      to: { path: ["^src/(domain|web|api|oauth|inbox|runtime)/", "^src/app\\.ts$"] },
    },
    {
      name: "text-is-a-leaf",
      severity: "error",
      comment: "src/text/ may import only src/text/ (no other src module, no package).",
      from: { path: "^src/text/" },
      to: { pathNot: "^src/text/" },
    },
    {
      name: "push-is-a-leaf",
      severity: "error",
      comment: "src/push/ (Web Push encryption and VAPID) imports only src/push/ and npm packages: pure protocol code.",
      from: { path: "^src/push/" },
      to: { path: "^src/", pathNot: "^src/push/" },
    },
    {
      name: "bindings-only-at-the-top",
      severity: "error",
      comment: "src/runtime/bindings.ts may be imported only by src/index.ts, src/app.ts and src/runtime/.",
      from: { path: "^src/", pathNot: ["^src/(index|app)\\.ts$", "^src/runtime/"] },
      to: { path: "^src/runtime/bindings\\.ts$" },
    },
    {
      name: "durable-objects-in-runtime",
      severity: "error",
      comment:
        "Only src/runtime/ may import cloudflare:workers (depcruise cannot resolve it: it stays the bare specifier).",
      from: { path: "^src/", pathNot: "^src/runtime/" },
      to: { path: "^cloudflare:workers$" },
    },
    {
      name: "surfaces-do-not-import-each-other",
      severity: "error",
      comment: "src/web/, src/api/ and src/inbox/ do not import one another; share code through a lower layer.",
      from: { path: "^src/(web|api|inbox)/" },
      to: { path: "^src/(web|api|inbox)/", pathNot: "^src/$1/" },
    },
    {
      name: "no-orphans",
      severity: "warn",
      comment: "A module nothing imports and that imports nothing is probably dead.",
      from: { path: "^src/", orphan: true, pathNot: "\\.d\\.ts$" },
      to: {},
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "(^|/)node_modules/" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
