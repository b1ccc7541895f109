// One entry for the container rewrites: the sniffed image type → its rewrite.
import { rewriteAvif } from "./avif.ts";
import { rewriteGif } from "./gif.ts";
import { rewriteJpeg } from "./jpeg.ts";
import { rewritePng } from "./png.ts";
import type { Rewrite } from "./types.ts";
import { rewriteWebp } from "./webp.ts";

export type { CleanImage, Rewrite } from "./types.ts";

const REWRITES: Record<string, (b: Uint8Array) => Rewrite> = {
  "image/jpeg": rewriteJpeg,
  "image/png": rewritePng,
  "image/webp": rewriteWebp,
  "image/gif": rewriteGif,
  "image/avif": rewriteAvif,
};

/** The image without its metadata, with its displayed size; null for a type that is not an image we take. */
export function cleanImage(mime: string, bytes: Uint8Array): Rewrite | null {
  const rewrite = REWRITES[mime];
  return rewrite ? rewrite(bytes) : null;
}
