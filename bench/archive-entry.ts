// The real Worker for bench/archive.mjs, with the media bucket and the queue wrapped to count what
// each queue invocation does (R2 operations by class, messages sent) and how long it takes inside
// the Worker; GET /__bench/archive-jobs hands the records over, /__bench/archive-cpu times the
// computing parts of an archive job alone (the free-isolate.ts way: batches between timer ticks).
import worker from "../src/index.ts";
import { crc32 } from "../src/media/zip.ts";
import { scanArrayItems } from "../src/text/json-items.ts";
import { sanitizeHtml } from "../src/text/sanitize.ts";

export { DeliveryHost, FanoutSender, PostScheduler, StreamHub } from "../src/index.ts";

type Counter = { classA: number; classB: number; deletes: number; queueSends: number };
const jobs: { kind: string; ms: number; counter: Counter }[] = [];

function countingBucket(bucket: R2Bucket, c: Counter): R2Bucket {
  const upload = (u: R2MultipartUpload): R2MultipartUpload =>
    new Proxy(u, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== "function") return value;
        if (prop === "uploadPart" || prop === "complete") c.classA++;
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  return new Proxy(bucket, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== "function") return value;
      const f = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop === "put" || prop === "createMultipartUpload" || prop === "list") return (...a: unknown[]) => (c.classA++, f(...a));
      if (prop === "get" || prop === "head") return (...a: unknown[]) => (c.classB++, f(...a));
      if (prop === "delete") return (...a: unknown[]) => (c.deletes++, f(...a));
      if (prop === "resumeMultipartUpload") return (...a: unknown[]) => upload(f(...a) as R2MultipartUpload);
      return f;
    },
  });
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
async function measure(runs: number, work: () => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    await tick();
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await work();
    await tick();
    samples.push((performance.now() - t0) / 10);
  }
  return samples;
}

/** A post's stored document and outbox item, the size of a short Mastodon post with one image. */
function sampleNote(i: number): Record<string, unknown> {
  const id = `https://roost.example/objects/01k${String(i).padStart(13, "0")}`;
  const content = `<p>Post number ${i}: ${"some words of a post, ".repeat(8)}<a href="https://roost.example/tags/bench" class="mention hashtag" rel="tag">#<span>bench</span></a></p>`;
  return {
    id, type: "Note", attributedTo: "https://roost.example/users/me", to: ["https://www.w3.org/ns/activitystreams#Public"], cc: ["https://roost.example/users/me/followers"],
    inReplyTo: null, published: new Date(1.7e12 + i * 60_000).toISOString(), url: `https://roost.example/@me/${i}`, summary: null, sensitive: false, content,
    source: { content: "Post number", mediaType: "text/markdown" }, contentMap: { en: content },
    tag: [{ type: "Hashtag", href: "https://roost.example/tags/bench", name: "#bench" }],
    attachment: i % 50 === 0 ? [{ type: "Document", mediaType: "image/png", url: "https://roost.example/media/1/abc.png", name: "alt", width: 400, height: 400 }] : [],
  };
}

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/archive-jobs") return Response.json(jobs.splice(0));
    if (url.pathname === "/__bench/archive-cpu") {
      const posts = Number(url.searchParams.get("posts") ?? "100");
      const bytes = Number(url.searchParams.get("bytes") ?? String(2 * 1024 * 1024));
      const docs = Array.from({ length: posts }, (_, i) => JSON.stringify(sampleNote(i)));
      const media = crypto.getRandomValues(new Uint8Array(bytes > 65536 ? 65536 : bytes));
      const big = new Uint8Array(bytes);
      for (let at = 0; at < bytes; at += media.length) big.set(media.subarray(0, Math.min(media.length, bytes - at)), at);
      const window = new TextEncoder().encode(docs.map((d) => JSON.stringify({ id: `${JSON.parse(d).id}/activity`, type: "Create", object: JSON.parse(d) })).join(","));
      const result = {
        // An outbox page: each stored document parsed, its media URLs rewritten, the item written.
        exportPage: await measure(20, () => docs.map((d) => JSON.stringify({ type: "Create", object: JSON.parse(d) })).join(",")),
        // A media step: the range read's bytes copied out of the stream, then the CRC-32.
        exportMedia: await measure(20, async () => crc32(new Uint8Array(await new Response(big).arrayBuffer()))),
        crcOnly: await measure(20, () => crc32(big)),
        // An import step: the window scanned, each item parsed, its HTML sanitised, our Note and its Create (for the outbox) written.
        importPage: await measure(20, () => {
          for (const [s, e] of scanArrayItems(window, posts).items) {
            const item = JSON.parse(new TextDecoder().decode(window.subarray(s, e))) as { object: { id: string; content: string } };
            const note = { ...item.object, content: sanitizeHtml(item.object.content) };
            const document = JSON.stringify(note);
            void `${JSON.stringify({ id: `${note.id}/activity`, type: "Create" }).slice(0, -1)},"object":${document}}`;
          }
        }),
      };
      return Response.json(result);
    }
    return worker.fetch(request, env as never, ctx);
  },
  async queue(batch: MessageBatch<{ kind: string }>, env: Record<string, unknown>) {
    const counter: Counter = { classA: 0, classB: 0, deletes: 0, queueSends: 0 };
    const queue = env.QUEUE as Queue;
    const wrapped = {
      ...env,
      MEDIA: countingBucket(env.MEDIA as R2Bucket, counter),
      QUEUE: {
        send: (b: unknown, o?: QueueSendOptions) => (counter.queueSends++, queue.send(b, o)),
        sendBatch: (m: Iterable<MessageSendRequest>, o?: QueueSendBatchOptions) => {
          const list = [...m];
          counter.queueSends += list.length;
          return queue.sendBatch(list, o);
        },
      },
    };
    const t0 = performance.now();
    await worker.queue(batch as never, wrapped as never);
    jobs.push({ kind: batch.messages[0]?.body.kind ?? "?", ms: performance.now() - t0, counter });
  },
};
