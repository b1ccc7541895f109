// WebP without its metadata: the EXIF and XMP chunks (and any chunk a decoder does not use) are
// dropped, the VP8X header's EXIF/XMP flags cleared and the RIFF size recomputed. A simple
// (VP8/VP8L-only) file has no room for metadata and keeps its image chunk as it is.
import { ascii, concat, u16le, u24le, u32le } from "./bytes.ts";
import { type Rewrite, undecodable } from "./types.ts";

const KEEP = new Set(["VP8X", "VP8 ", "VP8L", "ALPH", "ANIM", "ANMF", "ICCP"]);
const EXIF_FLAG = 0x08;
const XMP_FLAG = 0x04;

export function rewriteWebp(b: Uint8Array): Rewrite {
  const riffEnd = Math.min(8 + u32le(b, 4), b.length);
  const chunks: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  let at = 12;
  while (at + 8 <= riffEnd) {
    const type = ascii(b, at, 4);
    const size = u32le(b, at + 4);
    const end = at + 8 + size + (size & 1);
    if (end > riffEnd + (size & 1)) return undecodable("WebP");
    const data = at + 8;
    let chunk = b.subarray(at, Math.min(end, b.length));
    if (type === "VP8X" && width === 0) {
      width = 1 + u24le(b, data + 4);
      height = 1 + u24le(b, data + 7);
      chunk = chunk.slice();
      chunk[8] = chunk[8]! & ~(EXIF_FLAG | XMP_FLAG);
    } else if (type === "VP8 " && width === 0) {
      if (b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) return undecodable("WebP");
      width = u16le(b, data + 6) & 0x3fff;
      height = u16le(b, data + 8) & 0x3fff;
    } else if (type === "VP8L" && width === 0) {
      if (b[data] !== 0x2f) return undecodable("WebP");
      const bits = u32le(b, data + 1);
      width = (bits & 0x3fff) + 1;
      height = ((bits >>> 14) & 0x3fff) + 1;
    }
    if (KEEP.has(type)) chunks.push(chunk);
    at = end;
  }
  if (width === 0 || height === 0 || chunks.length === 0) return undecodable("WebP");
  const header = new Uint8Array(12);
  header.set(b.subarray(0, 12));
  const body = chunks.reduce((n, c) => n + c.length, 4);
  new DataView(header.buffer).setUint32(4, body, true);
  return { ok: true, bytes: concat([header, ...chunks]), width, height };
}
