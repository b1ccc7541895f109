// The ZIP format (PKWARE APPNOTE 6.3), the parts account archives need: writing entries stored
// (uncompressed) piece by piece across queue jobs, and reading an archive's central directory and
// entries by range. Written here rather than taken from a library: an export is built over many
// invocations (each appends a few entries' bytes to an R2 multipart upload and keeps only a CRC
// and offsets in D1), and an import reads single entries by R2 range reads — both need the
// format's records as plain functions over resumable state, which streaming zip libraries
// (fflate's Zip, JSZip) keep inside an object that lives for one invocation.
//
// Entries are written with general-purpose flag bit 3: sizes and CRC follow the data in a data
// descriptor, so an entry's bytes can leave before its CRC is known. Readers that go by the
// central directory (unzip, Python's zipfile, rubyzip's Zip::File, libarchive) read them; a
// reader that only streams local headers cannot find the end of a stored entry with bit 3.
// No ZIP64: an archive or entry of 4 GiB or more is refused on both sides.

/** CRC-32 (IEEE) tables for slicing by 8: about 8× the byte-at-a-time loop, which the Free plan's 10 ms needs. */
const CRC_TABLES: Uint32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0]![n]!;
    for (let t = 1; t < 8; t++) {
      c = tables[0]![c & 0xff]! ^ (c >>> 8);
      tables[t]![n] = c >>> 0;
    }
  }
  return tables;
})();

/** Continues a CRC-32 over `bytes`: start with `crc32(data)`, resume with `crc32(more, previous)`. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = ~previous >>> 0;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  for (; i < end8; i += 8) {
    const a = (crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    crc =
      t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
      t3[bytes[i + 4]!]! ^ t2[bytes[i + 5]!]! ^ t1[bytes[i + 6]!]! ^ t0[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) crc = t0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const LOCAL_SIG = 0x04034b50;
const DESCRIPTOR_SIG = 0x08074b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
/** Bit 3 (sizes in the data descriptor) and bit 11 (the name is UTF-8). */
const FLAGS = 0x0808;
const MAX_32 = 0xffffffff;

/** A written entry as the central directory records it. */
export interface ZipEntryRecord {
  name: string;
  crc: number;
  size: number;
  /** Where its local header starts. */
  offset: number;
  /** MS-DOS date and time. */
  dosTime: number;
  dosDate: number;
}

export function dosDateTime(ms: number): { dosTime: number; dosDate: number } {
  const d = new Date(ms);
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    dosTime: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    dosDate: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

const encoder = new TextEncoder();

/** The local file header of a stored entry whose CRC and sizes come later, in its data descriptor. */
export function localHeader(name: string, time: { dosTime: number; dosDate: number }): Uint8Array {
  const nameBytes = encoder.encode(name);
  const out = new Uint8Array(30 + nameBytes.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, LOCAL_SIG, true);
  v.setUint16(4, 20, true); // version needed: 2.0
  v.setUint16(6, FLAGS, true);
  v.setUint16(8, 0, true); // stored
  v.setUint16(10, time.dosTime, true);
  v.setUint16(12, time.dosDate, true);
  // CRC and sizes (14–25) stay zero: bit 3.
  v.setUint16(26, nameBytes.length, true);
  out.set(nameBytes, 30);
  return out;
}

export function dataDescriptor(crc: number, size: number): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setUint32(0, DESCRIPTOR_SIG, true);
  v.setUint32(4, crc, true);
  v.setUint32(8, size, true);
  v.setUint32(12, size, true);
  return out;
}

/** The central directory and its end record, for entries written from offset 0 up to `directoryOffset`. */
export function centralDirectory(entries: ZipEntryRecord[], directoryOffset: number): Uint8Array {
  const names = entries.map((e) => encoder.encode(e.name));
  const length = names.reduce((sum, n) => sum + 46 + n.length, 0);
  if (entries.length > 0xffff || directoryOffset + length > MAX_32) throw new Error("the archive needs ZIP64 (over 65,535 entries or 4 GiB)");
  const out = new Uint8Array(length + 22);
  const v = new DataView(out.buffer);
  let at = 0;
  entries.forEach((e, i) => {
    const name = names[i]!;
    v.setUint32(at, CENTRAL_SIG, true);
    v.setUint16(at + 4, 0x0314, true); // made by: Unix, 2.0
    v.setUint16(at + 6, 20, true);
    v.setUint16(at + 8, FLAGS, true);
    v.setUint16(at + 10, 0, true);
    v.setUint16(at + 12, e.dosTime, true);
    v.setUint16(at + 14, e.dosDate, true);
    v.setUint32(at + 16, e.crc, true);
    v.setUint32(at + 20, e.size, true);
    v.setUint32(at + 24, e.size, true);
    v.setUint16(at + 28, name.length, true);
    // extra, comment, disk number, internal attributes: zero.
    v.setUint32(at + 38, (0o100444 << 16) >>> 0, true); // -r--r--r--, as Mastodon writes its entries
    v.setUint32(at + 42, e.offset, true);
    out.set(name, at + 46);
    at += 46 + name.length;
  });
  v.setUint32(at, END_SIG, true);
  v.setUint16(at + 8, entries.length, true);
  v.setUint16(at + 10, entries.length, true);
  v.setUint32(at + 12, length, true);
  v.setUint32(at + 16, directoryOffset, true);
  return out;
}

// --- reading ---

/** An entry as the central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated: the two this reads. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Where its local header starts. */
  offset: number;
}

export type ZipRead<T> = { ok: true; value: T } | { ok: false; error: string };

/** The end record's length without a comment, and with the longest comment. */
export const END_MIN = 22;
export const END_MAX = 22 + 0xffff;

/**
 * Where the central directory is, from the archive's last bytes (`tail`, up to END_MAX of them,
 * of an archive of `archiveSize` bytes).
 */
export function findCentralDirectory(tail: Uint8Array, archiveSize: number): ZipRead<{ offset: number; length: number; entries: number }> {
  const v = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let at = tail.length - END_MIN; at >= 0; at--) {
    if (v.getUint32(at, true) !== END_SIG) continue;
    const commentLength = v.getUint16(at + 20, true);
    if (at + END_MIN + commentLength !== tail.length) continue;
    const entries = v.getUint16(at + 10, true);
    const length = v.getUint32(at + 12, true);
    const offset = v.getUint32(at + 16, true);
    if (entries === 0xffff || length === MAX_32 || offset === MAX_32) return { ok: false, error: "ZIP64 archives are not supported" };
    if (v.getUint16(at + 4, true) !== 0 || v.getUint16(at + 8, true) !== entries) return { ok: false, error: "multi-disk archives are not supported" };
    const endAt = archiveSize - tail.length + at;
    if (offset + length > endAt) return { ok: false, error: "the central directory lies outside the file" };
    return { ok: true, value: { offset, length, entries } };
  }
  return { ok: false, error: "not a zip file: no end of central directory record" };
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The central directory's entries; refuses encrypted, ZIP64 and unknown-method entries by name. */
export function readCentralDirectory(bytes: Uint8Array, count: number, archiveSize: number): ZipRead<ZipEntry[]> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || v.getUint32(at, true) !== CENTRAL_SIG) return { ok: false, error: `the central directory is damaged at entry ${i + 1}` };
    const flags = v.getUint16(at + 8, true);
    const method = v.getUint16(at + 10, true);
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const commentLength = v.getUint16(at + 32, true);
    if (at + 46 + nameLength > bytes.length) return { ok: false, error: `the central directory is damaged at entry ${i + 1}` };
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      return { ok: false, error: `entry ${i + 1} has a name that is not UTF-8` };
    }
    const entry: ZipEntry = {
      name,
      method,
      crc: v.getUint32(at + 16, true),
      compressedSize: v.getUint32(at + 20, true),
      size: v.getUint32(at + 24, true),
      offset: v.getUint32(at + 42, true),
    };
    if (flags & 1) return { ok: false, error: `${name} is encrypted` };
    if (entry.compressedSize === MAX_32 || entry.size === MAX_32 || entry.offset === MAX_32) return { ok: false, error: `${name} needs ZIP64, which is not supported` };
    if (method !== 0 && method !== 8) return { ok: false, error: `${name} uses compression method ${method} (only stored and deflated are read)` };
    if (entry.offset + 30 + entry.compressedSize > archiveSize) return { ok: false, error: `${name} lies outside the file` };
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { ok: true, value: entries };
}

/** Where an entry's data starts, from the first 30 bytes of its local header. */
export function dataOffset(entry: ZipEntry, header: Uint8Array): ZipRead<number> {
  const v = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length < 30 || v.getUint32(0, true) !== LOCAL_SIG) return { ok: false, error: `${entry.name}: no local header where the central directory says` };
  return { ok: true, value: entry.offset + 30 + v.getUint16(26, true) + v.getUint16(28, true) };
}
