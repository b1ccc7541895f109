// GIF without its metadata: comment extensions and application extensions other than the loop
// count (NETSCAPE2.0 / ANIMEXTS1.0) — XMP travels in one — are dropped, as is anything after the
// trailer. Frames, colour tables and graphic control (timing, transparency) are kept.
import { ascii, concat, u16le } from "./bytes.ts";
import { type Rewrite, undecodable } from "./types.ts";

/** The end of a run of data sub-blocks starting at `at` (past its 0 terminator); -1 if cut short. */
function subBlocksEnd(b: Uint8Array, at: number): number {
  let p = at;
  while (p < b.length) {
    const size = b[p]!;
    p += 1 + size;
    if (size === 0) return p;
  }
  return -1;
}

const colourTable = (packed: number) => (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);

export function rewriteGif(b: Uint8Array): Rewrite {
  const width = u16le(b, 6);
  const height = u16le(b, 8);
  let at = 13 + colourTable(b[10] ?? 0);
  if (width === 0 || height === 0 || at > b.length) return undecodable("GIF");
  const parts: Uint8Array[] = [b.subarray(0, at)];
  for (;;) {
    const introducer = b[at];
    if (introducer === 0x3b) {
      parts.push(b.subarray(at, at + 1));
      break;
    }
    let end: number;
    let keep = true;
    if (introducer === 0x2c) {
      end = subBlocksEnd(b, at + 10 + colourTable(b[at + 9] ?? 0) + 1);
    } else if (introducer === 0x21) {
      const label = b[at + 1];
      end = subBlocksEnd(b, at + 2);
      if (label === 0xfe) keep = false;
      else if (label === 0xff) keep = b[at + 2] === 11 && ["NETSCAPE2.0", "ANIMEXTS1.0"].includes(ascii(b, at + 3, 11));
    } else {
      return undecodable("GIF");
    }
    if (end < 0) return undecodable("GIF");
    if (keep) parts.push(b.subarray(at, end));
    at = end;
  }
  return { ok: true, bytes: concat(parts), width, height };
}
