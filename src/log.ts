// THE logger: `log(event, fields)` writes one JSON line per event (Workers Logs index the fields).
// Fields whose names look secret are replaced, so a token or a key never reaches a log by mistake.
// Tests swap the sink to collect events and assert on them (test/log-capture.ts).

export type LogFields = Record<string, unknown>;
export type Log = (event: string, fields?: LogFields) => void;
export type LogEntry = { event: string } & LogFields;
export type LogSink = (entry: LogEntry) => void;

const SECRET_FIELD = /token|secret|password|authorization|private|cookie/i;

const consoleSink: LogSink = (entry) => console.log(JSON.stringify(entry));
let sink: LogSink = consoleSink;

/** Routes every later event to `next` (tests); returns a function that restores the previous sink. */
export function setLogSink(next: LogSink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}

function redacted(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) out[key] = SECRET_FIELD.test(key) ? "[redacted]" : value;
  return out;
}

export const log: Log = (event, fields = {}) => {
  sink({ ...redacted(fields), event });
};
