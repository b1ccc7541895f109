// The Worker: HTTP through the Hono app, jobs through the queue consumer, retry state in the
// per-server Durable Object, the daily clean-up on the cron trigger. Wiring only.
import { app } from "./app.ts";
import { consumeBatch } from "./delivery/consumer.ts";
import { deliverMessages } from "./delivery/deliver.ts";
import { runFanout } from "./delivery/fanout.ts";
import type { Job } from "./delivery/jobs.ts";
import { pruneStorage } from "./domain/maintenance.ts";
import { catchUpScheduled } from "./domain/posts/scheduled.ts";
import { fetchThreadParents } from "./domain/threads.ts";
import { fetchReplies } from "./domain/reply-fetch.ts";
import { sendPushes } from "./domain/push-send.ts";
import { processMedia } from "./domain/media.ts";
import { fetchLinkCard } from "./domain/cards.ts";
import { listAliasFollowers } from "./domain/aliases.ts";
import { runImport } from "./domain/imports.ts";
import { runArchive } from "./domain/archives.ts";
import { pollDue } from "./domain/polls.ts";
import { verifyProfileLinks } from "./domain/link-verification.ts";
import { processInboxActivity } from "./inbox/process.ts";
import type { Env } from "./runtime/bindings.ts";
import { createServices } from "./runtime/services.ts";

export { DeliveryHost } from "./runtime/delivery-host.ts";
export { FanoutSender } from "./runtime/fanout-sender.ts";
export { PostScheduler } from "./runtime/post-scheduler.ts";
export { StreamHub } from "./runtime/stream-hub.ts";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consumeBatch(batch, () => createServices(env), {
      inbox: processInboxActivity,
      fanout: runFanout,
      deliver: { batch: deliverMessages },
      thread: fetchThreadParents,
      replies: fetchReplies,
      push: sendPushes,
      media: (job, s) => processMedia(s, job.id),
      card: fetchLinkCard,
      alias: listAliasFollowers,
      import: runImport,
      archive: runArchive,
      poll: (job, s) => pollDue(s, job),
      verify_links: async (_job, s) => void (await verifyProfileLinks(s)),
    });
  },
  // The cron trigger in wrangler.toml: the retention clean-up, a daily catch-up of scheduled posts
  // in case their alarm was lost (it re-arms the alarm for the next one), and the daily re-check of
  // the profile's verified links (fields set in [vars] are never saved from an app).
  async scheduled(_controller, env) {
    const s = createServices(env);
    await pruneStorage(s);
    await catchUpScheduled(s);
    await s.jobs.send({ kind: "verify_links" });
  },
} satisfies ExportedHandler<Env, Job>;
