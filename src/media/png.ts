// PNG without its metadata: only the chunks that decoding and colour need are kept (IHDR, PLTE,
// IDAT, IEND, transparency, gamma/colour space/ICC, significant bits, background, physical size,
// and APNG's animation chunks). Text (tEXt, zTXt, iTXt — where editors write XMP), eXIf, tIME and
// any other ancillary chunk (C2PA manifests, vendor data) are dropped, as is anything after IEND.
import { ascii, concat, u32be } from "./bytes.ts";
import { invalid, type Rewrite, undecodable } from "./types.ts";

const SIGNATURE = 8;
const KEEP = new Set(["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "cICP", "mDCV", "cLLI", "bKGD", "pHYs", "acTL", "fcTL", "fdAT"]);

/** A chunk whose name starts with a capital is critical: a decoder cannot do without it. */
function keptChunk(type: string): boolean {
  return KEEP.has(type) || (type.charCodeAt(0) >= 65 && type.charCodeAt(0) <= 90);
}

export function rewritePng(b: Uint8Array): Rewrite {
  const parts: Uint8Array[] = [b.subarray(0, SIGNATURE)];
  let width = 0;
  let height = 0;
  let at = SIGNATURE;
  for (;;) {
    const end = at + 12 + u32be(b, at);
    if (end > b.length || end < at + 12) return undecodable("PNG");
    const type = ascii(b, at + 4, 4);
    if (at === SIGNATURE) {
      if (type !== "IHDR") return undecodable("PNG");
      width = u32be(b, at + 8);
      height = u32be(b, at + 12);
    }
    if (keptChunk(type)) parts.push(b.subarray(at, end));
    at = end;
    if (type === "IEND") break;
  }
  if (width === 0 || height === 0) return undecodable("PNG");
  return { ok: true, bytes: concat(parts), width, height };
}

// --- by ranges: the media job reads the head and the tail of a large PNG, never its image data ---

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);


/** The chunks before the first IDAT (kept ones), the size, and where the image data starts; `short` asks for a longer head. */
export function pngHead(b: Uint8Array): { ok: true; parts: Uint8Array[]; width: number; height: number; dataStart: number } | { ok: false; error: string } | { ok: "short"; need: number } {
  if (ascii(b, 0, 8) !== "\x89PNG\r\n\x1a\n") return invalid("PNG");
  const parts: Uint8Array[] = [b.subarray(0, SIGNATURE)];
  let width = 0;
  let height = 0;
  for (let at = SIGNATURE; ; ) {
    if (at + 8 > b.length) return { ok: "short", need: at + 8 + 65_536 };
    const type = ascii(b, at + 4, 4);
    if (at === SIGNATURE) {
      if (type !== "IHDR" || at + 16 > b.length) return invalid("PNG");
      width = u32be(b, at + 8);
      height = u32be(b, at + 12);
    }
    if (type === "IDAT") return width && height ? { ok: true, parts, width, height, dataStart: at } : invalid("PNG");
    if (type === "IEND") return invalid("PNG");
    const end = at + 12 + u32be(b, at);
    if (end < at + 12) return invalid("PNG");
    if (end > b.length) return { ok: "short", need: end + 8 + 65_536 };
    if (keptChunk(type)) parts.push(b.subarray(at, end));
    at = end;
  }
}

/**
 * In the last bytes of a PNG (`tail`), the end of its image data (the last IDAT or APNG fdAT) and
 * the kept chunks from there to IEND. The data chunk is found by its type and proven by walking
 * from its end to IEND through chunks whose CRCs match; null when the tail does not show it (a
 * data chunk longer than the tail), and the job reads the whole file instead.
 */
export function pngTail(tail: Uint8Array): { dataEnd: number; parts: Uint8Array[] } | null {
  for (let p = tail.length - 8; p >= 4; p--) {
    if (tail[p + 1] !== 0x44 || tail[p + 2] !== 0x41 || tail[p + 3] !== 0x54) continue; // "?DAT"
    if (tail[p] !== 0x49 && tail[p] !== 0x66) continue; // IDAT, fdAT
    const dataEnd = p - 4 + 12 + u32be(tail, p - 4);
    const parts: Uint8Array[] = [];
    for (let at = dataEnd; at + 12 <= tail.length; ) {
      const end = at + 12 + u32be(tail, at);
      if (end > tail.length || end < at + 12 || ![4, 5, 6, 7].every((i) => isLetter(tail[at + i]!))) break;
      if (crc32(tail.subarray(at + 4, end - 4)) !== u32be(tail, end - 4)) break;
      const type = ascii(tail, at + 4, 4);
      if (keptChunk(type)) parts.push(tail.subarray(at, end));
      if (type === "IEND") return { dataEnd, parts };
      at = end;
    }
  }
  return null;
}
