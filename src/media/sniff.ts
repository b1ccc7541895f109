// What a file is, from its first bytes (magic numbers), never from the name or the Content-Type
// the client sent: a script named photo.jpg is not an image. Only the types Roost stores are
// recognised; anything else is null (the upload is refused with 422).
import { ascii, u32be } from "./bytes.ts";

export type MediaKind = "image" | "video" | "audio";

export interface Sniffed {
  mime: string;
  kind: MediaKind;
  /** The extension the stored object's key ends with (what a browser saving it would expect). */
  extension: string;
}

const IMAGE = (mime: string, extension: string): Sniffed => ({ mime, kind: "image", extension });
const VIDEO = (mime: string, extension: string): Sniffed => ({ mime, kind: "video", extension });
const AUDIO = (mime: string, extension: string): Sniffed => ({ mime, kind: "audio", extension });

/** ISO base media files (MP4, QuickTime, M4A, AVIF) name what they are in the `ftyp` brands. */
function isoMedia(b: Uint8Array): Sniffed | null {
  if (ascii(b, 4, 4) !== "ftyp") return null;
  const size = Math.min(u32be(b, 0), b.length, 64);
  const brands = [ascii(b, 8, 4)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(b, at, 4));
  const major = brands[0]!;
  if (major === "avif" || major === "avis") return IMAGE("image/avif", "avif");
  // HEIC/HEIF: browsers do not show them, and Mastodon refuses them too.
  if (["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].includes(major)) return brands.includes("avif") ? IMAGE("image/avif", "avif") : null;
  if (major === "M4A " || major === "M4B ") return AUDIO("audio/mp4", "m4a");
  if (major === "qt  ") return VIDEO("video/quicktime", "mov");
  return VIDEO("video/mp4", "mp4");
}

/** MPEG audio: an ID3v2 tag, or a frame header (11 sync bits, a valid layer and bitrate). */
function mp3(b: Uint8Array): boolean {
  if (ascii(b, 0, 3) === "ID3") return true;
  if (b.length < 4 || b[0] !== 0xff || (b[1]! & 0xe0) !== 0xe0) return false;
  const layer = (b[1]! >> 1) & 3;
  const bitrate = b[2]! >> 4;
  return layer !== 0 && bitrate !== 0 && bitrate !== 15;
}

export function sniff(b: Uint8Array): Sniffed | null {
  if (b.length < 12) return null;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return IMAGE("image/jpeg", "jpg");
  if (ascii(b, 0, 8) === "\x89PNG\r\n\x1a\n") return IMAGE("image/png", "png");
  if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return IMAGE("image/gif", "gif");
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return IMAGE("image/webp", "webp");
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WAVE") return AUDIO("audio/wav", "wav");
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return VIDEO("video/webm", "webm");
  if (ascii(b, 0, 4) === "OggS") return AUDIO("audio/ogg", "ogg");
  if (ascii(b, 0, 4) === "fLaC") return AUDIO("audio/flac", "flac");
  const iso = isoMedia(b);
  if (iso) return iso;
  if (mp3(b)) return AUDIO("audio/mpeg", "mp3");
  return null;
}
