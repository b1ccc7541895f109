// The Worker's bindings: the one module that names the Durable Object classes and the job type
// together with the settings. Only the entry (src/index.ts, src/app.ts) and src/runtime/ see it;
// everything below receives a Services object instead (src/services.ts).
import type { Settings } from "../config.ts";
import type { Job } from "../delivery/jobs.ts";
import type { DeliveryHost } from "./delivery-host.ts";
import type { FanoutSender } from "./fanout-sender.ts";
import type { PostScheduler } from "./post-scheduler.ts";
import type { StreamHub } from "./stream-hub.ts";

export interface Env extends Settings {
  DB: D1Database;
  QUEUE: Queue<Job>;
  DELIVERY_HOST: DurableObjectNamespace<DeliveryHost>;
  FANOUT_SENDER: DurableObjectNamespace<FanoutSender>;
  POST_SCHEDULER: DurableObjectNamespace<PostScheduler>;
  /** The owner's stream hub: every streaming socket (docs/streaming.md). */
  STREAM_HUB: DurableObjectNamespace<StreamHub>;
  /** The media bucket (wrangler.toml [[r2_buckets]]). */
  MEDIA: R2Bucket;
  /** Cloudflare's Images binding, when wrangler.toml has `[images]`: previews and blurhashes. */
  IMAGES?: ImagesBinding;
}
