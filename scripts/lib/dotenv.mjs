// `.dev.vars` is a dotenv file: KEY=VALUE lines, # comments, optional double quotes.
import { readFileSync } from "node:fs";

/** @returns {Record<string, string>} */
export function readDotenv(path) {
  const values = {};
  for (const rawLine of readFileSync(path, "utf8").split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values[line.slice(0, eq).trim()] = value;
  }
  return values;
}
