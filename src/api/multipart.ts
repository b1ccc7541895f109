// multipart/form-data bodies (RFC 7578), by ONE scanner that takes the body in chunks: a body held
// in memory is fed once (readParams), a body streamed into storage is fed its head and tail, or
// R2's stream of it (src/api/v1/media.ts). The runtime's formData() costs about four copies of the
// body (~13 ms for 2 MB, bench/media.mjs); here text fields are decoded from the bytes and a file
// is its place in the body: a view into it when it is in memory, offsets in storage when not.
import { Buffer } from "node:buffer";
import { concat } from "../media/bytes.ts";

/** A file part of a body held in memory: its bytes (a view into the body), the file name and the type the client claimed. */
export class UploadedFile {
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
    readonly type: string,
  ) {}
}

export const MAX_PARTS = 500;
/** A text field longer than this is refused: none of the API's is near it (a bio is 5,000 characters), and the scanner holds each one whole. */
export const MAX_TEXT_BYTES = 64 * 1024;
/** How much of a file part the scanner keeps (what prepareStaged sniffs and range-reads from). */
export const FILE_HEAD_BYTES = 64 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;

const CRLF_CRLF = new Uint8Array([13, 10, 13, 10]);

/**
 * The index of `needle` in `haystack` from `from`, or -1: node:buffer's native search (in workerd
 * with nodejs_compat), 5–10 times cheaper than Uint8Array.prototype.indexOf on the first byte and
 * a compare in JavaScript, which stops at every CR of a binary file (bench/media.mjs).
 */
function find(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).indexOf(needle, from);
}


/** The bytes of `pieces` as one buffer; a lone non-empty piece is returned as it is (a view, no copy). */
function joined(pieces: Uint8Array[]): Uint8Array {
  const full = pieces.filter((p) => p.length > 0);
  return full.length === 1 ? full[0]! : concat(full);
}

function headerParam(header: string, name: string): string | null {
  const match = new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"|;\\s*${name}=([^;\\s]+)`, "i").exec(header);
  return match ? (match[1] ?? match[2] ?? "").replace(/\\(.)/g, "$1") : null;
}

/** The boundary of a multipart Content-Type, or null. */
export function boundaryOf(contentType: string): string | null {
  const boundary = headerParam(contentType, "boundary");
  return boundary && boundary.length <= 200 ? boundary : null;
}

/** One part of a scanned body. */
export interface ScannedPart {
  name: string | null;
  /** A file part has a filename (plain or RFC 5987's filename*=) or a type of its own. */
  file: boolean;
  filename: string | null;
  type: string | null;
  /** The content's place in the body; end is -1 while the scanner is inside it. */
  start: number;
  end: number;
  /** A text field's value. */
  text: string | null;
  /** A file part's first bytes (up to FILE_HEAD_BYTES), when the scanner was asked to keep them. */
  head: Uint8Array;
}

export type ScanResult = { ok: true; parts: ScannedPart[] } | { ok: false; error: string };

type State = "preamble" | "delimiter" | "headers" | "content" | "epilogue";

/**
 * Finds the parts of a multipart body fed to it in chunks of any size, in order. Delimiters
 * (`\r\n--boundary`) are found across chunk boundaries: up to a delimiter's length less one byte
 * of the last chunk is carried to the next. The scanner holds only text fields (each at most
 * MAX_TEXT_BYTES), part headers, and the heads of the file parts `keepHead` names.
 */
export class MultipartScanner {
  readonly parts: ScannedPart[] = [];
  private readonly delimiter: Uint8Array;
  private readonly decoder = new TextDecoder();
  private state: State = "preamble";
  /** Bytes at the end of what was fed that may begin a delimiter (or, in "delimiter" and "headers", what was read of those). */
  private carry: Uint8Array;
  /** The body offset of the next byte fed. */
  private at = 0;
  private pieces: Uint8Array[] = [];
  private kept = 0;
  private failure: string | null = null;

  constructor(
    boundary: string,
    private readonly keepHead: (name: string | null) => boolean = () => true,
  ) {
    this.delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
    // The opening delimiter may start the body, with no line break before it.
    this.carry = new Uint8Array([13, 10]);
  }

  /** The part whose content the bytes fed so far end inside, if any. */
  get openPart(): ScannedPart | null {
    return this.state === "content" ? this.parts.at(-1)! : null;
  }

  private fail(error: string): false {
    this.failure ??= error;
    return false;
  }

  feed(chunk: Uint8Array): boolean {
    if (this.failure) return false;
    let i = 0;
    while (i < chunk.length && !this.failure) {
      if (this.state === "epilogue") break; // after the closing delimiter: ignored, as RFC 2046 says
      if (this.state === "delimiter") i = this.afterDelimiter(chunk, i);
      else if (this.state === "headers") i = this.headers(chunk, i);
      else i = this.content(chunk, i);
    }
    this.at += chunk.length;
    return !this.failure;
  }

  /**
   * The bytes from here to body offset `offset` are the open file part's content, not fed (a
   * body in storage whose middle is not read). Only inside a file part: a text field must be read.
   */
  skipTo(offset: number): boolean {
    const part = this.openPart;
    if (!part?.file) return this.fail("the multipart body could not be read");
    if (offset <= this.at) return true;
    this.keep(this.carry);
    this.carry = new Uint8Array();
    this.at = offset;
    return true;
  }

  finish(): ScanResult {
    if (!this.failure && this.state !== "epilogue") this.fail(this.parts.length === 0 && this.state === "preamble" ? "the multipart body has no boundary" : "the multipart body ends before its closing delimiter");
    return this.failure ? { ok: false, error: this.failure } : { ok: true, parts: this.parts };
  }

  /** Content bytes of the open part (or preamble, dropped). */
  private keep(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.state !== "content") return;
    const part = this.parts.at(-1)!;
    if (!part.file) {
      this.kept += bytes.length;
      if (this.kept > MAX_TEXT_BYTES) {
        this.fail(`Validation failed: a text field is longer than ${MAX_TEXT_BYTES / 1024} KB`);
        return;
      }
      this.pieces.push(bytes);
    } else if (this.kept < FILE_HEAD_BYTES && this.keepHead(part.name)) {
      const piece = bytes.subarray(0, FILE_HEAD_BYTES - this.kept);
      this.kept += piece.length;
      this.pieces.push(piece);
    }
  }

  /** Looks for the next delimiter from chunk[i]; returns where to go on. */
  private content(chunk: Uint8Array, i: number): number {
    const dl = this.delimiter.length;
    const carried = this.carry.length;
    // A delimiter that begins in the carried bytes and ends in this chunk.
    // Relative to chunk[i]: negative when the delimiter begins in the carried bytes.
    let found: number | null = null;
    if (carried > 0) {
      const joint = joined([this.carry, chunk.subarray(i, i + dl - 1)]);
      const p = find(joint, this.delimiter, 0);
      if (p >= 0 && p < carried) found = p - carried;
    }
    if (found === null) {
      const q = find(chunk, this.delimiter, i);
      if (q >= 0) found = q - i;
    }
    if (found === null) {
      // None here: all but the last bytes, which may begin one, are content.
      const total = carried + chunk.length - i;
      const hold = Math.min(dl - 1, total);
      const release = total - hold;
      if (release > 0) {
        this.keep(this.carry.subarray(0, Math.min(carried, release)));
        if (release > carried) this.keep(chunk.subarray(i, i + release - carried));
      }
      this.carry = release >= carried ? chunk.slice(chunk.length - hold) : joined([this.carry.subarray(release), chunk.subarray(i)]);
      return chunk.length;
    }
    this.keep(found < 0 ? this.carry.subarray(0, carried + found) : this.carry);
    if (found > 0) this.keep(chunk.subarray(i, i + found));
    if (this.failure) return chunk.length;
    this.closePart(this.at + i + found);
    this.carry = new Uint8Array();
    this.state = "delimiter";
    return i + found + dl;
  }

  private closePart(end: number): void {
    if (this.state !== "content") return;
    const part = this.parts.at(-1)!;
    part.end = end;
    const content = joined(this.pieces);
    if (part.file) part.head = content;
    else part.text = this.decoder.decode(content);
    this.pieces = [];
    this.kept = 0;
  }

  /** After a delimiter: "--" closes the body, a line break begins a part's headers. */
  private afterDelimiter(chunk: Uint8Array, i: number): number {
    const need = 2 - this.carry.length;
    const two = joined([this.carry, chunk.subarray(i, i + need)]);
    if (two.length < 2) {
      this.carry = two.slice();
      return chunk.length;
    }
    this.carry = new Uint8Array();
    if (two[0] === 45 && two[1] === 45) {
      this.state = "epilogue";
    } else if (two[0] === 13 && two[1] === 10) {
      if (this.parts.length >= MAX_PARTS) this.fail(`Validation failed: more than ${MAX_PARTS} parts in the multipart body`);
      // The headers' search starts at this line break, so a part without headers (a blank line at once) is found too.
      this.carry = new Uint8Array([13, 10]);
      this.state = "headers";
    } else {
      this.fail("the multipart body could not be read");
    }
    return i + need;
  }

  private headers(chunk: Uint8Array, i: number): number {
    const held = this.carry.length;
    const room = MAX_HEADER_BYTES - held;
    const bytes = joined([this.carry, chunk.subarray(i, i + room)]);
    const end = find(bytes, CRLF_CRLF, Math.max(0, held - 3));
    if (end < 0) {
      if (bytes.length >= MAX_HEADER_BYTES) this.fail("the multipart body could not be read (part headers too long)");
      this.carry = bytes === this.carry ? bytes : bytes.slice();
      return i + bytes.length - held;
    }
    const lines = this.decoder.decode(bytes.subarray(2, end)).split("\r\n");
    const disposition = lines.find((h) => /^content-disposition:/i.test(h)) ?? "";
    const type = lines.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, "") ?? null;
    const next = i + end + 4 - held;
    this.parts.push({
      name: headerParam(disposition, "name"),
      file: /;\s*filename\*?=/i.test(disposition) || (type !== null && !/^text\/plain\b/i.test(type)),
      filename: headerParam(disposition, "filename"),
      type,
      start: this.at + next,
      end: -1,
      text: null,
      head: new Uint8Array(),
    });
    this.carry = new Uint8Array();
    this.state = "content";
    return next;
  }
}

/** The fields as [name, text or UploadedFile] in body order: the scanner fed the body once, files as views into it. */
export function parseMultipart(body: Uint8Array, boundary: string): { ok: true; fields: [string, string | UploadedFile][] } | { ok: false; error: string } {
  const scanner = new MultipartScanner(boundary, () => false);
  scanner.feed(body);
  const scanned = scanner.finish();
  if (!scanned.ok) return scanned;
  const fields = scanned.parts.flatMap((p): [string, string | UploadedFile][] => {
    if (p.name === null) return [];
    return [[p.name, p.file ? new UploadedFile(body.subarray(p.start, p.end), p.filename ?? "", p.type ?? "application/octet-stream") : p.text!]];
  });
  return { ok: true, fields };
}

/**
 * The parts of a `total`-byte body in storage of which only the first bytes (`head`) and the last
 * (`tail`, from `tailStart`) were read, or null when these cannot place them: the scanner is fed
 * the head, told the unread middle is the content of the file part the head ends inside (which
 * must be one of `fileFields`), and fed the tail. A boundary never occurs inside a part, so that
 * file ends at the tail's first delimiter — if nothing else began in the unread middle, which the
 * caller must make sure of (src/api/v1/media.ts).
 */
export function locateParts(head: Uint8Array, tail: Uint8Array, tailStart: number, total: number, boundary: string, fileFields: string[]): ScanResult | null {
  const scanner = new MultipartScanner(boundary, (name) => name !== null && fileFields.includes(name));
  if (!scanner.feed(head)) return scanner.finish();
  if (head.length < total) {
    const open = scanner.openPart;
    if (!open?.file || open.name === null || !fileFields.includes(open.name)) return null;
    const from = Math.max(tailStart, head.length);
    scanner.skipTo(from);
    scanner.feed(tail.subarray(from - tailStart));
  }
  const scanned = scanner.finish();
  return scanned.ok ? scanned : null;
}

/** How much a scan asks the stream for at once. */
const SCAN_READ_BYTES = 256 * 1024;

/**
 * A body stream through `scanner`; stops reading at the first error. A byte stream (R2's body,
 * a request's) is read with workerd's readAtLeast into 256 KB buffers: the runtime fills each
 * natively, where a default reader hands JavaScript every chunk as it came (4 KB from local R2,
 * a turn of the event loop each: most of the CPU of reading a body, bench/media.mjs).
 */
export async function scanStream(stream: ReadableStream<Uint8Array>, scanner: MultipartScanner): Promise<ScanResult> {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: chunk by chunk below.
  }
  if (byob) {
    for (;;) {
      const { done, value } = await byob.readAtLeast(SCAN_READ_BYTES, new Uint8Array(SCAN_READ_BYTES));
      if (value && value.length > 0 && !scanner.feed(value)) {
        await byob.cancel().catch(() => {});
        break;
      }
      if (done) break;
    }
    return scanner.finish();
  }
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!scanner.feed(value)) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return scanner.finish();
}
