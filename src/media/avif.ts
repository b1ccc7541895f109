// AVIF: the size from the image spatial extents property (meta → iprp → ipco → ispe). The file is
// stored as uploaded: its EXIF and XMP are items located by byte offsets in `iloc`, and removing
// them means rewriting those offsets (see docs/media.md).
import { ascii, u32be } from "./bytes.ts";
import { type Rewrite, undecodable } from "./types.ts";

/** The payload range of the first child box of `type` within [from, to); full boxes skip version+flags. */
function child(b: Uint8Array, from: number, to: number, type: string, full = false): [number, number] | null {
  let at = from;
  for (let n = 0; at + 8 <= to && n < 1000; n++) {
    let size = u32be(b, at);
    let header = 8;
    if (size === 1) {
      size = u32be(b, at + 8) * 2 ** 32 + u32be(b, at + 12);
      header = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < header || at + size > to) return null;
    if (ascii(b, at + 4, 4) === type) return [at + header + (full ? 4 : 0), at + size];
    at += size;
  }
  return null;
}

export function rewriteAvif(b: Uint8Array): Rewrite {
  const meta = child(b, 0, b.length, "meta", true);
  const iprp = meta && child(b, meta[0], meta[1], "iprp");
  const ipco = iprp && child(b, iprp[0], iprp[1], "ipco");
  const ispe = ipco && child(b, ipco[0], ipco[1], "ispe", true);
  if (!ispe) return undecodable("AVIF");
  const width = u32be(b, ispe[0]);
  const height = u32be(b, ispe[0] + 4);
  if (width === 0 || height === 0) return undecodable("AVIF");
  return { ok: true, bytes: b, width, height };
}
