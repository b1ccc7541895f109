// Numeric ids the client API hands out: milliseconds × 2048 plus 11 random bits. They sort by
// time, stay below 2^53 until about 2109 (JSON numbers and D1 INTEGERs round-trip them; Mastodon.py
// sends ids back as numbers) and are stringified in every API answer.
const LOW_BITS = 2048;

export function snowflake(ms: number): number {
  return Math.floor(ms) * LOW_BITS + (crypto.getRandomValues(new Uint16Array(1))[0]! % LOW_BITS);
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
