// Reading one array of a large JSON document a window at a time: an archive's outbox.json holds
// every post in one `orderedItems` array (megabytes for a few thousand posts), more than one
// Free-plan invocation can parse. These scans find where each item begins and ends in the UTF-8
// bytes, so a job parses only the items it imports and the next job goes on from a byte offset.
// Only JSON's structural characters are looked at, all ASCII, so multi-byte UTF-8 never matters.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Where the value of the top-level object's `key` array starts (just after its `[`), or null when
 * these bytes end first. `bytes` begins at the document's start.
 */
export function findTopLevelArray(bytes: Uint8Array, key: string): number | null {
  const wanted = JSON.stringify(key);
  const decoder = new TextDecoder();
  let depth = 0;
  let lastString: { start: number; end: number } | null = null;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      const start = i;
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      if (i >= bytes.length) return null;
      lastString = { start, end: i + 1 };
      continue;
    }
    if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (b === OPEN_ARRAY && depth === 1 && lastString && decoder.decode(bytes.subarray(lastString.start, lastString.end)) === wanted) return i + 1;
      depth++;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) depth--;
    else if (b === COMMA) lastString = null;
  }
  return null;
}

export interface ArrayItems {
  /** Each complete item's [start, end) in `bytes`. */
  items: [number, number][];
  /** Where the next scan starts: after the last item returned (or where an incomplete one begins). */
  next: number;
  /** The array's closing bracket was reached. */
  end: boolean;
  /** Set when the bytes are not a JSON array here. */
  error?: string;
}

/**
 * Up to `max` items of an array, from `bytes` that begin between two of its items (or just after
 * its `[`). An item cut off by the window's end is left for the next scan, from `next`.
 */
export function scanArrayItems(bytes: Uint8Array, max: number): ArrayItems {
  const items: [number, number][] = [];
  let i = 0;
  let next = 0;
  while (items.length < max) {
    while (i < bytes.length && (isSpace(bytes[i]!) || bytes[i] === COMMA)) i++;
    if (i >= bytes.length) return { items, next: i, end: false };
    if (bytes[i] === CLOSE_ARRAY) return { items, next: i + 1, end: true };
    const start = i;
    let depth = 0;
    let complete = false;
    for (; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === QUOTE) {
        for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
        if (i >= bytes.length) break;
        if (depth === 0) {
          i++;
          complete = true;
          break;
        }
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
      else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        if (depth === 0 && i > start) {
          // The bracket that ends the array after a number, true, false or null.
          complete = true;
          break;
        }
        if (depth === 0) return { items, next, end: false, error: `unexpected "${String.fromCharCode(b)}" at byte ${i}` };
        depth--;
        if (depth === 0) {
          i++;
          complete = true;
          break;
        }
      } else if (depth === 0 && (b === COMMA || isSpace(b))) {
        // A number, true, false or null.
        complete = true;
        break;
      }
    }
    if (!complete) return { items, next: start, end: false };
    items.push([start, i]);
    next = i;
  }
  return { items, next, end: false };
}
