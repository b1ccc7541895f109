// Reads the few wrangler.toml settings the scripts need (the Worker's name, its [vars], the
// D1 database name and the media bucket's), so they follow whatever the owner wrote there without a TOML dependency.
// Only the shapes wrangler.toml uses are understood: `key = "string"` (or 'literal') lines.
import { readFileSync } from "node:fs";

/** @returns {{ name: string, vars: Record<string, string>, databaseName: string, bucketName: string }} */
export function readWranglerToml(path) {
  const text = readFileSync(path, "utf8");
  const vars = {};
  let name = "";
  let databaseName = "";
  let bucketName = "";
  let table = "";
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    const header = /^\[\[?([^\]]+)\]\]?$/.exec(line);
    if (header) {
      table = header[1].trim();
      continue;
    }
    const entry = /^([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')/.exec(line);
    if (!entry) continue;
    const value = entry[3] ?? JSON.parse(`"${entry[2]}"`);
    if (table === "" && entry[1] === "name") name = value;
    if (table === "vars") vars[entry[1]] = value;
    if (table === "d1_databases" && entry[1] === "database_name" && !databaseName) databaseName = value;
    if (table === "r2_buckets" && entry[1] === "bucket_name" && !bucketName) bucketName = value;
  }
  return { name, vars, databaseName, bucketName };
}
