// multipart/form-data bodies, read from the bytes once. Uploads come this way, and the runtime's
// formData() costs about four copies of the body (into a stream, out of it, into each File, out of
// that: ~13 ms for 2 MB, bench/media.mjs); here the body is read once and each file is a view
// into it. Parts follow RFC 7578: a boundary line, headers, a blank line, the content.

/** A file part: its bytes (a view into the body), the file name and the type the client claimed. */
export class UploadedFile {
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
    readonly type: string,
  ) {}
}

const CRLF = [13, 10];
const MAX_PARTS = 500;

/** The index of `needle` in `haystack` from `from`, or -1. */
function find(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let at = haystack.indexOf(first, from); at >= 0 && at + needle.length <= haystack.length; at = haystack.indexOf(first, at + 1)) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
  }
  return -1;
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

interface Part {
  name: string | null;
  disposition: string;
  type: string | null;
  /** The content's start and end in the bytes walked; end is -1 for a part the bytes end inside. */
  start: number;
  end: number;
}

/**
 * The parts from `at` (just after a delimiter) on, in order, and whether the closing delimiter was
 * reached; a part the bytes end inside comes last with end -1. Null when the bytes are not
 * well-formed multipart.
 */
function walkParts(body: Uint8Array, at: number, boundary: string): { parts: Part[]; closed: boolean } | null {
  const decoder = new TextDecoder();
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  const blankLine = new Uint8Array([...CRLF, ...CRLF]);
  const parts: Part[] = [];
  while (parts.length < MAX_PARTS) {
    if (body[at] === 45 && body[at + 1] === 45) return { parts, closed: true }; // "--": the closing delimiter
    if (body[at] !== 13 || body[at + 1] !== 10) return null;
    const headersEnd = find(body, blankLine, at + 2);
    if (headersEnd < 0) return null;
    const headers = decoder.decode(body.subarray(at + 2, headersEnd)).split("\r\n");
    const end = find(body, delimiter, headersEnd + 4);
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? "";
    const type = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, "") ?? null;
    parts.push({ name: headerParam(disposition, "name"), disposition, type, start: headersEnd + 4, end });
    if (end < 0) return { parts, closed: false };
    at = end + delimiter.length;
  }
  return { parts, closed: false };
}

/** A file part has a filename (plain or RFC 5987's filename*=) or a type of its own. */
const isFilePart = (p: Part) => /;\s*filename\*?=/i.test(p.disposition) || (p.type !== null && !/^text\/plain\b/i.test(p.type));

/** The fields as [name, text or UploadedFile] in body order; null when the body is not well-formed. */
export function parseMultipart(body: Uint8Array, boundary: string): [string, string | UploadedFile][] | null {
  const opening = new TextEncoder().encode(`--${boundary}`);
  const at = find(body, opening, 0);
  if (at < 0) return null;
  const walked = walkParts(body, at + opening.length, boundary);
  if (!walked || walked.parts.some((p) => p.end < 0)) return null;
  const decoder = new TextDecoder();
  return walked.parts.flatMap((p): [string, string | UploadedFile][] => {
    if (p.name === null) return [];
    const content = body.subarray(p.start, p.end);
    return [[p.name, isFilePart(p) ? new UploadedFile(content, headerParam(p.disposition, "filename") ?? "", p.type ?? "application/octet-stream") : decoder.decode(content)]];
  });
}

/** A multipart body's files, located in storage rather than held: their places, and the other (text) fields. */
export interface LocatedParts {
  fields: [string, string][];
  files: { name: string; start: number; end: number }[];
}

/**
 * Finds the file fields named in `fileFields` and the text fields of a `total`-byte body of which
 * only the first bytes (`head`) and the last (`tail`, from `tailStart`) were read: the body
 * itself went to storage unread. Fields before the large file are in the head; its end is the
 * first delimiter in the tail (a boundary never occurs in a part's content), and the fields after
 * it follow. So one file may be larger than the head, and the fields after it must fit in the
 * tail (the caller reads enough). Null when the body is not well-formed multipart, or a part the
 * head ends inside is not one of the files.
 */
export function locateParts(head: Uint8Array, tail: Uint8Array, tailStart: number, total: number, boundary: string, fileFields: string[]): LocatedParts | null {
  const opening = new TextEncoder().encode(`--${boundary}`);
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  const decoder = new TextDecoder();
  const at = find(head, opening, 0);
  if (at < 0) return null;
  const first = walkParts(head, at + opening.length, boundary);
  if (!first) return null;
  const located: LocatedParts = { fields: [], files: [] };
  const take = (b: Uint8Array, p: Part, offset: number) => {
    if (p.name === null) return;
    if (fileFields.includes(p.name) && isFilePart(p)) located.files.push({ name: p.name, start: offset + p.start, end: offset + p.end });
    else if (!isFilePart(p)) located.fields.push([p.name, decoder.decode(b.subarray(p.start, p.end))]);
  };
  for (const p of first.parts) {
    if (p.end >= 0) {
      take(head, p, 0);
      continue;
    }
    // The part the head ends inside: it must be a file, and it ends in the tail.
    if (head.length >= total || p.name === null || !fileFields.includes(p.name) || !isFilePart(p)) return null;
    const end = find(tail, delimiter, Math.max(0, p.start - tailStart));
    if (end < 0) return null;
    located.files.push({ name: p.name, start: p.start, end: tailStart + end });
    const rest = walkParts(tail, end + delimiter.length, boundary);
    if (!rest?.closed) return null;
    for (const q of rest.parts) if (q.end >= 0) take(tail, q, tailStart);
    return located;
  }
  return first.closed ? located : null;
}
