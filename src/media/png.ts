// PNG without its metadata: only the chunks that decoding and colour need are kept (IHDR, PLTE,
// IDAT, IEND, transparency, gamma/colour space/ICC, significant bits, background, physical size,
// and APNG's animation chunks). Text (tEXt, zTXt, iTXt — where editors write XMP), eXIf, tIME and
// any other ancillary chunk (C2PA manifests, vendor data) are dropped, as is anything after IEND.
import { ascii, concat, u32be } from "./bytes.ts";
import { type Rewrite, undecodable } from "./types.ts";

const SIGNATURE = 8;
const KEEP = new Set(["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "cICP", "mDCV", "cLLI", "bKGD", "pHYs", "acTL", "fcTL", "fdAT"]);

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
    // A chunk whose name starts with a capital is critical: a decoder cannot do without it.
    const critical = type.charCodeAt(0) >= 65 && type.charCodeAt(0) <= 90;
    if (KEEP.has(type) || critical) parts.push(b.subarray(at, end));
    at = end;
    if (type === "IEND") break;
  }
  if (width === 0 || height === 0) return undecodable("PNG");
  return { ok: true, bytes: concat(parts), width, height };
}
