// The queue consumer: routes each job to its handler; a handler that throws gets the message
// retried by Queues (and, past max_retries, parked in the dead-letter queue).
import type { Env } from "../config.ts";
import type { Job } from "./jobs.ts";

export type JobHandler<K extends Job["kind"]> = (job: Extract<Job, { kind: K }>, env: Env) => Promise<void>;

export type JobHandlers = { [K in Job["kind"]]: JobHandler<K> };

export async function consumeBatch(batch: MessageBatch<Job>, env: Env, handlers: JobHandlers): Promise<void> {
  for (const message of batch.messages) {
    const job = message.body;
    const handler = handlers[job.kind] as JobHandler<typeof job.kind> | undefined;
    if (!handler) {
      console.log(JSON.stringify({ event: "queue.unknown_job", kind: (job as { kind?: unknown }).kind }));
      message.ack();
      continue;
    }
    try {
      await handler(job as never, env);
      message.ack();
    } catch (error) {
      console.log(
        JSON.stringify({ event: "queue.job_failed", kind: job.kind, attempts: message.attempts, error: String(error) }),
      );
      message.retry({ delaySeconds: Math.min(600, 10 * 2 ** message.attempts) });
    }
  }
}
