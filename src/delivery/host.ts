// One Durable Object per remote server (named by host) holding that server's retry state in its
// own SQLite: pending deliveries in order, attempts, next attempt, last status and error, and the
// days it failed. Its alarm retries with Mastodon's backoff. Deliveries to one inbox go in order:
// one is tried only when every earlier one to that inbox was delivered or given up, so a Create is
// never overtaken by its own Update or Delete.
//
// The Durable Object class itself (src/runtime/delivery-host.ts) only holds this state and builds
// the services for each call; everything it does is here.
import { eq } from "drizzle-orm";
import {
  forgetDeliveryFailure,
  type HostState,
  hostState,
  publishHostState,
  recordDeliveryFailures,
  rememberScheme,
  removeFollowersAt,
  rfc9421Hosts,
} from "../db/queries/delivery.ts";
import { activities } from "../db/schema.ts";
import type { SignatureScheme, SigningKey } from "../federation/signatures/index.ts";
import { UNAVAILABLE_AFTER_DAYS, classifyStatus, dayKey, nextAttemptAt } from "./backoff.ts";
import type { Services } from "../services.ts";
import type { FailedDelivery, HostStatus } from "./host-api.ts";
import { limitsFor, MAX_CONNECTIONS } from "./limits.ts";
import { mapLimited, postActivity } from "./post.ts";
import { pausedForBudget } from "./metering.ts";

type Row = {
  seq: number;
  activity_id: string;
  activity_type: string;
  inbox: string;
  state: "pending" | "given_up";
  attempts: number;
  next_at: number | null;
  last_status: number | null;
  last_error: string | null;
};

// Mastodon still sends Follows to unavailable servers (DeliveryWorker's bypass_availability).
const KEPT_WHEN_UNAVAILABLE = "'Follow'";
const STATUS_LIMIT = 500;

export interface Clock {
  now(): number;
  random(): number;
}

/** What one retry round shares across its inboxes. */
interface Round {
  s: Services;
  key: SigningKey;
  host: string;
  now: number;
  scheme: SignatureScheme;
  bodies: Map<string, Promise<Uint8Array | null>>;
}

/** One server's deliveries in its Durable Object's SQLite; every method takes the call's services. */
export class HostDeliveries {
  private readonly sql: SqlStorage;
  /** Time and jitter; tests replace them to move days ahead. */
  clock: Clock = { now: () => Date.now(), random: () => Math.random() };

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, activity_id TEXT NOT NULL, activity_type TEXT NOT NULL, inbox TEXT NOT NULL,
      state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER, last_status INTEGER, last_error TEXT,
      UNIQUE (activity_id, inbox))`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS deliveries_lane ON deliveries (state, inbox, seq)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS failure_days (day TEXT PRIMARY KEY)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  /**
   * Failures of a first attempt, from a deliver message: retried later, or given up with the
   * reason. Keyed by activity and inbox, so a handover repeated by a redelivered message is a no-op.
   */
  async recordFailures(s: Services, host: string, activityId: string, activityType: string, failures: FailedDelivery[]): Promise<void> {
    this.setMeta("host", host);
    const now = this.clock.now();
    const db = s.db;
    for (const f of failures) {
      const retry = classifyStatus(f.status ?? undefined) === "retry";
      this.sql.exec(
        `INSERT OR IGNORE INTO deliveries (activity_id, activity_type, inbox, state, attempts, next_at, last_status, last_error)
         VALUES (?, ?, ?, ?, 1, ?, ?, ?)`,
        activityId,
        activityType,
        f.inbox,
        retry ? "pending" : "given_up",
        retry ? nextAttemptAt(1, now, this.clock.random) : null,
        f.status,
        retry ? f.error : `permanent failure: ${f.error}`,
      );
      if (retry) this.failedOn(now);
      if (f.status === 410) await this.removeGoneFollowers(s, f.inbox);
    }
    await recordDeliveryFailures(db, activityId, host, failures.map((f) => f.inbox));
    await this.settle(s, now);
  }

  /** Deliveries for a server with a backlog: they go after what already waits for the same inbox. */
  async enqueue(s: Services, host: string, activityId: string, activityType: string, inboxes: string[]): Promise<void> {
    this.setMeta("host", host);
    const now = this.clock.now();
    for (const inbox of inboxes) {
      this.sql.exec(
        "INSERT OR IGNORE INTO deliveries (activity_id, activity_type, inbox, state, attempts, next_at) VALUES (?, ?, ?, 'pending', 0, ?)",
        activityId,
        activityType,
        inbox,
        now,
      );
    }
    await recordDeliveryFailures(s.db, activityId, host, inboxes);
    await this.settle(s, now);
  }

  /** The server delivered to us: it is available again, and what waits for it is tried now. */
  async markAlive(s: Services): Promise<void> {
    const now = this.clock.now();
    this.sql.exec("DELETE FROM failure_days");
    this.sql.exec("UPDATE deliveries SET next_at = ? WHERE state = 'pending' AND next_at > ?", now, now);
    await this.settle(s, now);
  }

  /**
   * The owner's "retry now": the deliveries of one activity, pending or given up, or (null) every
   * pending delivery of this server, are due at once and the alarm tries them; a server's old
   * given-up deliveries are re-queued only one activity at a time, by choice. Asking is the owner
   * vouching for the server, so its failure days are cleared as when it delivers to us (else an
   * unavailable server would give them up again at once). Attempts are kept: the backoff goes on
   * from there. Returns how many were re-queued.
   */
  async retryNow(s: Services, activityId: string | null): Promise<number> {
    const now = this.clock.now();
    const where = activityId === null ? " WHERE state = 'pending'" : " WHERE activity_id = ?";
    const binds = activityId === null ? [] : [activityId];
    const n = this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM deliveries${where}`, ...binds).one().n;
    if (n === 0) return 0;
    this.sql.exec("DELETE FROM failure_days");
    this.sql.exec(`UPDATE deliveries SET state = 'pending', next_at = ?${where}`, now, ...binds);
    await this.settle(s, now);
    return n;
  }

  /** The deliveries of one activity, or the most recent ones. */
  status(query: { activityId: string } | { recent: number }): HostStatus {
    const select = `SELECT d.*, CASE WHEN d.state = 'pending' THEN
        (SELECT count(*) FROM deliveries e WHERE e.state = 'pending' AND e.inbox = d.inbox AND e.seq < d.seq) ELSE 0 END AS waiting_behind
      FROM deliveries d`;
    const rows = (
      "activityId" in query
        ? this.sql.exec<Row & { waiting_behind: number }>(`${select} WHERE d.activity_id = ? ORDER BY d.seq`, query.activityId)
        : this.sql.exec<Row & { waiting_behind: number }>(`${select} ORDER BY d.seq DESC LIMIT ?`, Math.min(query.recent, STATUS_LIMIT))
    ).toArray();
    const failureDays = this.sql.exec<{ day: string }>("SELECT day FROM failure_days ORDER BY day").toArray().map((r) => r.day);
    const counts = this.sql.exec<{ state: string; n: number }>("SELECT state, count(*) AS n FROM deliveries GROUP BY state").toArray();
    const count = (state: string) => counts.find((c) => c.state === state)?.n ?? 0;
    return {
      host: this.getMeta("host") ?? "",
      unavailable: failureDays.length >= UNAVAILABLE_AFTER_DAYS,
      failureDays,
      pending: count("pending"),
      givenUp: count("given_up"),
      nextAttemptAt: this.nextAlarm(),
      deliveries: rows.map((r) => ({
        activityId: r.activity_id,
        activityType: r.activity_type,
        inbox: r.inbox,
        state: r.state,
        attempts: r.attempts,
        nextAttemptAt: r.next_at,
        waitingBehind: r.waiting_behind,
        lastStatus: r.last_status,
        lastError: r.last_error,
      })),
    };
  }

  /**
   * Tries what is due at `now`: inboxes side by side (six at a time), each inbox's deliveries in
   * order until one fails in a way worth retrying. Nothing starts past the plan's sendDeadlineMs,
   * so the alarm ends inside its 15 minutes, and no more than its alarmSendMax POSTs start (6 on
   * the Free plan: 10 ms CPU per alarm); what is left is due at once and runs on the next alarm.
   */
  async retryDue(s: Services, now = this.clock.now()): Promise<void> {
    const started = Date.now();
    const lanes = new Map<string, Row[]>();
    for (const row of this.sql.exec<Row>("SELECT * FROM deliveries WHERE state = 'pending' ORDER BY seq")) {
      lanes.set(row.inbox, [...(lanes.get(row.inbox) ?? []), row]);
    }
    const due = [...lanes.values()].filter((lane) => (lane[0]!.next_at ?? 0) <= now);
    if (due.length > 0) {
      // Near the end of a daily allowance the retries wait for the next UTC day: nothing is given up for it.
      if (await pausedForBudget(s, this.storage, now, this.clock.random, "delivery.over_budget", { host: this.getMeta("host") ?? "", due: due.length })) return;
      const host = this.getMeta("host") ?? "";
      const round: Round = {
        s,
        key: await s.signingKey(),
        host,
        now,
        scheme: (await rfc9421Hosts(s.db, [host])).has(host) ? "rfc9421" : "draft-cavage",
        bodies: new Map(),
      };
      const { sendDeadlineMs, alarmSendMax } = limitsFor(s.config.plan);
      let posts = 0;
      await mapLimited(due, MAX_CONNECTIONS, async (lane) => {
        for (const row of lane) {
          if ((row.next_at ?? 0) > now || Date.now() - started >= sendDeadlineMs || posts >= alarmSendMax) return;
          posts++;
          if (!(await this.attempt(round, row))) return;
        }
      });
    }
    await this.settle(s, now);
  }

  /** One POST of a pending delivery and what follows from the answer; false when its inbox must wait. */
  private async attempt(round: Round, row: Row): Promise<boolean> {
    const { s, host, now } = round;
    if (!round.bodies.has(row.activity_id)) round.bodies.set(row.activity_id, this.activityBody(s, row.activity_id));
    const body = await round.bodies.get(row.activity_id);
    if (!body) {
      this.giveUp(row.seq, row.attempts, null, "the activity no longer exists");
      return true;
    }
    const result = await postActivity(row.inbox, body, round.key, s.fetcher.policy, round.scheme);
    const attempts = row.attempts + 1;
    const outcome = classifyStatus(result.status);
    if (outcome === "delivered") {
      this.sql.exec("DELETE FROM deliveries WHERE seq = ?", row.seq);
      this.sql.exec("DELETE FROM failure_days");
      if (result.scheme !== round.scheme) {
        round.scheme = result.scheme;
        await rememberScheme(s.db, host, result.scheme);
      }
      await forgetDeliveryFailure(s.db, row.activity_id, row.inbox);
      return true;
    }
    const error = result.error ?? "no answer";
    if (result.status === 410) await this.removeGoneFollowers(s, row.inbox);
    if (outcome === "permanent") {
      this.giveUp(row.seq, attempts, result.status ?? null, `permanent failure: ${error}`);
      return true;
    }
    this.failedOn(now);
    const next = nextAttemptAt(attempts, now, this.clock.random);
    if (next === null) {
      this.giveUp(row.seq, attempts, result.status ?? null, `gave up after ${attempts} attempts: ${error}`);
    } else {
      this.sql.exec(
        "UPDATE deliveries SET attempts = ?, next_at = ?, last_status = ?, last_error = ? WHERE seq = ?",
        attempts,
        next,
        result.status ?? null,
        error,
        row.seq,
      );
    }
    return false;
  }

  private async activityBody(s: Services, activityId: string): Promise<Uint8Array | null> {
    const [row] = await s.db.select({ document: activities.document }).from(activities).where(eq(activities.id, activityId)).limit(1);
    return row ? new TextEncoder().encode(row.document) : null;
  }

  private async removeGoneFollowers(s: Services, inbox: string): Promise<void> {
    const removed = await removeFollowersAt(s.db, inbox);
    if (removed > 0) s.log("delivery.follower_gone", { inbox, removed });
  }

  private failedOn(now: number) {
    this.sql.exec("INSERT OR IGNORE INTO failure_days VALUES (?)", dayKey(now));
  }

  private giveUp(seq: number, attempts: number, status: number | null, reason: string) {
    this.sql.exec(
      "UPDATE deliveries SET state = 'given_up', attempts = ?, next_at = NULL, last_status = ?, last_error = ? WHERE seq = ?",
      attempts,
      status,
      reason,
      seq,
    );
  }

  /** The earliest next attempt among the first pending delivery of each inbox. */
  private nextAlarm(): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        `SELECT min(d.next_at) AS at FROM deliveries d WHERE d.state = 'pending'
         AND d.seq = (SELECT min(e.seq) FROM deliveries e WHERE e.state = 'pending' AND e.inbox = d.inbox)`,
      )
      .one().at;
  }

  /**
   * After every change: gives up what an unavailable server would never get, publishes the
   * server's state to D1 when it changed (fan-out reads it), and arms the alarm.
   */
  private async settle(s: Services, now: number): Promise<void> {
    const days = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM failure_days").one().n;
    if (days >= UNAVAILABLE_AFTER_DAYS) {
      this.sql.exec(
        `UPDATE deliveries SET state = 'given_up', next_at = NULL,
         last_error = ? || coalesce(' (last error: ' || last_error || ')', '')
         WHERE state = 'pending' AND activity_type NOT IN (${KEPT_WHEN_UNAVAILABLE})`,
        `server unavailable: failed on ${days} distinct days`,
      );
    }
    const next = this.nextAlarm();
    const state: HostState | null = days >= UNAVAILABLE_AFTER_DAYS ? "unavailable" : next !== null ? "backlog" : null;
    if ((this.getMeta("published") ?? "none") !== (state ?? "none")) {
      await publishHostState(s.db, this.getMeta("host") ?? "", state, now);
      this.setMeta("published", state ?? "none");
    }
    if (next !== null) await this.storage.setAlarm(next);
    else await this.storage.deleteAlarm();
  }

  private getMeta(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  private setMeta(key: string, value: string) {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }
}

/**
 * A server delivered to us. Only an unavailable mark needs clearing, so this is one D1 read (none
 * when the caller read `known` already, as the inbox does with its insert) and, for a server
 * marked unavailable, one Durable Object request.
 */
export async function markHostAlive(s: Services, host: string, known?: HostState | null): Promise<void> {
  const state = known === undefined ? await hostState(s.db, host) : known;
  if (state === "unavailable") await s.deliveryHost(host).markAlive();
}
