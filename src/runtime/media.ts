// The media bindings behind the interfaces code below sees (src/media/store.ts): the R2 bucket as
// a MediaStore, Cloudflare's Images binding (when wrangler.toml has one) as an ImageResizer.
import type { ImageResizer, MediaStore, StoredObject } from "../media/store.ts";

export function r2MediaStore(bucket: R2Bucket): MediaStore {
  return {
    async put(key, body, contentType) {
      await bucket.put(key, body, { httpMetadata: { contentType } });
    },
    async get(key, request) {
      const object = request ? await bucket.get(key, { onlyIf: request, range: request }) : await bucket.get(key);
      if (!object) return null;
      const body = "body" in object ? (object as R2ObjectBody).body : null;
      const range = request?.has("Range") && object.range && "offset" in object.range ? object.range : null;
      const offset = range?.offset ?? 0;
      const served: StoredObject = {
        body,
        contentType: object.httpMetadata?.contentType ?? "application/octet-stream",
        size: object.size,
        etag: object.httpEtag,
        range: range ? { offset, length: range.length ?? object.size - offset } : null,
      };
      return served;
    },
    async range(key, offset, length) {
      const object = await bucket.get(key, { range: { offset, length } });
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
    async compose(key, pieces, contentType) {
      // One FixedLengthStream fed piece by piece: R2's range bodies are piped into it by the
      // runtime (stream to stream, no JavaScript per chunk), the few bytes made here are written.
      const total = pieces.reduce((n, p) => n + p.length, 0);
      const { readable, writable } = new FixedLengthStream(total);
      const stored = bucket.put(key, readable, { httpMetadata: { contentType } });
      try {
        for (const piece of pieces) {
          if (piece instanceof Uint8Array) {
            const writer = writable.getWriter();
            await writer.write(piece);
            writer.releaseLock();
            continue;
          }
          const object = await bucket.get(piece.key, { range: { offset: piece.offset, length: piece.length } });
          if (!object || object.size < piece.offset + piece.length) throw new Error(`compose: ${piece.key} is shorter than ${piece.offset + piece.length}`);
          await object.body.pipeTo(writable, { preventClose: true });
        }
        await writable.close();
      } catch (error) {
        await writable.abort(error).catch(() => {});
        await stored.catch(() => {});
        throw error;
      }
      await stored;
    },
    async olderThan(prefix, before) {
      const listed = await bucket.list({ prefix, limit: 1000 });
      return listed.objects.filter((o) => o.uploaded.getTime() < before).map((o) => o.key);
    },
    async delete(keys) {
      // R2 takes up to 1,000 keys a call.
      for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
    },
    async createMultipart(key, contentType) {
      return (await bucket.createMultipartUpload(key, { httpMetadata: { contentType } })).uploadId;
    },
    async uploadPart(key, uploadId, partNumber, body) {
      const part = await bucket.resumeMultipartUpload(key, uploadId).uploadPart(partNumber, body);
      return { partNumber: part.partNumber, etag: part.etag };
    },
    async completeMultipart(key, uploadId, parts) {
      await bucket.resumeMultipartUpload(key, uploadId).complete(parts);
    },
    async abortMultipart(key, uploadId) {
      await bucket.resumeMultipartUpload(key, uploadId).abort();
    },
  };
}

export function imagesResizer(images: ImagesBinding): ImageResizer {
  return {
    async resize(image, maxSide, format) {
      // The bytes as one chunk: a Blob would copy them first.
      const stream = image instanceof Uint8Array ? new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(image), c.close()) }) : image;
      const result = await images.input(stream).transform({ width: maxSide, height: maxSide, fit: "scale-down" }).output({ format });
      return new Uint8Array(await result.response().arrayBuffer());
    },
  };
}
