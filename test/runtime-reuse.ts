// @cloudflare/vitest-pool-workers 0.23 wraps the module runner's transport in one more
// runInRunnerObject() each time vitest hands it the runner, which with `isolate: false` is once per
// test file: by the 40th file every module fetch made 40 Durable Object hops (docs/testing.md).
// The runner is the same object for every file, so the first wrap is all it needs: keep that one
// and ignore later assignments.
interface Transport {
  invoke: unknown;
}

export function keepOneTransportWrap(): void {
  const mocker = (globalThis as { __vitest_mocker__?: { moduleRunner?: { transport?: Transport } } }).__vitest_mocker__;
  const transport = mocker?.moduleRunner?.transport;
  if (!transport || Object.getOwnPropertyDescriptor(transport, "invoke")?.get) return;
  const wrapped = transport.invoke;
  Object.defineProperty(transport, "invoke", { get: () => wrapped, set: () => {}, configurable: true });
}

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
    (globalThis as { __staleDropped?: number }).__staleDropped = ((globalThis as { __staleDropped?: number }).__staleDropped ?? 0) + batch.messages.length - current.length;
    if (current.length === batch.messages.length) return consume(batch, ...rest);
    if (current.length > 0) return consume({ ...batch, messages: current, queue: batch.queue, retryAll: batch.retryAll.bind(batch), ackAll: batch.ackAll.bind(batch) }, ...rest);
  };
}
