// Where a file says it ends, for the containers that state their length: ISO base media (MP4,
// QuickTime, M4A, AVIF: a chain of top-level boxes, each with its size) and RIFF (WebP, WAV: the
// size in the first header). The streamed upload path (src/api/v1/media.ts) checks a file placed
// from the head and tail of a multipart body against it: a part hidden in the unread middle (a
// video's `thumbnail` after its `file`) would otherwise be taken as the file's last bytes.
import { ascii, u32be } from "./bytes.ts";
import type { ReadRange } from "./ranges.ts";

/** A fragmented MP4 has a moof/mdat pair a second: past this many boxes the check gives up (unknown). */
const MAX_BOXES = 24;

/**
 * The file's end as its container states it (relative to its start), or null when its type
 * states none (JPEG, PNG, GIF, MP3, Ogg, FLAC, WebM) or the chain is too long to walk. `head` is
 * its first bytes; boxes past it are found by 16-byte reads.
 */
export async function declaredEnd(head: Uint8Array, length: number, read: ReadRange): Promise<number | null> {
  if (ascii(head, 0, 4) === "RIFF" && head.length >= 8) {
    const size = new DataView(head.buffer, head.byteOffset).getUint32(4, true);
    return 8 + size + (size % 2); // chunks are padded to an even length
  }
  if (ascii(head, 4, 4) !== "ftyp") return null;
  let at = 0;
  for (let boxes = 0; at < length; boxes++) {
    if (boxes === MAX_BOXES) return null;
    const header = at + 16 <= head.length ? head.subarray(at, at + 16) : await read(at, Math.min(16, length - at));
    if (header.length < 8) return at; // a truncated header: the chain ends here, short of the length
    const size = u32be(header, 0);
    if (size === 0) return length; // "to the end of the file": the last box, as long as what was sent
    const large = size === 1 && header.length >= 16 ? u32be(header, 8) * 2 ** 32 + u32be(header, 12) : size;
    if (large < 8) return at;
    at += large;
  }
  return at;
}
