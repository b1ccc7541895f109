// The Workers limits delivery is sized for, in one place, per plan (PLAN in wrangler.toml, "free"
// by default). Everything that depends on the plan — inboxes per deliver message, the queue
// consumer's batch size and concurrency, deadlines, the daily budgets — is read from `limitsFor`.
// `npm run deploy` imports this file too (Node strips the types) and writes `consumer` into the
// [[queues.consumers]] section of wrangler.toml, so the queue settings always match the plan.
// Keep this file free of runtime imports: Node loads it on its own.
//
// Cloudflare's limits (developers.cloudflare.com/workers/platform/limits, /queues/platform/limits,
// /queues/platform/pricing, /durable-objects/platform/pricing, /d1/platform/limits; see docs/delivery.md):
//   Free: 10 ms CPU and 50 external subrequests per invocation (a queue consumer invocation is one,
//         whatever its batch size; so is a Durable Object request or alarm); 10,000 queue
//         operations a day (3 per message); 100,000 Durable Object requests a day; D1 5M rows read
//         and 100,000 rows written a day.
//   Paid: 30 s CPU (default), 10,000 subrequests, 15 min wall time per consumer invocation.
//
// One RSA-2048 signature costs ~0.75 ms (local workerd; bench/fanout.mjs). On Free an invocation
// signs at most FREE_INBOXES_PER_INVOCATION requests: ~4.5 ms of signing, the rest of the 10 ms is
// margin for JSON, D1 round trips (I/O, not CPU) and the second RFC 9421 knock a host may need.
import type { Plan } from "../config.ts";

export type { Plan };

export interface ConsumerSettings {
  /** max_batch_size under [[queues.consumers]]. */
  max_batch_size: number;
  /** max_batch_timeout (s). */
  max_batch_timeout: number;
  /** max_concurrency; null leaves it out (Queues autoscales up to 250). */
  max_concurrency: number | null;
  max_retries: number;
}

export interface DailyBudget {
  queueOperations: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  durableObjectRequests: number;
}

export interface PlanLimits {
  plan: Plan;
  /** Inboxes per deliver message. */
  batchSize: number;
  /** The queue consumer's settings; `npm run deploy` writes them into wrangler.toml. */
  consumer: ConsumerSettings;
  /** No POST starts after this much of a consumer invocation or a Durable Object alarm. */
  sendDeadlineMs: number;
  /** Most POSTs one Durable Object alarm makes (a retry round, a fan-out chunk); the rest goes on the next alarm. */
  alarmSendMax: number;
  /**
   * A fan-out of more deliver batches than this is sent by FanoutSender Durable Objects on their
   * alarms (1 Durable Object request per batch) instead of deliver messages (3 queue operations
   * per batch). Infinity: always deliver messages.
   */
  senderAboveBatches: number;
  /** FanoutSender objects one fan-out is spread over (they send side by side). */
  senderShards: number;
  /** The plan's daily allowances (null: billed, no hard cap); the budget meter reads them. */
  daily: DailyBudget | null;
  /** Share of a daily budget after which bulk delivery waits for the next UTC day. */
  slowDownAt: number;
  /** Thread parents one `thread` job fetches (each a signed GET); the rest of the walk goes on in one more job. */
  threadFetchesPerJob: number;
  /**
   * Portability jobs (src/domain/aliases.ts, imports.ts): pages of an old account's followers
   * collection one `alias` job reads, and CSV rows one `import` job applies (a row costs a
   * WebFinger lookup, an actor GET and often a signed POST).
   */
  collectionPagesPerJob: number;
  importRowsPerJob: number;
  /**
   * Account archives (src/domain/archive-export.ts, archive-import.ts): posts one `archive` job
   * writes into outbox.json or imports from it, and the bytes of media it copies (each byte of an
   * export passes through the CRC-32); bench/archive.mjs measures both.
   */
  archivePostsPerJob: number;
  archiveBytesPerJob: number;
}

/** POSTs in flight at once: a Worker invocation (and a Durable Object) gets 6 open connections. */
export const MAX_CONNECTIONS = 6;

/** Mastodon gives a delivery 30 s in all (app/lib/request.rb). */
export const POST_TIMEOUT_MS = 30_000;

/** Signed POSTs one Free-plan invocation may make: 6 × ~0.75 ms of RSA, under 10 ms with margin. */
const FREE_INBOXES_PER_INVOCATION = 6;

const PLANS: Record<Plan, PlanLimits> = {
  free: {
    plan: "free",
    batchSize: FREE_INBOXES_PER_INVOCATION,
    // One message per invocation: the 10 ms are per invocation, not per message.
    consumer: { max_batch_size: 1, max_batch_timeout: 1, max_concurrency: 10, max_retries: 10 },
    // A Free invocation is cut by CPU long before wall time; the deadline only bounds a run of
    // unanswering servers (6 inboxes at 30 s each).
    sendDeadlineMs: 12 * 60_000,
    alarmSendMax: FREE_INBOXES_PER_INVOCATION,
    // Up to 3 batches (18 inboxes) a fan-out is queued (≤ 12 queue operations); above, alarms.
    senderAboveBatches: 3,
    senderShards: 4,
    daily: { queueOperations: 10_000, d1RowsRead: 5_000_000, d1RowsWritten: 100_000, durableObjectRequests: 100_000 },
    slowDownAt: 0.9,
    // 4 signed GETs ≈ 3 ms of RSA, leaving the 10 ms for parsing the documents and storing them.
    threadFetchesPerJob: 4,
    // Each page or row is one or two signed requests plus JSON: the same few per 10 ms invocation.
    collectionPagesPerJob: 4,
    importRowsPerJob: 3,
    // 100 posts ≈ 1.3 ms of JSON; 1 MiB of media ≈ 1.3 ms of CRC-32 plus reading the bytes out of
    // R2's body (bench/archive.mjs; the runtime's copy was ~4 ns a byte for a request body).
    archivePostsPerJob: 100,
    archiveBytesPerJob: 1024 * 1024,
  },
  paid: {
    plan: "paid",
    // 50 inboxes ≈ 40 ms of signing; ten messages per invocation stay far inside 30 s CPU and 10,000 subrequests.
    batchSize: 50,
    consumer: { max_batch_size: 10, max_batch_timeout: 1, max_concurrency: null, max_retries: 10 },
    // Consumers and alarms get 15 min of wall time; a run of unanswering servers at 30 s each could need more.
    sendDeadlineMs: 12 * 60_000,
    alarmSendMax: 10_000,
    senderAboveBatches: Number.POSITIVE_INFINITY,
    senderShards: 0,
    daily: null,
    slowDownAt: 1,
    threadFetchesPerJob: 10,
    collectionPagesPerJob: 20,
    importRowsPerJob: 25,
    archivePostsPerJob: 1000,
    archiveBytesPerJob: 64 * 1024 * 1024,
  },
};

export const PLAN_NAMES = Object.keys(PLANS) as Plan[];

export function limitsFor(plan: Plan): PlanLimits {
  return PLANS[plan];
}
