// Byte helpers for the container readers in this folder: bounds-checked big- and little-endian
// reads (a short or hostile file reads as 0 / null, never throws), ASCII tags and concatenation.

export function u16be(b: Uint8Array, at: number): number {
  return at + 2 <= b.length ? (b[at]! << 8) | b[at + 1]! : 0;
}

export function u32be(b: Uint8Array, at: number): number {
  return at + 4 <= b.length ? ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) : 0;
}

export function u16le(b: Uint8Array, at: number): number {
  return at + 2 <= b.length ? b[at]! | (b[at + 1]! << 8) : 0;
}

export function u24le(b: Uint8Array, at: number): number {
  return at + 3 <= b.length ? b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) : 0;
}

export function u32le(b: Uint8Array, at: number): number {
  return at + 4 <= b.length ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000 : 0;
}

/** The ASCII text of `length` bytes at `at` ("" past the end). */
export function ascii(b: Uint8Array, at: number, length: number): string {
  if (at + length > b.length) return "";
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCharCode(b[at + i]!);
  return s;
}

/** One buffer from pieces (views into the upload): the only copy a rewrite makes. */
export function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
