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
import { boundaryOf, locateParts, parseMultipart, UploadedFile } from "../src/api/multipart.ts";

const WINDOW = 64 * 1024;

async function fileOf(body: Uint8Array, type: string, field: string): Promise<Uint8Array> {
  const form = await new Request("https://bench/", { method: "POST", body, headers: { "Content-Type": type } }).formData();
  return new Uint8Array(await (form.get(field) as File).arrayBuffer());
}

export default {
  async fetch(request: Request): Promise<Response> {
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
        const file = parseMultipart(bytes, boundaryOf(type)!)?.find(([name]) => name === "file")?.[1];
        result = file instanceof UploadedFile ? file.bytes.length : null;
      }
    } else if (step === "locate") {
      // The streamed path (src/api/v1/media.ts): only the body's first and last 64 KB are read back from R2.
      const head = body.subarray(0, WINDOW);
      const tail = body.subarray(body.length - WINDOW);
      for (let i = 0; i < runs; i++) {
        const file = locateParts(head, tail, body.length - WINDOW, body.length, boundaryOf(type)!, ["file"])?.files[0];
        result = file ? file.end - file.start : null;
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
