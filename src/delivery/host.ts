// One Durable Object per remote server (named by host) holding that server's delivery retry
// state in its own SQLite: pending deliveries in order, attempts, next attempt, last status and
// error, and the days it failed. Its alarm retries with Mastodon's backoff.
import { DurableObject } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import type { Env } from "../config.ts";
import { database } from "../db/client.ts";
import { activities, deliveryFailures, deliveryHosts, followers } from "../db/schema.ts";
import { MAX_RETRIES, UNAVAILABLE_AFTER_DAYS, classifyStatus, dayKey, retryDelayMs } from "./backoff.ts";
import { deliveryContext } from "./context.ts";
import { postActivity } from "./post.ts";

export interface FailedDelivery {
  inbox: string;
  status: number | null;
  error: string;
}

export interface DeliveryRecord {
  activityId: string;
  inbox: string;
  state: "pending" | "given_up";
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
}

export interface HostStatus {
  host: string;
  unavailable: boolean;
  failureDays: string[];
  deliveries: DeliveryRecord[];
}

type Row = {
  seq: number;
  activity_id: string;
  inbox: string;
  state: "pending" | "given_up";
  attempts: number;
  next_at: number | null;
  last_status: number | null;
  last_error: string | null;
};

export class DeliveryHost extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, activity_id TEXT NOT NULL, inbox TEXT NOT NULL,
      state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER, last_status INTEGER, last_error TEXT,
      UNIQUE (activity_id, inbox))`);
    this.sql.exec("CREATE TABLE IF NOT EXISTS failure_days (day TEXT PRIMARY KEY)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  private get host(): string {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'host'").toArray()[0]?.value ?? "";
  }

  private remember(host: string) {
    this.sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('host', ?)", host);
  }

  /** Failures from a deliver batch: retried later, or given up with their reason. */
  async recordFailures(host: string, activityId: string, failures: FailedDelivery[], now = Date.now()): Promise<void> {
    this.remember(host);
    const db = (await deliveryContext(this.env)).db;
    for (const f of failures) {
      const outcome = classifyStatus(f.status ?? undefined);
      const givenUp = outcome === "permanent";
      this.sql.exec(
        `INSERT OR IGNORE INTO deliveries (activity_id, inbox, state, attempts, next_at, last_status, last_error)
         VALUES (?, ?, ?, 1, ?, ?, ?)`,
        activityId,
        f.inbox,
        givenUp ? "given_up" : "pending",
        givenUp ? null : now + retryDelayMs(0),
        f.status,
        givenUp ? `permanent failure: ${f.error}` : f.error,
      );
      if (f.status === 410) await db.delete(followers).where(eq(followers.inbox, f.inbox));
    }
    await db
      .insert(deliveryFailures)
      .values(failures.map((f) => ({ activityId, inbox: f.inbox, host })))
      .onConflictDoNothing();
    if (failures.some((f) => classifyStatus(f.status ?? undefined) === "retry")) this.sql.exec("INSERT OR IGNORE INTO failure_days VALUES (?)", dayKey(now));
    await this.settle(now);
  }

  /** New deliveries for a server that has a backlog: they wait behind it, so order holds. */
  async enqueue(host: string, activityId: string, inboxes: string[], now = Date.now()): Promise<void> {
    this.remember(host);
    for (const inbox of inboxes) {
      this.sql.exec(
        "INSERT OR IGNORE INTO deliveries (activity_id, inbox, state, attempts, next_at) VALUES (?, ?, 'pending', 0, ?)",
        activityId,
        inbox,
        now,
      );
    }
    await (await deliveryContext(this.env)).db
      .insert(deliveryFailures)
      .values(inboxes.map((inbox) => ({ activityId, inbox, host })))
      .onConflictDoNothing();
    await this.settle(now);
  }

  /** The server delivered to us or accepted a delivery: it is available again. */
  async markAlive(now = Date.now()): Promise<void> {
    this.sql.exec("DELETE FROM failure_days");
    this.sql.exec("UPDATE deliveries SET next_at = ? WHERE state = 'pending'", now);
    await this.settle(now);
  }

  async status(activityId?: string): Promise<HostStatus> {
    const rows = (
      activityId
        ? this.sql.exec<Row>("SELECT * FROM deliveries WHERE activity_id = ? ORDER BY seq", activityId)
        : this.sql.exec<Row>("SELECT * FROM deliveries ORDER BY seq LIMIT 500")
    ).toArray();
    const failureDays = this.sql.exec<{ day: string }>("SELECT day FROM failure_days ORDER BY day").toArray().map((r) => r.day);
    return {
      host: this.host,
      unavailable: failureDays.length >= UNAVAILABLE_AFTER_DAYS,
      failureDays,
      deliveries: rows.map((r) => ({
        activityId: r.activity_id,
        inbox: r.inbox,
        state: r.state,
        attempts: r.attempts,
        nextAttemptAt: r.next_at,
        lastStatus: r.last_status,
        lastError: r.last_error,
      })),
    };
  }

  override async alarm(): Promise<void> {
    await this.retryDue(Date.now());
  }

  /** Retries what is due, oldest first; a delivery never overtakes an earlier one to the same inbox. */
  async retryDue(now: number): Promise<void> {
    const ctx = await deliveryContext(this.env);
    const due = this.sql.exec<Row>("SELECT * FROM deliveries WHERE state = 'pending' ORDER BY seq").toArray();
    const blocked = new Set<string>();
    const documents = new Map<string, Uint8Array | null>();
    for (const row of due) {
      if (blocked.has(row.inbox)) continue;
      if ((row.next_at ?? 0) > now) {
        blocked.add(row.inbox);
        continue;
      }
      if (!documents.has(row.activity_id)) {
        const [activity] = await ctx.db.select({ document: activities.document }).from(activities).where(eq(activities.id, row.activity_id));
        documents.set(row.activity_id, activity ? new TextEncoder().encode(activity.document) : null);
      }
      const body = documents.get(row.activity_id);
      if (!body) {
        this.giveUp(row.seq, null, "the activity no longer exists");
        continue;
      }
      const result = await postActivity(row.inbox, body, ctx.key, ctx.fetch.policy);
      const outcome = classifyStatus(result.status);
      if (outcome === "delivered") {
        this.sql.exec("DELETE FROM deliveries WHERE seq = ?", row.seq);
        this.sql.exec("DELETE FROM failure_days");
        await ctx.db.delete(deliveryFailures).where(and(eq(deliveryFailures.activityId, row.activity_id), eq(deliveryFailures.inbox, row.inbox)));
        continue;
      }
      blocked.add(row.inbox);
      if (result.status === 410) await ctx.db.delete(followers).where(eq(followers.inbox, row.inbox));
      if (outcome === "permanent") {
        this.giveUp(row.seq, result.status ?? null, `permanent failure: ${result.error ?? "unknown"}`);
      } else if (row.attempts > MAX_RETRIES) {
        this.giveUp(row.seq, result.status ?? null, `gave up after ${row.attempts} attempts: ${result.error ?? "unknown"}`);
      } else {
        this.sql.exec("INSERT OR IGNORE INTO failure_days VALUES (?)", dayKey(now));
        this.sql.exec(
          "UPDATE deliveries SET attempts = attempts + 1, next_at = ?, last_status = ?, last_error = ? WHERE seq = ?",
          now + retryDelayMs(row.attempts),
          result.status ?? null,
          result.error ?? "unknown error",
          row.seq,
        );
      }
    }
    await this.settle(now);
  }

  private giveUp(seq: number, status: number | null, reason: string) {
    this.sql.exec("UPDATE deliveries SET state = 'given_up', next_at = NULL, last_status = ?, last_error = ? WHERE seq = ?", status, reason, seq);
  }

  /** Publishes this server's state to D1 (so fan-out queues behind a backlog) and arms the alarm. */
  private async settle(now: number): Promise<void> {
    const db = (await deliveryContext(this.env)).db;
    const host = this.host;
    const next = this.sql.exec<{ at: number | null }>("SELECT min(next_at) AS at FROM deliveries WHERE state = 'pending'").toArray()[0]?.at;
    const days = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM failure_days").toArray()[0]?.n ?? 0;
    const state = days >= UNAVAILABLE_AFTER_DAYS ? "unavailable" : next != null ? "backlog" : null;
    if (state) {
      await db.insert(deliveryHosts).values({ host, state, since: now }).onConflictDoUpdate({ target: deliveryHosts.host, set: { state } });
    } else {
      await db.delete(deliveryHosts).where(eq(deliveryHosts.host, host));
    }
    if (next != null) await this.ctx.storage.setAlarm(Math.max(next, now));
    else await this.ctx.storage.deleteAlarm();
  }
}

/** Called when a server delivers to us: clears its unavailable mark, if it has one (cheap otherwise). */
export async function markHostAlive(env: Env, host: string): Promise<void> {
  const [row] = await database(env.DB).select().from(deliveryHosts).where(eq(deliveryHosts.host, host));
  if (row) await env.DELIVERY_HOST.get(env.DELIVERY_HOST.idFromName(host)).markAlive();
}
