// What the rest of the Worker asks of a server's Durable Object, and what it answers: the RPC
// surface of src/runtime/delivery-host.ts, implemented by HostDeliveries (src/delivery/host.ts).

export interface FailedDelivery {
  inbox: string;
  status: number | null;
  error: string;
}

export interface DeliveryRecord {
  activityId: string;
  activityType: string;
  inbox: string;
  state: "pending" | "given_up";
  /** POSTs made so far. */
  attempts: number;
  /** When it is tried next; for one waiting behind earlier deliveries to its inbox, not before then. */
  nextAttemptAt: number | null;
  /** Earlier deliveries to the same inbox still pending: this one goes after them. */
  waitingBehind: number;
  lastStatus: number | null;
  /** For a given-up delivery, why. */
  lastError: string | null;
}

export interface HostStatus {
  host: string;
  unavailable: boolean;
  failureDays: string[];
  pending: number;
  givenUp: number;
  nextAttemptAt: number | null;
  deliveries: DeliveryRecord[];
}

/** What callers ask of a server's Durable Object (its RPC methods). */
export interface DeliveryHostApi {
  recordFailures(host: string, activityId: string, activityType: string, failures: FailedDelivery[]): Promise<void>;
  enqueue(host: string, activityId: string, activityType: string, inboxes: string[]): Promise<void>;
  markAlive(): Promise<void>;
  /** Makes the deliveries of `activityId`, pending or given up (null: every pending one), due now; how many. */
  retryNow(activityId: string | null): Promise<number>;
  status(query: { activityId: string } | { recent: number }): Promise<HostStatus>;
}

