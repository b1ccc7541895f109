// The real Worker with its MEDIA (R2) and IMAGES bindings wrapped to count operations, for
// bench/media.mjs. Counts add up over requests and queue jobs alike (one isolate under wrangler
// dev); GET /__bench/media-counts returns them and starts again from zero.
import worker from "../src/index.ts";

export { DeliveryHost, FanoutSender, PostScheduler, StreamHub } from "../src/index.ts";

const counts = { classA: 0, classB: 0, deletes: 0, transformations: 0 };

function countingBucket(bucket: R2Bucket): R2Bucket {
  return new Proxy(bucket, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        // R2 pricing: put/list are Class A, get/head Class B, delete is free (one call per key batch).
        if (prop === "put" || prop === "list") counts.classA++;
        else if (prop === "get" || prop === "head") counts.classB++;
        else if (prop === "delete") counts.deletes += Array.isArray(args[0]) ? args[0].length : 1;
        return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
      };
    },
  });
}

function countingImages(images: ImagesBinding): ImagesBinding {
  return new Proxy(images, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop === "input") counts.transformations++;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

type Env = Record<string, unknown> & { MEDIA: R2Bucket; IMAGES?: ImagesBinding };
const wrapped = (env: Env) => ({ ...env, MEDIA: countingBucket(env.MEDIA), ...(env.IMAGES ? { IMAGES: countingImages(env.IMAGES) } : {}) });

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    if (new URL(request.url).pathname === "/__bench/media-counts") {
      const answer = Response.json(counts);
      Object.assign(counts, { classA: 0, classB: 0, deletes: 0, transformations: 0 });
      return answer;
    }
    const started = performance.now();
    const response = await worker.fetch!(request as never, wrapped(env) as never, ctx);
    const answer = new Response(response.body, response);
    answer.headers.set("X-Worker-Ms", String(performance.now() - started));
    return answer;
  },
  queue: (batch: MessageBatch, env: Env) => worker.queue!(batch as never, wrapped(env) as never),
};
