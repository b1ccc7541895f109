// The per-server Durable Object class: storage and services per call; the logic is HostDeliveries
// (src/delivery/host.ts).
import { DurableObject } from "cloudflare:workers";
import { type Clock, HostDeliveries } from "../delivery/host.ts";
import type { DeliveryHostApi, FailedDelivery, HostStatus } from "../delivery/host-api.ts";
import { createServices, type ServiceBindings } from "./services.ts";

export class DeliveryHost extends DurableObject<ServiceBindings> implements DeliveryHostApi {
  private readonly deliveries: HostDeliveries;

  constructor(ctx: DurableObjectState, env: ServiceBindings) {
    super(ctx, env);
    this.deliveries = new HostDeliveries(ctx.storage);
  }

  /** Time and jitter; tests replace them to move days ahead. */
  get clock(): Clock {
    return this.deliveries.clock;
  }

  set clock(clock: Clock) {
    this.deliveries.clock = clock;
  }

  recordFailures(host: string, activityId: string, activityType: string, failures: FailedDelivery[]): Promise<void> {
    return this.deliveries.recordFailures(createServices(this.env), host, activityId, activityType, failures);
  }

  enqueue(host: string, activityId: string, activityType: string, inboxes: string[]): Promise<void> {
    return this.deliveries.enqueue(createServices(this.env), host, activityId, activityType, inboxes);
  }

  markAlive(): Promise<void> {
    return this.deliveries.markAlive(createServices(this.env));
  }

  async status(query: { activityId: string } | { recent: number }): Promise<HostStatus> {
    return this.deliveries.status(query);
  }

  /** Tries what is due at `now` (the alarm's work; tests call it with a moved clock). */
  retryDue(now?: number): Promise<void> {
    return this.deliveries.retryDue(createServices(this.env), now);
  }

  override async alarm(): Promise<void> {
    await this.retryDue();
  }
}
