// A deliver job: sign and POST one activity to up to BATCH_SIZE inboxes, six at a time.
// Successes write nothing; every failure goes to its server's Durable Object, which retries
// it or records why it gave up.
import { eq, inArray } from "drizzle-orm";
import type { Env } from "../config.ts";
import { activities, signatureSchemes } from "../db/schema.ts";
import { classifyStatus } from "./backoff.ts";
import { deliveryContext } from "./context.ts";
import type { Job } from "./jobs.ts";
import { mapLimited, postActivity } from "./post.ts";

export const MAX_CONNECTIONS = 6;

export async function runDeliver(job: Extract<Job, { kind: "deliver" }>, env: Env): Promise<void> {
  const ctx = await deliveryContext(env);
  const [row] = await ctx.db.select({ document: activities.document }).from(activities).where(eq(activities.id, job.activityId)).limit(1);
  if (!row) {
    console.log(JSON.stringify({ event: "deliver.missing_activity", activityId: job.activityId }));
    return;
  }
  const body = new TextEncoder().encode(row.document);
  const hosts = [...new Set(job.inboxes.map((i) => new URL(i).host))];
  const rfc9421Hosts = new Set(
    (await ctx.db.select({ host: signatureSchemes.host }).from(signatureSchemes).where(inArray(signatureSchemes.host, hosts.slice(0, 90)))).map(
      (r) => r.host,
    ),
  );
  const results = await mapLimited(job.inboxes, MAX_CONNECTIONS, (inbox) =>
    postActivity(inbox, body, ctx.key, ctx.fetch.policy, rfc9421Hosts.has(new URL(inbox).host) ? "rfc9421" : "draft-cavage"),
  );
  const learned = results.filter((r) => r.scheme === "rfc9421" && classifyStatus(r.status) === "delivered" && !rfc9421Hosts.has(new URL(r.inbox).host));
  if (learned.length > 0) {
    await ctx.db
      .insert(signatureSchemes)
      .values([...new Set(learned.map((r) => new URL(r.inbox).host))].map((host) => ({ host, scheme: "rfc9421" as const })))
      .onConflictDoNothing();
  }
  const failed = results.filter((r) => classifyStatus(r.status) !== "delivered");
  const byHost = new Map<string, typeof failed>();
  for (const f of failed) {
    const host = new URL(f.inbox).host;
    byHost.set(host, [...(byHost.get(host) ?? []), f]);
  }
  for (const [host, failures] of byHost) {
    await env.DELIVERY_HOST.get(env.DELIVERY_HOST.idFromName(host)).recordFailures(
      host,
      job.activityId,
      failures.map((f) => ({ inbox: f.inbox, status: f.status ?? null, error: f.error ?? "unknown error" })),
    );
  }
  console.log(
    JSON.stringify({ event: "deliver.batch", activityId: job.activityId, posted: results.length, failed: failed.length }),
  );
}
