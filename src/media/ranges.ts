// The metadata rewrite of a large JPEG or PNG by ranges: its header segments (and a PNG's tail
// chunks) are read from storage, cleaned here, and the stored object is composed of those few
// bytes and the untouched image data as a range of the staged upload. The Worker never holds
// the image data: reading 2 MB into an isolate costs more CPU than the Free plan's 10 ms
// (BENCHMARKS.md → Media uploads). Other types, and files these readers cannot place, are
// rewritten whole (cleanImage).
import { concat } from "./bytes.ts";
import { walkJpeg } from "./jpeg.ts";
import { pngHead, pngTail } from "./png.ts";
import type { Piece } from "./store.ts";
import { invalid } from "./types.ts";

/** `length` bytes of the file at `offset` (relative to the file's start). */
export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

export type RangePlan = { ok: true; pieces: Piece[]; size: number; width: number; height: number } | { ok: false; error: string };

/** A header read grows to this at most: EXIF, ICC and XMP segments are 64 KB each, and phones write a few. */
const MAX_HEADER = 1024 * 1024;
const WINDOW = 64 * 1024;

/** Reads the head of the file until `parse` has what it needs (it answers `short` with the length to read). */
async function header<T extends { ok: unknown }>(read: ReadRange, length: number, first: Uint8Array, parse: (b: Uint8Array) => T | { ok: "short"; need: number }, what: string): Promise<T | { ok: false; error: string }> {
  let head = first;
  for (;;) {
    const walk = parse(head);
    if (walk.ok !== "short") return walk as T;
    const need = (walk as { need: number }).need;
    // Past the end of the file, or a header past any camera's: not a file this reader takes.
    if (head.length >= length || need > MAX_HEADER) return invalid(what);
    head = await read(0, Math.min(need, length));
  }
}

/**
 * The pieces of the cleaned file, `head` being its first bytes (what the request already read);
 * null when the file must be rewritten whole (another type; a JPEG that does not end at its
 * image's end; a PNG whose last data chunk is longer than the tail read).
 */
export async function planByRanges(mime: string, key: string, offset: number, length: number, head: Uint8Array, read: ReadRange): Promise<RangePlan | null> {
  if (head.length >= length) return null; // all of it is in memory already: the whole rewrite is as cheap
  const range = (from: number, to: number): Piece => ({ key, offset: offset + from, length: to - from });
  if (mime === "image/jpeg") {
    const walk = await header(read, length, head, (b) => walkJpeg(b, true), "JPEG");
    if (walk.ok !== true) return walk;
    // The first image ends at its EOI: the Multi-Picture index says where (phones put a second
    // image, with EXIF of its own, after it); else the file must end with EOI. Anything else
    // after the image (a motion photo's video, a vendor trailer) needs the whole-file scan.
    const end = walk.primarySize > walk.end && walk.primarySize <= length ? walk.primarySize : length;
    const last = await read(end - 2, 2);
    if (last[0] !== 0xff || last[1] !== 0xd9) return null;
    const cleaned = concat(walk.parts);
    return { ok: true, pieces: [cleaned, range(walk.end, end)], size: cleaned.length + end - walk.end, width: walk.width, height: walk.height };
  }
  if (mime === "image/png") {
    const walk = await header(read, length, head, pngHead, "PNG");
    if (walk.ok !== true) return walk;
    const tailLength = Math.min(WINDOW, length - walk.dataStart);
    const tail = pngTail(await read(length - tailLength, tailLength));
    if (!tail) return null;
    const dataEnd = length - tailLength + tail.dataEnd;
    const before = concat(walk.parts);
    const after = concat(tail.parts);
    return { ok: true, pieces: [before, range(walk.dataStart, dataEnd), after], size: before.length + dataEnd - walk.dataStart + after.length, width: walk.width, height: walk.height };
  }
  return null;
}
