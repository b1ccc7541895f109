// The pixels of a small PNG, as RGBA: what the blurhash is computed from. The Images binding
// makes the thumbnail (a few dozen pixels a side) and this reads it back; inflating is the
// runtime's DecompressionStream, so the JavaScript work is a few thousand pixels. Non-interlaced
// PNGs of any colour type and bit depth; anything else (or anything large) is null.
import { ascii, u32be } from "./bytes.ts";

export interface Pixels {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const MAX_PIXELS = 256 * 256;
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

async function inflate(data: Uint8Array): Promise<Uint8Array | null> {
  try {
    const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    return null;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the per-row filters in place; false when a filter byte is unknown or data is short. */
function unfilter(raw: Uint8Array, rows: number, stride: number, bpp: number): Uint8Array | null {
  const out = new Uint8Array(rows * stride);
  for (let y = 0; y < rows; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    if (filter === undefined || src + stride > raw.length) return null;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[row - stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[row - stride + x - bpp]! : 0;
      const v = raw[src + x]!;
      if (filter === 0) out[row + x] = v;
      else if (filter === 1) out[row + x] = v + a;
      else if (filter === 2) out[row + x] = v + b;
      else if (filter === 3) out[row + x] = v + ((a + b) >> 1);
      else if (filter === 4) out[row + x] = v + paeth(a, b, c);
      else return null;
    }
  }
  return out;
}

export async function pngPixels(b: Uint8Array): Promise<Pixels | null> {
  if (ascii(b, 1, 3) !== "PNG") return null;
  let width = 0, height = 0, depth = 0, colour = -1, interlace = 0;
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 12 <= b.length; ) {
    const length = u32be(b, at);
    const type = ascii(b, at + 4, 4);
    const data = b.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = u32be(data, 0);
      height = u32be(data, 4);
      depth = data[8] ?? 0;
      colour = data[9] ?? -1;
      interlace = data[12] ?? 0;
    } else if (type === "PLTE") palette = data;
    else if (type === "tRNS") transparency = data;
    else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    at += 12 + length;
  }
  const channels = CHANNELS[colour];
  if (!channels || interlace !== 0 || width * height === 0 || width * height > MAX_PIXELS || ![1, 2, 4, 8, 16].includes(depth)) return null;
  const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  idat.reduce((at, d) => (joined.set(d, at), at + d.length), 0);
  const raw = await inflate(joined);
  const stride = Math.ceil((width * channels * depth) / 8);
  const rows = raw && unfilter(raw, height, stride, Math.max(1, (channels * depth) >> 3));
  if (!rows) return null;
  const sample = (y: number, index: number): number => {
    if (depth === 8) return rows[y * stride + index]!;
    if (depth === 16) return rows[y * stride + index * 2]!;
    const bit = index * depth;
    return (rows[y * stride + (bit >> 3)]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const scale = depth < 8 && colour !== 3 ? 255 / ((1 << depth) - 1) : 1;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const s = (c: number) => sample(y, x * channels + c);
      if (colour === 3) {
        const i = s(0);
        rgba.set([palette?.[i * 3] ?? 0, palette?.[i * 3 + 1] ?? 0, palette?.[i * 3 + 2] ?? 0, transparency?.[i] ?? 255], o);
      } else if (colour === 0 || colour === 4) {
        const g = s(0) * scale;
        rgba.set([g, g, g, colour === 4 ? s(1) : 255], o);
      } else {
        rgba.set([s(0), s(1), s(2), colour === 6 ? s(3) : 255], o);
      }
    }
  }
  return { width, height, rgba };
}
