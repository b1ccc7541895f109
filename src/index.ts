// The Worker: HTTP through the Hono app, jobs through the queue consumer, retry state in DOs.
import { app } from "./app.ts";
import type { Env } from "./config.ts";
import { consumeBatch } from "./delivery/consumer.ts";
import { deliverMessages } from "./delivery/deliver.ts";
import { runFanout } from "./delivery/fanout.ts";
import type { Job } from "./delivery/jobs.ts";
import { processInboxActivity } from "./federation/inbox/process.ts";

export { DeliveryHost } from "./delivery/host.ts";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consumeBatch(batch, env, {
      inbox: processInboxActivity,
      fanout: runFanout,
      deliver: { batch: deliverMessages },
    });
  },
} satisfies ExportedHandler<Env, Job>;
