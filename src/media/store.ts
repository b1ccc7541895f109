// The two things media needs from the platform, as Services hands them out (src/services.ts):
// object storage (R2 in the Worker, src/runtime/media.ts) and, when bound, an image resizer
// (Cloudflare's Images binding). Code below the runtime sees these, never a binding.

export interface StoredObject {
  /** Null when the request's conditions (If-None-Match, …) say the client's copy is current. */
  body: ReadableStream<Uint8Array> | null;
  contentType: string;
  size: number;
  etag: string;
  /** The part sent, for a Range request. */
  range: { offset: number; length: number } | null;
}

export interface MediaStore {
  put(key: string, body: Uint8Array | ReadableStream<Uint8Array> | Blob, contentType: string): Promise<void>;
  /** `request`: the headers whose Range and If-* conditions apply. */
  get(key: string, request?: Headers): Promise<StoredObject | null>;
  delete(keys: string[]): Promise<void>;
}

export interface ImageResizer {
  /** The image scaled down to fit `maxSide` × `maxSide` (never up), in `format`. Throws when the service refuses. */
  resize(image: Uint8Array | ReadableStream<Uint8Array>, maxSide: number, format: "image/webp" | "image/png"): Promise<Uint8Array>;
}
