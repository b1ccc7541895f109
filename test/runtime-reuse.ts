// What a file in the shared workers runtime (vitest.config.ts: `isolate: false`) must not inherit
// from the files before it, and test/setup.ts cannot reset through a binding.
interface QueueWorker {
  queue?: (batch: MessageBatch, ...rest: unknown[]) => Promise<void>;
}

let fileStartedAt = 0;
const STALE = Symbol.for("roost.test.staleQueueFilter");

/**
 * A fresh runtime per file dropped the queue's unfinished messages (and their retries) with it;
 * in the shared runtime they would run in the next file, against its empty D1, and pile up. So the
 * consumer acks, without running, every message sent before the current file started.
 */
export function dropEarlierFilesMessages(worker: QueueWorker): void {
  fileStartedAt = Date.now();
  const target = worker as QueueWorker & { [STALE]?: true };
  if (target[STALE] || !target.queue) return;
  const consume = target.queue.bind(worker);
  target[STALE] = true;
  target.queue = async (batch, ...rest) => {
    const current = batch.messages.filter((m) => m.timestamp.getTime() >= fileStartedAt);
    for (const m of batch.messages) if (m.timestamp.getTime() < fileStartedAt) m.ack();
    if (current.length === batch.messages.length) return consume(batch, ...rest);
    if (current.length > 0) return consume({ ...batch, messages: current, queue: batch.queue, retryAll: batch.retryAll.bind(batch), ackAll: batch.ackAll.bind(batch) }, ...rest);
  };
}
