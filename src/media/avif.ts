// AVIF: the size from the image spatial extents property (meta → iprp → ipco → ispe), and the
// metadata items blanked in place. EXIF and XMP are items (type `Exif`, or `mime` with content
// type application/rdf+xml) whose bytes `iloc` locates by offset; removing them would mean
// rewriting every offset, so their bytes are overwritten with zeros instead: same length, nothing
// moves, nothing of them is left. Orientation in AVIF is a property (irot/imir), not EXIF.
import { ascii, u16be, u32be } from "./bytes.ts";
import { type Rewrite, undecodable } from "./types.ts";

type Range = [number, number];

/** The payload range of the first child box of `type` within [from, to); full boxes skip version+flags. */
function child(b: Uint8Array, from: number, to: number, type: string, full = false): Range | null {
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

/** An unsigned big-endian integer of 0, 4 or 8 bytes (iloc's field sizes). */
function uint(b: Uint8Array, at: number, size: number): number {
  if (size === 0) return 0;
  if (size === 4) return u32be(b, at);
  if (size === 8) return u32be(b, at) * 2 ** 32 + u32be(b, at + 4);
  return size === 2 ? u16be(b, at) : NaN;
}

/** Ids of the EXIF and XMP items listed in `iinf`. */
function metadataItems(b: Uint8Array, iinf: Range): Set<number> {
  const version = b[iinf[0] - 4]!;
  const ids = new Set<number>();
  let at = iinf[0] + (version === 0 ? 2 : 4);
  while (at + 8 <= iinf[1]) {
    const size = u32be(b, at);
    if (size < 8 || at + size > iinf[1]) break;
    if (ascii(b, at + 4, 4) === "infe" && b[at + 8]! >= 2) {
      const v = b[at + 8]!;
      const id = v === 2 ? u16be(b, at + 12) : u32be(b, at + 12);
      const typeAt = at + 12 + (v === 2 ? 2 : 4) + 2;
      const type = ascii(b, typeAt, 4);
      const rest = ascii(b, typeAt + 5, Math.min(64, at + size - typeAt - 5));
      if (type === "Exif" || (type === "mime" && rest.startsWith("application/rdf+xml"))) ids.add(id);
    }
    at += size;
  }
  return ids;
}

/** The byte ranges (in the file) of the items `ids`, from `iloc`; null when iloc cannot be read. */
function itemExtents(b: Uint8Array, iloc: Range, ids: Set<number>, idat: Range | null): Range[] | null {
  const version = b[iloc[0] - 4]!;
  let at = iloc[0];
  const offsetSize = b[at]! >> 4;
  const lengthSize = b[at]! & 15;
  const baseSize = b[at + 1]! >> 4;
  const indexSize = version === 0 ? 0 : b[at + 1]! & 15;
  at += 2;
  const count = version < 2 ? u16be(b, at) : u32be(b, at);
  at += version < 2 ? 2 : 4;
  const found: Range[] = [];
  for (let i = 0; i < count && at < iloc[1]; i++) {
    const id = version < 2 ? u16be(b, at) : u32be(b, at);
    at += version < 2 ? 2 : 4;
    const method = version === 0 ? 0 : u16be(b, at) & 15;
    if (version !== 0) at += 2;
    at += 2; // data_reference_index
    const base = uint(b, at, baseSize);
    at += baseSize;
    const extents = u16be(b, at);
    at += 2;
    for (let e = 0; e < extents; e++) {
      at += indexSize;
      const offset = uint(b, at, offsetSize);
      const length = uint(b, at + offsetSize, lengthSize);
      at += offsetSize + lengthSize;
      if (!ids.has(id)) continue;
      const origin = method === 0 ? 0 : method === 1 && idat ? idat[0] : NaN;
      const start = origin + base + offset;
      // Length 0 means "to the end of the file" (or of idat).
      const end = length === 0 ? (method === 1 && idat ? idat[1] : b.length) : start + length;
      if (!Number.isFinite(start) || !Number.isFinite(end) || start < 0 || end > b.length || start > end) return null;
      found.push([start, end]);
    }
  }
  return at <= iloc[1] ? found : null;
}

export function rewriteAvif(b: Uint8Array): Rewrite {
  const meta = child(b, 0, b.length, "meta", true);
  const iprp = meta && child(b, meta[0], meta[1], "iprp");
  const ipco = iprp && child(b, iprp[0], iprp[1], "ipco");
  const ispe = ipco && child(b, ipco[0], ipco[1], "ispe", true);
  if (!meta || !ispe) return undecodable("AVIF");
  const width = u32be(b, ispe[0]);
  const height = u32be(b, ispe[0] + 4);
  if (width === 0 || height === 0) return undecodable("AVIF");
  const iinf = child(b, meta[0], meta[1], "iinf", true);
  const ids = iinf ? metadataItems(b, iinf) : new Set<number>();
  if (ids.size === 0) return { ok: true, bytes: b, width, height };
  const iloc = child(b, meta[0], meta[1], "iloc", true);
  const extents = iloc ? itemExtents(b, iloc, ids, child(b, meta[0], meta[1], "idat")) : null;
  // Metadata that cannot be located cannot be removed: refused rather than stored with it.
  if (!extents) return { ok: false, error: "the AVIF's metadata could not be located to remove it" };
  const bytes = b.slice();
  for (const [start, end] of extents) bytes.fill(0, start, end);
  return { ok: true, bytes, width, height };
}
