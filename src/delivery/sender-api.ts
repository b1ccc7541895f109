// What the fan-out asks of a FanoutSender Durable Object (src/runtime/fanout-sender.ts).
export interface SenderBatchInput {
  batch: number;
  inboxes: string[];
}

export interface FanoutSenderApi {
  add(activityId: string, batches: SenderBatchInput[]): Promise<void>;
  pending(): Promise<number>;
}
