// JPEG without its metadata, by rewriting the segment list: EXIF and XMP (APP1, where phones put
// GPS), Photoshop/IPTC (APP13), comments, JFXX thumbnails, vendor APPn and anything after the end
// of the image (Multi-Picture "extra" images carry EXIF of their own) are dropped. Kept: what
// rendering needs — tables, frame and scan headers, the entropy-coded data, JFIF, the ICC colour
// profile (APP2 ICC_PROFILE) and Adobe's colour-transform marker (APP14). The one piece of EXIF
// kept is the orientation, in a minimal EXIF block of its own: without it a portrait photo taken
// on a phone shows on its side (Mastodon rotates the pixels instead; that needs a decoder).
import { ascii, concat, u16be, u16le, u32be, u32le } from "./bytes.ts";
import { type Rewrite, invalid, undecodable } from "./types.ts";

// Start-of-frame markers (not DHT C4, JPG C8, DAC CC): they hold the size.
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const SOS = 0xda;
const EOI = 0xd9;

function kept(marker: number, b: Uint8Array, at: number): boolean {
  if (marker === 0xe0) return ascii(b, at + 4, 5) !== "JFXX\0";
  if (marker === 0xe2) return ascii(b, at + 4, 12) === "ICC_PROFILE\0";
  if (marker === 0xee) return true;
  if (marker >= 0xe0 && marker <= 0xef) return false;
  return marker !== 0xfe;
}

/** IFD0's Orientation (tag 0x0112) in a TIFF block; 1 (as stored) when absent or odd. */
function orientationOf(tiff: Uint8Array): number {
  const order = ascii(tiff, 0, 2);
  if (order !== "II" && order !== "MM") return 1;
  const le = order === "II";
  const r16 = (o: number) => (le ? u16le(tiff, o) : u16be(tiff, o));
  const ifd = le ? u32le(tiff, 4) : u32be(tiff, 4);
  const entries = Math.min(r16(ifd), 512);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (r16(entry) === 0x0112) {
      const value = r16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** APP1 holding EXIF with IFD0 = { Orientation } and nothing else (big-endian TIFF). */
function orientationSegment(orientation: number): Uint8Array {
  return new Uint8Array([
    0xff, 0xe1, 0x00, 0x22, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, // APP1, length 34, "Exif\0\0"
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // "MM", 42, IFD0 at 8
    0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientation, 0x00, 0x00, // 1 entry: Orientation SHORT
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
}

/** The end of entropy-coded data starting at `from`: the next marker that is not a stuffed 0xFF00 or a restart. */
function scanEnd(b: Uint8Array, from: number): number {
  let p = from;
  for (;;) {
    p = b.indexOf(0xff, p);
    if (p < 0 || p + 1 >= b.length) return -1;
    const next = b[p + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) p += 2;
    else if (next === 0xff) p += 1;
    else return p;
  }
}

/**
 * The size of the first image of a Multi-Picture file, from its APP2 "MPF" index (CIPA DC-007:
 * a TIFF block whose MP Entry tag lists each image's size; the first starts at the file's start).
 * Phones store a second image (a gain map, a depth map) after the first one's EOI; 0 when absent.
 */
function mpfPrimarySize(tiff: Uint8Array): number {
  const order = ascii(tiff, 0, 2);
  if (order !== "II" && order !== "MM") return 0;
  const le = order === "II";
  const r16 = (o: number) => (le ? u16le(tiff, o) : u16be(tiff, o));
  const r32 = (o: number) => (le ? u32le(tiff, o) : u32be(tiff, o));
  const ifd = r32(4);
  const entries = Math.min(r16(ifd), 64);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (r16(entry) === 0xb002 && r32(entry + 4) >= 16) return r32(r32(entry + 8) + 4);
  }
  return 0;
}

/** What the segment walk found: the kept pieces, the size as displayed, and where it stopped. */
export interface JpegWalk {
  ok: true;
  parts: Uint8Array[];
  width: number;
  height: number;
  /** Where the walk stopped: after the first scan's header (`headerOnly`), else after EOI. */
  end: number;
  /** The first image's size by its Multi-Picture index, 0 when it has none. */
  primarySize: number;
}

/**
 * Walks the segments. `headerOnly`: stops at the first scan's data (all of a camera's metadata
 * comes before it), and answers `short` with a length to read when `b` ends before that.
 */
export function walkJpeg(b: Uint8Array, headerOnly: boolean): JpegWalk | { ok: false; error: string } | { ok: "short"; need: number } {
  const undecodable = () => invalid("JPEG");
  if (u16be(b, 0) !== 0xffd8) return undecodable();
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  let width = 0;
  let height = 0;
  let orientation = 1;
  let primarySize = 0;
  let at = 2;
  const short = (need: number) => (headerOnly ? { ok: "short" as const, need } : undecodable());
  for (let segments = 0; ; segments++) {
    if (segments > 100_000) return undecodable();
    if (at + 2 > b.length) return short(at + 4 + 65_536);
    if (b[at] !== 0xff) return undecodable();
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === EOI) {
      parts.push(b.subarray(at, at + 2));
      at += 2;
      break;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      parts.push(b.subarray(at, at + 2));
      at += 2;
      continue;
    }
    if (at + 4 > b.length) return short(at + 4 + 65_536);
    const end = at + 2 + u16be(b, at + 2);
    if (end < at + 4) return undecodable();
    if (end > b.length) return short(end + 4 + 65_536);
    if (marker === 0xe1 && orientation === 1 && ascii(b, at + 4, 6) === "Exif\0\0") orientation = orientationOf(b.subarray(at + 10, end));
    if (marker === 0xe2 && primarySize === 0 && ascii(b, at + 4, 4) === "MPF\0") primarySize = mpfPrimarySize(b.subarray(at + 8, end));
    if (SOF.has(marker) && width === 0) {
      height = u16be(b, at + 5);
      width = u16be(b, at + 7);
    }
    if (kept(marker, b, at)) parts.push(b.subarray(at, end));
    at = end;
    if (marker === SOS) {
      if (headerOnly) break;
      const next = scanEnd(b, at);
      if (next < 0) return undecodable();
      parts.push(b.subarray(at, next));
      at = next;
    }
  }
  if (width === 0 || height === 0) return undecodable();
  if (orientation !== 1) parts.splice(1, 0, orientationSegment(orientation));
  const quarterTurn = orientation >= 5;
  return { ok: true, parts, width: quarterTurn ? height : width, height: quarterTurn ? width : height, end: at, primarySize };
}

export function rewriteJpeg(b: Uint8Array): Rewrite {
  const walk = walkJpeg(b, false);
  if (walk.ok !== true) return walk.ok === "short" ? undecodable("JPEG") : walk;
  return { ok: true, bytes: concat(walk.parts), width: walk.width, height: walk.height };
}
