// Fan-out Durable Objects: on the Free plan a large fan-out's deliver batches are not queue
// messages (3 queue operations each, of 10,000 a day) but rows in a few FanoutSender objects'
// SQLite, each sent on an alarm (1 Durable Object request each, of 100,000 a day). An alarm sends
// one batch — the plan's batchSize inboxes, inside 10 ms CPU — exactly as a deliver message is sent
// (deliverMessages: failures to the servers' Durable Objects, the batch marked done in D1), then
// re-arms itself at once while batches remain. A batch whose send must be retried waits a minute.
//
// The Durable Object class (src/runtime/fanout-sender.ts) only holds the storage and builds the
// services for each call; everything it does is here.
import type { Services } from "../services.ts";
import { type DeliverJob, deliverMessages } from "./deliver.ts";
import { pausedForBudget } from "./metering.ts";
import type { SenderBatchInput } from "./sender-api.ts";

const RETRY_DELAY_MS = 60_000;

export class SenderBatches {
  private readonly sql: SqlStorage;
  clock = { now: () => Date.now() };

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    // WITHOUT ROWID: the primary key is the table, so a batch in or out is 1 storage row written,
    // not 2 (table row and key index), of the Free plan's 100,000 a day. Sent in key order, which
    // is batch order: an object holds the batches of one activity (named "<activity> <shard>").
    this.sql.exec(`CREATE TABLE IF NOT EXISTS sender_batches (
      activity_id TEXT NOT NULL, batch INTEGER NOT NULL, inboxes TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (activity_id, batch)) WITHOUT ROWID`);
    // Batches an object held in the earlier rowid table when this code was deployed move over.
    if (this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'batches'").toArray().length > 0) {
      storage.transactionSync(() => {
        this.sql.exec("INSERT OR IGNORE INTO sender_batches SELECT activity_id, batch, inboxes, attempts FROM batches");
        this.sql.exec("DROP TABLE batches");
      });
    }
  }

  /** Takes batches to send; a repeated hand-over (a fan-out run again) adds nothing. */
  async add(activityId: string, batches: SenderBatchInput[]): Promise<void> {
    for (const b of batches) {
      this.sql.exec("INSERT OR IGNORE INTO sender_batches (activity_id, batch, inboxes) VALUES (?, ?, ?)", activityId, b.batch, JSON.stringify(b.inboxes));
    }
    if ((await this.storage.getAlarm()) === null) await this.storage.setAlarm(this.clock.now());
  }

  /** How many batches wait: a count reads every row, so only the RPC (tests, the owner) asks it. */
  pending(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sender_batches").one().n;
  }

  /** Whether any batch waits: one row read, where a count would read all (quadratic over a post's alarms). */
  private hasPending(): boolean {
    return this.sql.exec("SELECT 1 FROM sender_batches LIMIT 1").toArray().length > 0;
  }

  /** The alarm: sends the oldest batch, then re-arms while batches remain. */
  async sendNext(s: Services): Promise<void> {
    const [row] = this.sql
      .exec<{ activity_id: string; batch: number; inboxes: string; attempts: number }>("SELECT * FROM sender_batches ORDER BY activity_id, batch LIMIT 1")
      .toArray();
    if (!row) return;
    // Near the end of a daily allowance the batches wait for the next UTC day: nothing is lost.
    const now = this.clock.now();
    if (await pausedForBudget(s, this.storage, now, Math.random, "sender.over_budget", () => ({ activityId: row.activity_id, pending: this.pending() }))) return;
    let retried = false;
    const message = {
      id: `${row.activity_id}#${row.batch}`,
      timestamp: new Date(),
      attempts: row.attempts + 1,
      body: { kind: "deliver", activityId: row.activity_id, inboxes: JSON.parse(row.inboxes) as string[], batch: row.batch } as DeliverJob,
      ack() {},
      retry() {
        retried = true;
      },
    } satisfies Message<DeliverJob>;
    try {
      await deliverMessages([message], s);
    } catch (error) {
      // Thrown only before anything was sent: the batch is tried again.
      s.log("sender.batch_failed", { activityId: row.activity_id, batch: row.batch, error: String(error) });
      retried = true;
    }
    if (retried) {
      this.sql.exec("UPDATE sender_batches SET attempts = attempts + 1 WHERE activity_id = ? AND batch = ?", row.activity_id, row.batch);
      await this.storage.setAlarm(this.clock.now() + RETRY_DELAY_MS);
      return;
    }
    this.sql.exec("DELETE FROM sender_batches WHERE activity_id = ? AND batch = ?", row.activity_id, row.batch);
    if (this.hasPending()) await this.storage.setAlarm(this.clock.now());
  }
}
