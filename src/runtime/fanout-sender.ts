// The fan-out sender Durable Object class: storage and services per call; the logic is
// SenderBatches (src/delivery/sender.ts).
import { DurableObject } from "cloudflare:workers";
import { SenderBatches } from "../delivery/sender.ts";
import type { FanoutSenderApi, SenderBatchInput } from "../delivery/sender-api.ts";
import { metered } from "../delivery/metering.ts";
import { createServices, type ServiceBindings } from "./services.ts";

export class FanoutSender extends DurableObject<ServiceBindings> implements FanoutSenderApi {
  private readonly batches: SenderBatches;

  constructor(ctx: DurableObjectState, env: ServiceBindings) {
    super(ctx, env);
    this.batches = new SenderBatches(ctx.storage);
  }

  add(activityId: string, batches: SenderBatchInput[]): Promise<void> {
    return this.batches.add(activityId, batches);
  }

  async pending(): Promise<number> {
    return this.batches.pending();
  }

  override async alarm(): Promise<void> {
    const s = createServices(this.env);
    s.usage.add({ durableObjectRequests: 1 });
    await metered(s, (services) => this.batches.sendNext(services));
  }
}
