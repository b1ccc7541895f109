// Numeric ids the client API hands out: milliseconds × 2048 plus 11 random bits. They sort by
// time, stay below 2^53 until about 2109 (JSON numbers and D1 INTEGERs round-trip them; Mastodon.py
// sends ids back as numbers) and are stringified in every API answer.
const LOW_BITS = 2048;

// The ids this isolate gave out in its current millisecond. Workers' clock stands still between
// I/O, so concurrent requests in one isolate (an app posting several statuses at once, a queue
// batch of incoming posts) draw in the same millisecond: 11 random bits alone collide once in 2,048
// pairs, and a collision is a failed insert. Drawing again among the unused ones avoids it here;
// isolates apart still rely on the random bits.
let issuedMs = -1;
const issued = new Set<number>();

export function snowflake(ms: number): number {
  const base = Math.floor(ms) * LOW_BITS;
  if (base !== issuedMs) {
    issuedMs = base;
    issued.clear();
  }
  let id = base + (crypto.getRandomValues(new Uint16Array(1))[0]! % LOW_BITS);
  // A millisecond with every low value used (a test's frozen clock) keeps the plain draw.
  while (issued.has(id) && issued.size < LOW_BITS) id = base + (crypto.getRandomValues(new Uint16Array(1))[0]! % LOW_BITS);
  issued.add(id);
  return id;
}

/** The smallest id of a millisecond: a cursor for "since this time". */
export function snowflakeFloor(ms: number): number {
  return Math.floor(ms) * LOW_BITS;
}

/** `n` distinct ids of one millisecond, ascending, for rows written together (their order kept). */
export function snowflakes(ms: number, n: number): number[] {
  if (n > LOW_BITS) throw new Error(`at most ${LOW_BITS} ids per millisecond`);
  const ids = new Set<number>();
  while (ids.size < n) ids.add(snowflake(ms));
  return [...ids].sort((a, b) => a - b);
}
