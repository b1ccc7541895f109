// The queue consumer: routes each job to its handler with services built for that message; a
// handler that throws gets the message retried by Queues (and, past max_retries, parked in the
// dead-letter queue).
import type { Services } from "../services.ts";
import type { Job } from "./jobs.ts";
import { flushUsage } from "./metering.ts";

export type JobHandler<K extends Job["kind"]> = (job: Extract<Job, { kind: K }>, s: Services) => Promise<void>;

/**
 * Takes all of an invocation's messages of its kind at once, so they can share the invocation's
 * connections, and acks or retries each itself. If it throws, every one of them is retried.
 */
export interface BatchJobHandler<K extends Job["kind"]> {
  batch: (messages: Message<Extract<Job, { kind: K }>>[], s: Services) => Promise<void>;
}

export type JobHandlers = { [K in Job["kind"]]: JobHandler<K> | BatchJobHandler<K> };

function retryDelay(attempts: number): number {
  return Math.min(600, 10 * 2 ** attempts);
}

export async function consumeBatch(batch: MessageBatch<Job>, services: () => Services, handlers: JobHandlers): Promise<void> {
  const grouped = new Map<Job["kind"], Message<Job>[]>();
  for (const message of batch.messages) {
    const job = message.body;
    const handler = handlers[job.kind] as JobHandler<typeof job.kind> | BatchJobHandler<typeof job.kind> | undefined;
    if (!handler) {
      services().log("queue.unknown_job", { kind: (job as { kind?: unknown }).kind });
      message.ack();
      continue;
    }
    if (typeof handler !== "function") {
      grouped.set(job.kind, [...(grouped.get(job.kind) ?? []), message]);
      continue;
    }
    const s = services();
    try {
      await handler(job as never, s);
      message.ack();
    } catch (error) {
      s.log("queue.job_failed", { kind: job.kind, attempts: message.attempts, error: String(error) });
      message.retry({ delaySeconds: retryDelay(message.attempts) });
      s.usage.add({ queueOperations: 1 });
    }
    await flushUsage(s);
  }
  for (const [kind, messages] of grouped) {
    const s = services();
    try {
      await (handlers[kind] as BatchJobHandler<typeof kind>).batch(messages as never, s);
    } catch (error) {
      s.log("queue.batch_failed", { kind, messages: messages.length, error: String(error) });
      for (const message of messages) message.retry({ delaySeconds: retryDelay(message.attempts) });
      s.usage.add({ queueOperations: messages.length });
    }
    await flushUsage(s);
  }
}
