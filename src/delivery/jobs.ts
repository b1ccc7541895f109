// Messages on the jobs queue. They carry ids only: documents stay in D1, keys never travel.
export type Job =
  /** Process an activity stored in inbox_activities, keyed by (actor, id); `actor` is absent on jobs queued before that key. */
  | { kind: "inbox"; id: string; actor?: string }
  /** Expand one of our activities into deliver jobs for its distinct target inboxes. */
  | { kind: "fanout"; activityId: string }
  /**
   * Sign and POST one activity to each of these inboxes. `batch` is the message's number in its
   * fan-out: once it has run, a redelivery of it is skipped.
   */
  | { kind: "deliver"; activityId: string; inboxes: string[]; batch?: number }
  /**
   * Fetch the missing thread parent `uri` and store it, then its own parents while they are
   * missing; `depth` is how many levels above the first missing parent this one is (0 when absent).
   */
  | { kind: "thread"; uri: string; depth?: number }
  /** Fetch the replies we lack from remote post `uri`'s replies collection; `root` is the post whose thread is walked (src/domain/reply-fetch.ts). */
  | { kind: "replies"; uri: string; root?: string }
  /** Web Push one notification to the subscriptions that want it; a retry names those still owed and its attempt. */
  | { kind: "push"; notificationId: number; subscriptionIds?: number[]; attempt?: number }
  /** Make the preview and blurhash of a v2 media upload (src/domain/media.ts). */
  | { kind: "media"; id: number }
  /** Fetch the page at `url` and store its link preview card (src/domain/cards.ts). */
  | { kind: "card"; url: string }
  /**
   * Read (more of) an alias's followers collection: `page` is where to go on; absent, the alias's
   * actor is read first. `approve`: the list is read, let in the follow requests of those it lists.
   */
  | { kind: "alias"; alias: string; page?: string; approve?: boolean }
  /** Apply the next rows of a CSV import (src/domain/imports.ts). */
  | { kind: "import"; id: number }
  /**
   * The next step of an account archive's export or import (src/domain/archives.ts); `seq` is the
   * step's number, so a redelivered message of a step already done is skipped.
   */
  | { kind: "archive"; id: number; seq?: number }
  /**
   * What is due for the poll of status `uri` at `at` (ms): its windowed Update{Question}, or its
   * end (src/domain/polls.ts). `refresh`: a remote poll the owner viewed, its Question read again.
   */
  | { kind: "poll"; uri: string; at: number; refresh?: true }
  /** Check the profile's link fields for a rel="me" link back (src/domain/link-verification.ts). */
  | { kind: "verify_links" };

/** The part of the Queue binding producers use. */
export type JobQueue = Pick<Queue<Job>, "send" | "sendBatch">;
