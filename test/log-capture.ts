// Every event the Worker logs during a test file lands here instead of the console, so `npm test`
// shows results, not log lines, and tests can assert on what was logged.
import { type LogEntry, setLogSink } from "../src/log.ts";

const captured: LogEntry[] = [];

export function captureLogs(): void {
  setLogSink((entry) => captured.push(entry));
}

/** The events logged so far in this file, optionally only those named `event`. */
export function loggedEvents(event?: string): LogEntry[] {
  return event === undefined ? [...captured] : captured.filter((e) => e.event === event);
}

/** Drops what earlier files logged: every workers file shares one runtime (test/setup.ts). */
export function forgetLogs(): void {
  captured.length = 0;
}
