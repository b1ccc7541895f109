// The Workers limits delivery is sized for, in one place.
//
// Paid plan (the defaults): 30 s CPU, 10,000 subrequests and 15 min wall time per queue
// invocation. A deliver message of 50 inboxes costs ~40 ms of RSA signing, and ten of them (the
// consumer's max_batch_size in wrangler.toml) stay far inside every limit. A post to 2,000 servers
// is 40 deliver messages: 1 fanout + 40 deliver messages = 123 queue operations.
//
// Free plan: 10 ms CPU and 50 external subrequests per invocation. One RSA signature costs
// ~0.75 ms, so set BATCH_SIZE to 8 here AND `max_batch_size = 1` under [[queues.consumers]] in
// wrangler.toml, so that one invocation signs at most 8 requests.

/** Inboxes per deliver message. */
export const BATCH_SIZE = 50;

/** POSTs in flight at once: a Worker invocation (and a Durable Object) gets 6 open connections. */
export const MAX_CONNECTIONS = 6;

/** Mastodon gives a delivery 30 s in all (app/lib/request.rb). */
export const POST_TIMEOUT_MS = 30_000;

/**
 * No POST starts after this much of a consumer invocation or a Durable Object alarm has passed:
 * both get 15 min of wall time, and a run of unanswering servers at 30 s each could need more.
 * What a consumer leaves goes to the servers' Durable Objects; what an alarm leaves runs on the next.
 */
export const SEND_DEADLINE_MS = 12 * 60_000;
