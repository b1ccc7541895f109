// What `npm run dev` shows of wrangler's output. Pure functions over wrangler's text, tested with
// recorded wrangler 4.164 output in test/node/dev.test.ts:
// - `wrangler d1 migrations apply --local` output becomes one line per migration applied;
// - `wrangler dev` stdout loses its startup noise (banner, bindings table, status notes) and the
//   log lines of the script's own startup requests; request logs and the Worker's logs stay.
import { stripVTControlCharacters } from "node:util";

/** A table row of `wrangler d1 migrations apply`: `│ 0000_init.sql │` or `│ 0000_init.sql │ ✅ │`. */
const TABLE_ROW = /^│ (.+?) *│(?: (.+?) *│)?$/;

/**
 * Reads the output of `wrangler d1 migrations apply`. Wrangler lists the unapplied migrations, then
 * reprints that table with a status column after each one it applies (✅ done, 🕒️ waiting); when
 * one fails it stops without a further table.
 * @param {string} stdout
 * @returns {{ upToDate: boolean, migrations: { name: string, applied: boolean }[] }}
 */
export function parseMigrationsApply(stdout) {
  const text = stripVTControlCharacters(stdout);
  const migrations = new Map();
  for (const line of text.split(/\r?\n/)) {
    const row = TABLE_ROW.exec(line.trim());
    if (!row || row[1] === "name" || row[1] === "Name") continue;
    const [, name, status] = row;
    migrations.set(name, (migrations.get(name) ?? false) || status?.includes("✅") === true);
  }
  return {
    upToDate: text.includes("No migrations to apply"),
    migrations: [...migrations].map(([name, applied]) => ({ name, applied })),
  };
}

/**
 * The lines `npm run dev` prints for the migration step: `migration X applied` for each one applied,
 * `database up to date` when there was nothing to apply, and after a failure (`ok` false) which
 * migration failed and which were not tried. Null when the output says neither (an unknown format).
 * @param {{ upToDate: boolean, migrations: { name: string, applied: boolean }[] }} result
 * @param {boolean} ok whether wrangler exited with 0
 * @returns {string[] | null}
 */
export function migrationReport({ upToDate, migrations }, ok) {
  if (ok && upToDate) return ["database up to date"];
  if (migrations.length === 0) return ok ? null : [];
  const lines = [];
  let failed = false;
  for (const { name, applied } of migrations) {
    if (applied) lines.push(`migration ${name} applied`);
    else if (ok) return null;
    else {
      lines.push(failed ? `migration ${name} not applied` : `migration ${name} failed`);
      failed = true;
    }
  }
  return lines;
}

const BANNER = /^(⛅️?\s*)?wrangler \d/;
const RULE = /^─+$/;
const BINDINGS_TITLE = /(has access to the following bindings:|^No bindings found\.?)$/;
const STATUS_NOISE = /^(⎔ (Starting local server|Connection status updated)|Using (secrets|vars) defined in )/;
const READY = /^\[wrangler:info\] Ready on (https?:\/\/\S+)/;
const REQUEST = /^\[wrangler:info\] ([A-Z]+) (\S+) \d{3}\b/;

/**
 * Sorts the lines of `wrangler dev`'s stdout, one at a time, into
 * - "ready": the first `Ready on <url>` line (hidden; the script prints its own summary);
 * - "hide": startup noise (banner, bindings tables, wrangler's ⎔ notes and blank lines before
 *   ready), the bindings table and "Connection status updated" of each reload, and one log line
 *   per expected request;
 * - "show": everything else: request logs, the Worker's own logs, the reload notes after ready
 *   ("⎔ Reloading local server...", "⎔ Local server updated and ready"), lines it does not know.
 */
export function createDevOutputFilter() {
  let ready = false;
  let inBindings = false;
  /** @type {string[]} `METHOD /path` of requests whose log line is hidden once. */
  let expected = [];
  return {
    /** Hides the next log line of this request (the script's own startup requests). */
    expectRequest(method, pathname) {
      expected.push(`${method} ${pathname}`);
    },
    /** Stops hiding request lines that have not shown up. */
    stopExpecting() {
      expected = [];
    },
    /**
     * @param {string} rawLine one line without its newline, possibly with ANSI colours
     * @returns {{ kind: "ready", url: string } | { kind: "hide" | "show" }}
     */
    classify(rawLine) {
      const line = stripVTControlCharacters(rawLine).trim();
      const readyLine = READY.exec(line);
      if (readyLine) {
        if (ready) return { kind: "hide" }; // only the first one counts
        ready = true;
        inBindings = false;
        return { kind: "ready", url: readyLine[1] };
      }
      if (inBindings) {
        if (line === "") inBindings = false;
        return { kind: "hide" };
      }
      if (BINDINGS_TITLE.test(line)) {
        inBindings = !line.startsWith("No bindings");
        return { kind: "hide" };
      }
      if (STATUS_NOISE.test(line)) return { kind: "hide" };
      // Before ready: also blank lines and reload notes (a source edit while it starts).
      if (!ready && (line === "" || line.startsWith("⎔ ") || BANNER.test(line) || RULE.test(line))) return { kind: "hide" };
      const request = REQUEST.exec(line);
      if (request) {
        const index = expected.indexOf(`${request[1]} ${request[2]}`);
        if (index !== -1) {
          expected.splice(index, 1);
          return { kind: "hide" };
        }
      }
      return { kind: "show" };
    },
  };
}

/**
 * Splits a stream's text chunks (set the stream's encoding, so characters are not cut in two) into
 * lines: `push(chunk)` calls `onLine` for each complete line, `end()` for a last unterminated one.
 * @param {(line: string) => void} onLine
 */
export function lineSplitter(onLine) {
  let rest = "";
  return {
    push(chunk) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
    },
    end() {
      if (rest) onLine(rest);
      rest = "";
    },
  };
}
