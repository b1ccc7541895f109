// The per-server Durable Object class: storage and services per call; the logic is HostDeliveries
// (src/delivery/host.ts).
import { DurableObject } from "cloudflare:workers";
import { type Clock, HostDeliveries } from "../delivery/host.ts";
import type { DeliveryHostApi, FailedDelivery, HostStatus } from "../delivery/host-api.ts";
import { metered } from "../delivery/metering.ts";
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
    return metered(createServices(this.env), (s) => this.deliveries.recordFailures(s, host, activityId, activityType, failures));
  }

  enqueue(host: string, activityId: string, activityType: string, inboxes: string[]): Promise<void> {
    return metered(createServices(this.env), (s) => this.deliveries.enqueue(s, host, activityId, activityType, inboxes));
  }

  markAlive(): Promise<void> {
    return metered(createServices(this.env), (s) => this.deliveries.markAlive(s));
  }

  retryNow(activityId: string | null): Promise<number> {
    return metered(createServices(this.env), (s) => this.deliveries.retryNow(s, activityId));
  }

  async status(query: { activityId: string } | { recent: number }): Promise<HostStatus> {
    return this.deliveries.status(query);
  }

  /** Tries what is due at `now` (the alarm's work; tests call it with a moved clock). */
  retryDue(now?: number): Promise<void> {
    return metered(createServices(this.env), (s) => this.deliveries.retryDue(s, now));
  }

  override async alarm(): Promise<void> {
    const s = createServices(this.env);
    s.usage.add({ durableObjectRequests: 1 });
    await metered(s, (s) => this.deliveries.retryDue(s));
  }
}
