// What an image upload computes, repeated inside workerd for bench/media.mjs, one step per
// request (`?step=parse|rewrite|blurhash&runs=N`): the body read and its multipart parts found;
// the type sniffed and the container rewritten (metadata out); a 32 px PNG thumbnail (the
// `thumbnail` field) decoded and its blurhash encoded. The bench reads workerd's CPU time around
// each request, so a loaded machine slows the figures less than a clock would. R2, D1 and the
// Images binding are I/O: the resizing runs in Cloudflare's image service, not the Worker.
import { blurhash } from "../src/media/blurhash.ts";
import { cleanImage } from "../src/media/image.ts";
import { pngPixels } from "../src/media/png-pixels.ts";
import { sniff } from "../src/media/sniff.ts";
import { planByRanges } from "../src/media/ranges.ts";
import { Buffer } from "node:buffer";
import { boundaryOf, locateParts, MultipartScanner, parseMultipart, scanStream, UploadedFile } from "../src/api/multipart.ts";

interface Env {
  BUCKET: R2Bucket;
}

const WINDOW = 64 * 1024;

async function fileOf(body: Uint8Array, type: string, field: string): Promise<Uint8Array> {
  const form = await new Request("https://bench/", { method: "POST", body, headers: { "Content-Type": type } }).formData();
  return new Uint8Array(await (form.get(field) as File).arrayBuffer());
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const params = new URL(request.url).searchParams;
    const runs = Number(params.get("runs") ?? "0");
    const type = request.headers.get("Content-Type")!;
    const body = new Uint8Array(await request.arrayBuffer());
    const step = params.get("step");
    let result: unknown = null;
    if (step === "parse") {
      // As readParams (src/api/body.ts) does: the body read once, the parts found in it.
      for (let i = 0; i < runs; i++) {
        const bytes = new Uint8Array(await new Request("https://bench/", { method: "POST", body }).arrayBuffer());
        const parsed = parseMultipart(bytes, boundaryOf(type)!);
        const file = parsed.ok ? parsed.fields.find(([name]) => name === "file")?.[1] : null;
        result = file instanceof UploadedFile ? file.bytes.length : null;
      }
    } else if (step === "locate") {
      // The streamed path (src/api/v1/media.ts): only the body's first and last 64 KB are read back from R2.
      const head = body.subarray(0, WINDOW);
      const tail = body.subarray(body.length - WINDOW);
      for (let i = 0; i < runs; i++) {
        const located = locateParts(head, tail, body.length - WINDOW, body.length, boundaryOf(type)!, ["file"]);
        const file = located?.ok ? located.parts.find((p) => p.name === "file") : null;
        result = file ? file.end - file.start : null;
      }
    } else if (step === "scan") {
      // The scanner over the body in 64 KB chunks from memory: its own work (search, carries, the file's head kept).
      for (let i = 0; i < runs; i++) {
        const scanner = new MultipartScanner(boundaryOf(type)!, (name) => name === "file");
        for (let at = 0; at < body.length; at += WINDOW) scanner.feed(body.subarray(at, at + WINDOW));
        const scanned = scanner.finish();
        result = scanned.ok ? scanned.parts.length : scanned.error;
      }
    } else if (step === "find-bytes" || step === "find-buffer") {
      // The delimiter search alone over the whole body, both ways: Uint8Array.prototype.indexOf on
      // the first byte and a compare (the scanner's), or node:buffer's Buffer.indexOf(needle).
      const delimiter = new TextEncoder().encode(`\r\n--${boundaryOf(type)!}`);
      const buffer = Buffer.from(body.buffer, body.byteOffset, body.length);
      for (let i = 0; i < runs; i++) {
        let found = 0;
        if (step === "find-buffer") {
          for (let at = buffer.indexOf(delimiter, 0); at >= 0; at = buffer.indexOf(delimiter, at + 1)) found++;
        } else {
          for (let at = body.indexOf(delimiter[0]!, 0); at >= 0; at = body.indexOf(delimiter[0]!, at + 1)) {
            let j = 1;
            while (j < delimiter.length && body[at + j] === delimiter[j]) j++;
            if (j === delimiter.length) found++;
          }
        }
        result = found;
      }
    } else if (step === "read" || step === "stream") {
      // The staged body read back from R2 as a stream, only read (the runtime's plumbing into
      // JavaScript) or through the scanner (src/api/v1/media.ts scanStaged). Local R2 runs in
      // workerd too: an upper bound.
      await env.BUCKET.put("staged", body);
      for (let i = 0; i < runs; i++) {
        const object = await env.BUCKET.get("staged");
        if (step === "stream") {
          const scanned = await scanStream(object!.body, new MultipartScanner(boundaryOf(type)!, (name) => name === "file"));
          result = scanned.ok ? scanned.parts.length : scanned.error;
        } else {
          const reader = object!.body.getReader();
          let chunks = 0;
          for (;;) {
            const { done } = await reader.read();
            if (done) break;
            chunks++;
          }
          result = chunks;
        }
      }
    } else if (step === "ranges") {
      // The range rewrite (src/media/ranges.ts) with reads served from memory: its own work, not R2's.
      const file = await fileOf(body, type, "file");
      const read = async (offset: number, length: number) => file.slice(offset, offset + length);
      for (let i = 0; i < runs; i++) {
        const plan = await planByRanges(sniff(file)!.mime, "staged", 0, file.length, file.slice(0, WINDOW), read);
        result = plan?.ok ? plan.size : plan;
      }
    } else if (step === "rewrite") {
      const file = await fileOf(body, type, "file");
      for (let i = 0; i < runs; i++) {
        const clean = cleanImage(sniff(file)!.mime, file);
        result = clean?.ok ? clean.bytes.length : clean?.error;
      }
    } else if (step === "blurhash") {
      const thumbnail = await fileOf(body, type, "thumbnail");
      for (let i = 0; i < runs; i++) {
        const pixels = await pngPixels(thumbnail);
        result = pixels ? blurhash(pixels.rgba, pixels.width, pixels.height) : null;
      }
    }
    return Response.json({ result });
  },
};
