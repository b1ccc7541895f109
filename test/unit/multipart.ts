import { describe, expect, it } from "vitest";
import { FILE_HEAD_BYTES, locateParts, MAX_PARTS, MultipartScanner, parseMultipart, type ScanResult, UploadedFile } from "../../src/api/multipart.ts";

const BOUNDARY = "----RoostBoundary7MA4YWxkTrZu0gW";
const text = (s: string) => new TextEncoder().encode(s);

function join(...pieces: (string | Uint8Array)[]): Uint8Array {
  const bytes = pieces.map((p) => (typeof p === "string" ? text(p) : p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** A file whose bytes hold CRs, LFs, dashes and the boundary's first characters, but never the delimiter. */
function fileBytes(n: number): Uint8Array {
  const near = text(`\r\n--${BOUNDARY.slice(0, -1)}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 97 < near.length ? near[i % 97]! : i % 97 === near.length ? 0 : (i * 31) & 0xff;
  return out;
}

const FILE = fileBytes(600);
// Preamble, a text field, a file, a field without headers of note, and an epilogue.
const BODY = join(
  "ignored preamble\r\n",
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\nA red\r\nsquare`,
  `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  FILE,
  `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="focus"\r\n\r\n0.5,0.5`,
  `\r\n--${BOUNDARY}--\r\nepilogue`,
);

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function scanIn(body: Uint8Array, cuts: number[], keep = true): ScanResult {
  const scanner = new MultipartScanner(BOUNDARY, () => keep);
  let at = 0;
  for (const cut of [...cuts, body.length]) {
    scanner.feed(body.subarray(at, cut));
    at = cut;
  }
  return scanner.finish();
}

function expectBody(result: ScanResult) {
  if (!result.ok) throw new Error(result.error);
  expect(result.parts.map((p) => [p.name, p.file, p.text])).toEqual([
    ["description", false, "A red\r\nsquare"],
    ["file", true, null],
    ["focus", false, "0.5,0.5"],
  ]);
  const file = result.parts[1]!;
  // Compared by hand: vitest's deep equality of byte arrays is slow, and this runs some 250 times.
  expect(sameBytes(BODY.subarray(file.start, file.end), FILE) && sameBytes(file.head, FILE)).toBe(true);
  expect(file.filename).toBe("a.bin");
}

describe("the multipart scanner", () => {
  it("finds the same parts whatever byte the body is split at around every delimiter, and split into single bytes", () => {
    const delimiter = text(`\r\n--${BOUNDARY}`);
    const delimiters: number[] = [];
    for (let at = 0; at <= BODY.length - delimiter.length; at++) if (delimiter.every((b, i) => BODY[at + i] === b)) delimiters.push(at);
    expect(delimiters).toHaveLength(4);
    // The first is the opening one; its line break ends the preamble.
    for (const d of delimiters) {
      for (let cut = d - 3; cut <= d + delimiter.length + 4; cut++) expectBody(scanIn(BODY, [cut]));
      // Two cuts inside one delimiter: a carry that is itself carried.
      for (let cut = d + 1; cut < d + delimiter.length - 1; cut += 5) expectBody(scanIn(BODY, [cut, cut + 3]));
    }
    expectBody(scanIn(BODY, Array.from({ length: BODY.length - 1 }, (_, i) => i + 1)));
  });

  it("parseMultipart is the scanner fed once: files are views into the body", () => {
    const parsed = parseMultipart(BODY, BOUNDARY);
    if (!parsed.ok) throw new Error(parsed.error);
    const [, [, file]] = parsed.fields as [unknown, [string, UploadedFile]];
    expect(file).toBeInstanceOf(UploadedFile);
    expect(file.bytes.buffer).toBe(BODY.buffer);
    expect(sameBytes(file.bytes, FILE)).toBe(true);
    expect(parsed.fields.map(([n, v]) => [n, typeof v === "string" ? v : v.type])).toEqual([
      ["description", "A red\r\nsquare"],
      ["file", "application/octet-stream"],
      ["focus", "0.5,0.5"],
    ]);
  });

  it("keeps only the first 64 KB of a file, and the heads it is asked for", () => {
    const big = fileBytes(FILE_HEAD_BYTES + 5000);
    const body = join(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="b"\r\n\r\n`, big, `\r\n--${BOUNDARY}--\r\n`);
    const kept = scanIn(body, [1000, 70_000]);
    if (!kept.ok) throw new Error(kept.error);
    expect(sameBytes(kept.parts[0]!.head, big.subarray(0, FILE_HEAD_BYTES))).toBe(true);
    expect(kept.parts[0]!.end - kept.parts[0]!.start).toBe(big.length);
    const dropped = scanIn(body, [1000], false);
    expect(dropped.ok && dropped.parts[0]!.head.length).toBe(0);
  });

  it("refuses bodies that are not well-formed or too large to hold", () => {
    const errorOf = (body: Uint8Array, boundary = BOUNDARY) => {
      const scanner = new MultipartScanner(boundary);
      scanner.feed(body);
      const result = scanner.finish();
      return result.ok ? null : result.error;
    };
    expect(errorOf(BODY.subarray(0, BODY.length - 14))).toMatch(/ends before its closing delimiter/);
    expect(errorOf(BODY, "another-boundary")).toMatch(/no boundary/);
    expect(errorOf(join(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\n`, "x".repeat(70 * 1024), `\r\n--${BOUNDARY}--`))).toMatch(/longer than 64 KB/);
    const many = join(...Array.from({ length: MAX_PARTS + 1 }, (_, i) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`), `--${BOUNDARY}--`);
    expect(errorOf(many)).toMatch(/more than 500 parts/);
    expect(errorOf(join(`--${BOUNDARY}garbage`))).toMatch(/could not be read/);
  });

  it("locateParts places a file from the head and tail of a body, the middle unread", () => {
    const big = fileBytes(200_000);
    const body = join(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c"\r\n\r\n`, big, `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\nafter`, `\r\n--${BOUNDARY}--\r\n`);
    const head = body.subarray(0, 65536);
    const tailStart = body.length - 65536;
    const located = locateParts(head, body.subarray(tailStart), tailStart, body.length, BOUNDARY, ["file"]);
    if (!located?.ok) throw new Error("not placed");
    expect(located.parts.map((p) => [p.name, p.text])).toEqual([["file", null], ["description", "after"]]);
    expect(sameBytes(body.subarray(located.parts[0]!.start, located.parts[0]!.end), big)).toBe(true);
    // The head ending inside a part that is not a wanted file: not placed (the caller scans the body).
    expect(locateParts(head, body.subarray(tailStart), tailStart, body.length, BOUNDARY, ["avatar"])).toBeNull();
  });
});
