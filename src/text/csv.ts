// CSV as Mastodon's exports write it and its imports read it (Ruby's CSV library: RFC 4180,
// fields quoted only when they must be, "\n" line ends, blank lines skipped on reading). Pure.

export interface CsvRow {
  /** The line in the file the row starts on (1-based), for error reports. */
  line: number;
  fields: string[];
}

export type CsvParsed = { ok: true; rows: CsvRow[] } | { ok: false; line: number; error: string };

/** Parses the whole text; a quoting error names its line, as Ruby's MalformedCSVError does. */
export function parseCsv(text: string): CsvParsed {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: CsvRow[] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const start = line;
    const fields: string[] = [];
    let field = "";
    let rowDone = false;
    while (!rowDone) {
      if (src[i] === '"') {
        // A quoted field: "" is a quote; it may span lines.
        i++;
        for (;;) {
          if (i >= src.length) return { ok: false, line: start, error: `Unclosed quoted field in line ${start}` };
          const ch = src[i]!;
          if (ch === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === "\n") line++;
          field += ch;
          i++;
        }
        const next = src[i];
        if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") return { ok: false, line, error: `Any value after quoted field isn't allowed in line ${line}` };
      } else {
        while (i < src.length && src[i] !== "," && src[i] !== "\n" && src[i] !== "\r") {
          if (src[i] === '"') return { ok: false, line, error: `Illegal quoting in line ${line}` };
          field += src[i];
          i++;
        }
      }
      fields.push(field);
      field = "";
      const ch = src[i];
      if (ch === ",") {
        i++;
        continue;
      }
      if (ch === "\r") i++;
      if (src[i] === "\n") i++;
      else if (ch === "\r" && i < src.length) return { ok: false, line, error: `Unquoted fields do not allow \\r in line ${line}` };
      line++;
      rowDone = true;
    }
    if (!(fields.length === 1 && fields[0] === "")) rows.push({ line: start, fields });
  }
  return { ok: true, rows };
}

/** A field quoted as Ruby's CSV quotes it: when it holds a comma, a quote or a line break. */
function field(value: string | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatCsv(rows: (string | boolean | null | undefined)[][], headers?: string[]): string {
  const lines = headers ? [headers, ...rows] : rows;
  return lines.map((r) => `${r.map(field).join(",")}\n`).join("");
}
