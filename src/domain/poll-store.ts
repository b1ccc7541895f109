// Remote polls kept from their Question, wherever a remote post is stored or updated
// (src/domain/statuses.ts, remote-posts.ts, the end check in polls.ts).
import { eq, sql } from "drizzle-orm";
import { polls } from "../db/schema.ts";
import type { NormalizedObject } from "../federation/normalize.ts";
import type { Services } from "../services.ts";

/** Keeps (or refreshes) the poll of a remote Question; the owner's votes stay unless the options changed. */
export async function remotePollReceived(s: Services, object: NormalizedObject): Promise<void> {
  const poll = object.poll;
  if (!poll || poll.options.length === 0) return;
  const now = s.now();
  const options = JSON.stringify(poll.options.map((o) => o.name));
  const values = {
    options,
    counts: JSON.stringify(poll.options.map((o) => o.votes)),
    multiple: poll.multiple,
    expiresAt: poll.endTime?.getTime() ?? (poll.closed ? now : null),
    votersCount: poll.votersCount,
    updatedAt: now,
  };
  await s.db
    .insert(polls)
    .values({ statusUri: object.id, local: false, ...values })
    .onConflictDoUpdate({
      target: polls.statusUri,
      set: { ...values, ownVotes: sql`CASE WHEN ${polls.options} = ${options} THEN ${polls.ownVotes} ELSE NULL END` },
      setWhere: eq(polls.local, false),
    });
}
