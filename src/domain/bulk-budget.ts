// Bulk jobs the owner starts (reading an old account's followers, CSV imports) spend the same daily
// allowances as delivery. Past the plan's slow-down share of one, such a job is put back on the
// queue for the next UTC day instead of running, so an import of 20,000 follows cannot starve
// the node's own deliveries (src/delivery/limits.ts, src/delivery/usage.ts).
import type { Job } from "../delivery/jobs.ts";
import { limitsFor } from "../delivery/limits.ts";
import { nextUtcDay, overBudget } from "../delivery/usage.ts";
import type { Services } from "../services.ts";

/** Queues' longest delay. */
const MAX_DELAY_S = 43_200;

/** True when the job was put back for later (the caller stops); false when it may run now. */
export async function waitForBudget(s: Services, job: Job): Promise<boolean> {
  const now = s.now();
  const over = await overBudget(s.db, limitsFor(s.config.plan), now);
  if (!over) return false;
  const delaySeconds = Math.min(MAX_DELAY_S, Math.max(60, Math.ceil((nextUtcDay(now) - now) / 1000)));
  await s.jobs.send(job, { delaySeconds });
  s.log("bulk.budget_paused", { kind: job.kind, budget: over, delaySeconds });
  return true;
}
