// The scheduled-posts Durable Object class: one object (named "owner") whose alarm is set for the
// earliest scheduled post. The work is publishDueStatuses (src/domain/posts/scheduled.ts); D1
// holds the posts, the object holds nothing but its alarm.
import { DurableObject } from "cloudflare:workers";
import { metered } from "../delivery/metering.ts";
import { publishDueStatuses } from "../domain/posts/scheduled.ts";
import { createServices, type ServiceBindings } from "./services.ts";

export class PostScheduler extends DurableObject<ServiceBindings> {
  /** Makes sure the alarm fires by `at` (an earlier alarm stays: it re-arms for the rest when it runs). */
  async wake(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  /** Publishes what is due at `now` and sets the alarm for the next (the alarm's work; tests call it with a moved clock). */
  publishDue(now?: number): Promise<void> {
    return metered(createServices(this.env), (s) => this.run(s, now ?? s.now()));
  }

  override async alarm(): Promise<void> {
    const s = createServices(this.env);
    s.usage.add({ durableObjectRequests: 1 });
    await metered(s, (services) => this.run(services, services.now()));
  }

  private async run(s: ReturnType<typeof createServices>, now: number): Promise<void> {
    const next = await publishDueStatuses(s, now);
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
