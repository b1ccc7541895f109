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

/** The fields as [name, text or UploadedFile] in body order; null when the body is not well-formed. */
export function parseMultipart(body: Uint8Array, boundary: string): [string, string | UploadedFile][] | null {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const opening = encoder.encode(`--${boundary}`);
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  const blankLine = new Uint8Array([...CRLF, ...CRLF]);
  let at = find(body, opening, 0);
  if (at < 0) return null;
  at += opening.length;
  const fields: [string, string | UploadedFile][] = [];
  while (fields.length < MAX_PARTS) {
    if (body[at] === 45 && body[at + 1] === 45) return fields; // "--": the closing delimiter
    if (body[at] !== 13 || body[at + 1] !== 10) return null;
    const headersEnd = find(body, blankLine, at + 2);
    if (headersEnd < 0) return null;
    const headers = decoder.decode(body.subarray(at + 2, headersEnd)).split("\r\n");
    const end = find(body, delimiter, headersEnd + 4);
    if (end < 0) return null;
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? "";
    const name = headerParam(disposition, "name");
    const content = body.subarray(headersEnd + 4, end);
    if (name !== null) {
      const type = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, "") ?? null;
      // A file part has a filename (plain or RFC 5987's filename*=) or a type of its own.
      const isFile = /;\s*filename\*?=/i.test(disposition) || (type !== null && !/^text\/plain\b/i.test(type));
      fields.push([name, isFile ? new UploadedFile(content, headerParam(disposition, "filename") ?? "", type ?? "application/octet-stream") : decoder.decode(content)]);
    }
    at = end + delimiter.length;
  }
  return fields;
}
