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

/** A piece of an object being composed: bytes made here, or a range of a stored object (copied by the store, never read by the Worker). */
export type Piece = Uint8Array | { key: string; offset: number; length: number };

export interface MediaStore {
  /** A stream must have a known length (a request body with Content-Length). */
  put(key: string, body: Uint8Array | ReadableStream<Uint8Array> | Blob, contentType: string): Promise<void>;
  /** `length` bytes at `offset` (fewer at the end); null when there is no such object. */
  range(key: string, offset: number, length: number): Promise<Uint8Array | null>;
  /** A new object made of `pieces` in order: ranges are piped from storage to storage. */
  compose(key: string, pieces: Piece[], contentType: string): Promise<void>;
  /** `request`: the headers whose Range and If-* conditions apply. */
  get(key: string, request?: Headers): Promise<StoredObject | null>;
  delete(keys: string[]): Promise<void>;
  /**
   * An object written in parts over several invocations (account archives): the upload's id to
   * resume it by. Every part but the last must be MULTIPART_PART_BYTES long (R2's rule: equal
   * parts of at least 5 MiB).
   */
  createMultipart(key: string, contentType: string): Promise<string>;
  uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<UploadedPart>;
  completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** Keys under `prefix` stored before `before` (ms), at most 1,000. */
  olderThan(prefix: string, before: number): Promise<string[]>;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/** The one part size of a multipart object (R2's minimum). */
export const MULTIPART_PART_BYTES = 5 * 1024 * 1024;

export interface ImageResizer {
  /** The image scaled down to fit `maxSide` × `maxSide` (never up), in `format`. Throws when the service refuses. */
  resize(image: Uint8Array | ReadableStream<Uint8Array>, maxSide: number, format: "image/webp" | "image/png"): Promise<Uint8Array>;
}
