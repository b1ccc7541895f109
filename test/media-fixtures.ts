// Small images built for the media tests: a baseline JPEG (made once by an encoder, 24 × 16, no
// metadata) given an EXIF block with an orientation and a GPS position and a comment, as a phone
// would write; a PNG given a tEXt chunk. Each also comes as what Roost should store.

const TINY_JPEG =
  "/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAQABgDAREAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCtXmHvBQAUAFABQAUAf//Z";

export const JPEG_SIZE = { width: 24, height: 16 };

const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** A JPEG segment: marker, big-endian length, payload. */
function segment(marker: number, payload: Uint8Array): Uint8Array {
  return join(new Uint8Array([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload);
}

/** Little-endian TIFF: IFD0 = { Orientation 6, GPSInfo → GPS IFD = { N, 52° 31' 12" } }. */
function exifWithGps(): Uint8Array {
  const tiff = new DataView(new ArrayBuffer(92));
  const u16 = (at: number, v: number) => tiff.setUint16(at, v, true);
  const u32 = (at: number, v: number) => tiff.setUint32(at, v, true);
  u16(0, 0x4949), u16(2, 42), u32(4, 8);
  u16(8, 2);
  u16(10, 0x0112), u16(12, 3), u32(14, 1), u16(18, 6); // Orientation: rotate 90° CW to show
  u16(22, 0x8825), u16(24, 4), u32(26, 1), u32(30, 38); // GPSInfo IFD at 38
  u32(34, 0);
  u16(38, 2);
  u16(40, 0x0001), u16(42, 2), u32(44, 2), tiff.setUint8(48, 0x4e); // GPSLatitudeRef "N"
  u16(52, 0x0002), u16(54, 5), u32(56, 3), u32(60, 68); // GPSLatitude: 3 rationals at 68
  u32(64, 0);
  [52, 1, 31, 1, 12, 1].forEach((v, i) => u32(68 + i * 4, v));
  return join(ascii("Exif\0\0"), new Uint8Array(tiff.buffer));
}

/** The JPEG as a phone writes it: EXIF (orientation + GPS) and a comment after SOI. */
export function jpegWithGps(plain = bytesOf(TINY_JPEG)): Uint8Array {
  return join(plain.subarray(0, 2), segment(0xe1, exifWithGps()), segment(0xfe, ascii("taken at home")), plain.subarray(2));
}

/** What Roost stores for it: the same image with only the orientation left, in a minimal EXIF block. */
export function jpegAsStored(plain = bytesOf(TINY_JPEG)): Uint8Array {
  const orientationOnly = join(ascii("Exif\0\0MM\0*"), new Uint8Array([0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]));
  return join(plain.subarray(0, 2), segment(0xe1, orientationOnly), plain.subarray(2));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, data: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(8));
  head.setUint32(0, data.length);
  const typed = join(ascii(type), data);
  let crc = 0xffffffff;
  for (const b of typed) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  const tail = new DataView(new ArrayBuffer(4));
  tail.setUint32(0, (crc ^ 0xffffffff) >>> 0);
  return join(new Uint8Array(head.buffer, 0, 4), typed, new Uint8Array(tail.buffer));
}

function idat(data: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < data.length || at === 0; at += 8192) chunks.push(chunk("IDAT", data.subarray(at, at + 8192)));
  return chunks;
}

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
}

/**
 * A width × height RGB PNG of noise (so a lossy preview is smaller than it), with a tEXt chunk or
 * without (`after`: another one after the image data, where some editors write theirs). The data
 * is in 8 KB IDAT chunks, as libpng writes it.
 */
export async function png(width: number, height: number, text: string | null, after: string | null = null): Promise<Uint8Array> {
  const ihdr = new DataView(new ArrayBuffer(13));
  ihdr.setUint32(0, width), ihdr.setUint32(4, height), ihdr.setUint8(8, 8), ihdr.setUint8(9, 2);
  const raw = new Uint8Array(height * (1 + width * 3));
  let seed = 0x2545f491;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * 3; x++) {
      seed ^= seed << 13, seed ^= seed >>> 17, seed ^= seed << 5;
      raw[y * (1 + width * 3) + 1 + x] = seed & 0xff;
    }
  }
  return join(
    ascii("\x89PNG\r\n\x1a\n"),
    chunk("IHDR", new Uint8Array(ihdr.buffer)),
    ...(text ? [chunk("tEXt", ascii(`Comment\0${text}`))] : []),
    ...idat(await deflate(raw)),
    ...(after ? [chunk("tEXt", ascii(`XML:com.adobe.xmp\0${after}`))] : []),
    chunk("IEND", new Uint8Array()),
  );
}

/** A multipart upload body as apps send it: `file` with the name and type they claim. */
export function uploadForm(bytes: Uint8Array, name: string, type: string, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.set("file", new File([bytes], name, { type }));
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form;
}

/** An 8 × 6 WebP as an encoder writes it with EXIF (camera, GPS): VP8X with the EXIF flag, VP8, EXIF. */
export const WEBP_WITH_EXIF = bytesOf(
  "UklGRmABAABXRUJQVlA4WAoAAAAIAAAABwAABQAAVlA4ICwAAADQAQCdASoIAAYAAsBMJaACdLoB+AADsAD+6Ncf+IZ6PU1I//ILlhdcRgAAAEVYSUYOAQAARXhpZgAASUkqAAgAAAAIAA8BAgAGAAAAfgAAABIBAwABAAAAAQAAABoBBQABAAAAbgAAABsBBQABAAAAdgAAACgBAwABAAAAAgAAABMCAwABAAAAAQAAAGmHBAABAAAAhAAAACWIBAABAAAA0gAAAAAAAAA4YwAA6AMAADhjAADoAwAAUGhvbmUABgAAkAcABAAAADAyMTABkQcABAAAAAECAwAAoAcABAAAADAxMDABoAMAAQAAAP//AAACoAQAAQAAAAgAAAADoAQAAQAAAAYAAAAAAAAAAgABAAIAAgAAAE4AAAACAAUAAwAAAPAAAAAAAAAANAAAAAEAAAAfAAAAAQAAAAwAAAABAAAA",
);

/** An 8 × 6 GIF (header, a 2-colour table, one frame). */
export const PLAIN_GIF = bytesOf("R0lGODlhCAAGAIAAAExpcQp4yCH5BAUAAAAALAAAAAAIAAYAAAIGjI+py30FADs=");

/** The GIF with a comment and an XMP application extension after its colour table, as editors write them. */
export function gifWithMetadata(): Uint8Array {
  const comment = join(new Uint8Array([0x21, 0xfe, 5]), ascii("hello"), new Uint8Array([0]));
  const xmp = join(new Uint8Array([0x21, 0xff, 11]), ascii("XMP DataXMP"), new Uint8Array([3]), ascii("abc"), new Uint8Array([0]));
  return join(PLAIN_GIF.subarray(0, 19), comment, xmp, PLAIN_GIF.subarray(19));
}

/** The start of an MP4 (an `ftyp` box and an empty `mdat`): enough to be one by its bytes. */
export const TINY_MP4 = join(new Uint8Array([0, 0, 0, 16]), ascii("ftypisom"), new Uint8Array([0, 0, 2, 0]), new Uint8Array([0, 0, 0, 8]), ascii("mdat"));

/** An 8 × 6 AVIF with an EXIF item (camera, GPS), as an encoder writes it. */
export const AVIF_WITH_EXIF = bytesOf(
  "AAAAHGZ0eXBhdmlmAAAAAG1pZjFhdmlmbWlhZgAAARVtZXRhAAAAAAAAACFoZGxyAAAAAAAAAABwaWN0AAAAAAAAAAAAAAAAAAAAADRpbG9jAAAAAERAAAIAAQAAAAABOQABAAAAAAAAACUAAgAAAAABXgABAAAAAAAAARIAAAA4aWluZgAAAAAAAgAAABVpbmZlAgAAAAABAABhdjAxAAAAABVpbmZlAgAAAQACAABFeGlmAAAAAA5waXRtAAAAAAABAAAAVGlwcnAAAAA2aXBjbwAAAAxhdjFDgSACAAAAABRpc3BlAAAAAAAAAAgAAAAGAAAADnBpeGkAAAAAAQgAAAAWaXBtYQAAAAAAAAABAAEDgQIDAAAAGmlyZWYAAAAAAAAADmNkc2MAAgABAAEAAAE/bWRhdBIACgg4CL1pAQ0GkDIXGUJjBMAANAAAkEDJHGFSyVsytkb6DoAAAAAGRXhpZgAASUkqAAgAAAAIAA8BAgAGAAAAfgAAABIBAwABAAAAAQAAABoBBQABAAAAbgAAABsBBQABAAAAdgAAACgBAwABAAAAAgAAABMCAwABAAAAAQAAAGmHBAABAAAAhAAAACWIBAABAAAA0gAAAAAAAAA4YwAA6AMAADhjAADoAwAAUGhvbmUABgAAkAcABAAAADAyMTABkQcABAAAAAECAwAAoAcABAAAADAxMDABoAMAAQAAAP//AAACoAQAAQAAAAgAAAADoAQAAQAAAAYAAAAAAAAAAgABAAIAAgAAAE4AAAACAAUAAwAAAPAAAAAAAAAANAAAAAEAAAAfAAAAAQAAAAwAAAABAAAA",
);
