// Ids drawn in one millisecond by one isolate: concurrent requests see the same clock (Workers'
// time stands still between I/O), so the random low bits alone would collide.
import { describe, expect, it } from "vitest";
import { snowflake, snowflakeFloor, snowflakes } from "../../src/db/snowflake.ts";

describe("snowflake ids", () => {
  it("never repeats within one millisecond of one isolate, and sorts by time", () => {
    const ms = Date.UTC(2026, 11, 2, 7, 30);
    const ids = Array.from({ length: 2000 }, () => snowflake(ms));
    expect(new Set(ids).size).toBe(2000);
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(snowflakeFloor(ms));
    expect(Math.max(...ids)).toBeLessThan(snowflakeFloor(ms + 1));
    expect(snowflake(ms + 1)).toBeGreaterThan(Math.max(...ids));
  });

  it("still answers when a millisecond's 2,048 ids are spent, and a batch stays distinct and ordered", () => {
    const ms = Date.UTC(2026, 11, 2, 7, 31);
    for (let i = 0; i < 2100; i++) snowflake(ms);
    const batch = snowflakes(ms, 50);
    expect(new Set(batch).size).toBe(50);
    expect(batch).toEqual([...batch].sort((a, b) => a - b));
  });
});
