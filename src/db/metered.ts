// The D1 binding with a meter: every statement's meta.rows_read / rows_written (what Cloudflare
// bills, triggers and index entries included) is handed to `count`. Drizzle reads selects and
// RETURNING rows with raw(), whose result carries no meta; here raw() runs as all() — the same
// request to D1, rows as objects plus meta — and the objects are turned back into arrays by the
// column names the statement's own SQL gives. Where the names cannot tell the columns apart (two
// different columns of one name, as a join may select), the statement is run again with raw().
interface RowCounts {
  rowsRead: number;
  rowsWritten: number;
}

type Count = (rows: RowCounts) => void;

function counted(count: Count, meta: Partial<D1Meta> | undefined) {
  count({ rowsRead: meta?.rows_read ?? 0, rowsWritten: meta?.rows_written ?? 0 });
}

const KEYWORD_CHAR = /[a-z0-9_$]/;

/**
 * The result columns of a statement, told from its SQL: the top-level items of the select list
 * (select, with … select) or of the RETURNING clause, as written; [] for a write without one;
 * null when it cannot be told (a top-level `*`, another kind of statement).
 */
function resultColumns(sql: string): string[] | null {
  const lower = sql.toLowerCase();
  const wordAt = (i: number, word: string) =>
    lower.startsWith(word, i) && !KEYWORD_CHAR.test(lower[i - 1] ?? " ") && !KEYWORD_CHAR.test(lower[i + word.length] ?? " ");
  const head = lower.trimStart();
  const selecting = head.startsWith("select") || head.startsWith("with");
  if (!selecting && !/^(insert|update|delete|replace)\b/.test(head)) return null;
  let depth = 0;
  let from = -1;
  const items: string[] = [];
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i]!;
    if (c === "'" || c === '"' || c === "`") {
      const end = lower.indexOf(c, i + 1);
      if (end < 0) return null;
      i = end;
    } else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth !== 0) continue;
    else if (from < 0) {
      const start = selecting ? "select" : "returning";
      if (wordAt(i, start)) {
        i += start.length - 1;
        from = i + 1;
        if (selecting && wordAt(from + 1, "distinct")) from += "distinct".length + 1;
      }
    } else if (c === ",") {
      items.push(sql.slice(from, i).trim());
      from = i + 1;
    } else if (c === "*") return null;
    else if (selecting && wordAt(i, "from")) return [...items, sql.slice(from, i).trim()];
  }
  if (from < 0) return selecting ? null : [];
  return [...items, sql.slice(from).trim()];
}

/** The name SQLite gives a result column: its alias, the column of a (qualified) column reference, else the expression's text. */
function columnName(item: string): string {
  const alias = /\sas\s+(?:"([^"]+)"|([a-z_][a-z0-9_]*))$/i.exec(item);
  if (alias) return alias[1] ?? alias[2]!;
  const column = /(?:^|\.)"([^"]+)"$/.exec(item);
  return column ? column[1]! : item;
}

// SQL strings repeat (drizzle builds the same few hundred): their columns are worked out once.
const layouts = new Map<string, string[] | null>();

/** The column names in order, or null when two different columns share a name (or the SQL tells nothing). */
function layoutOf(sql: string): string[] | null {
  let layout = layouts.get(sql);
  if (layout === undefined) {
    const items = resultColumns(sql);
    const names = items?.map(columnName) ?? null;
    // One name may stand for several columns only when they are the same expression.
    const clash = names?.some((name, i) => names.indexOf(name) !== i && items![names.indexOf(name)] !== items![i]);
    layout = clash ? null : names;
    if (layouts.size >= 512) layouts.clear();
    layouts.set(sql, layout);
  }
  return layout;
}

/** Rows as objects back to arrays in the statement's column order; null when the names do not fit the rows. */
function asArrays(rows: Record<string, unknown>[], layout: string[] | null): unknown[][] | null {
  const first = rows[0];
  if (!first) return [];
  if (!layout || !layout.every((name) => name in first)) return null;
  return rows.map((row) => layout.map((name) => row[name]));
}

const inner = new WeakMap<object, D1PreparedStatement>();

function statement(real: D1PreparedStatement, sql: string, count: Count): D1PreparedStatement {
  const wrapped = {
    bind: (...values: unknown[]) => statement(real.bind(...values), sql, count),
    async all() {
      const result = await real.all();
      counted(count, result.meta);
      return result;
    },
    async run() {
      const result = await real.run();
      counted(count, result.meta);
      return result;
    },
    async first(column?: string) {
      const result = await real.all<Record<string, unknown>>();
      counted(count, result.meta);
      const row = result.results[0];
      if (!row) return null;
      if (column === undefined) return row;
      if (!(column in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
      return row[column];
    },
    async raw(options?: { columnNames?: boolean }) {
      // Nothing here asks for column names; such a call goes to D1 unmetered.
      if (options?.columnNames) return real.raw({ columnNames: true });
      const result = await real.all<Record<string, unknown>>();
      counted(count, result.meta);
      return asArrays(result.results, layoutOf(sql)) ?? real.raw();
    },
  };
  inner.set(wrapped, real);
  return wrapped as unknown as D1PreparedStatement;
}

/** `binding` with every statement's rows read and written handed to `count`. */
export function meteredD1(binding: D1Database, count: Count): D1Database {
  const metered = {
    prepare: (sql: string) => statement(binding.prepare(sql), sql, count),
    async batch<T = unknown>(statements: D1PreparedStatement[]) {
      const results = await binding.batch<T>(statements.map((s) => inner.get(s) ?? s));
      for (const result of results) counted(count, result.meta);
      return results;
    },
    exec: (query: string) => binding.exec(query),
    withSession: (constraint?: string) => binding.withSession(constraint),
    dump: () => binding.dump(),
  };
  return metered as unknown as D1Database;
}
