// The Poll entity (app/serializers/rest/poll_serializer.rb). Its rows ride in the status page's
// contents statement (pollContentBranch), so a page with polls costs no extra statement.
import { sql } from "drizzle-orm";
import { isExpired, type PollRow } from "../../db/queries/polls.ts";
import type { Services } from "../../services.ts";

export function pollContentBranch(urisJson: string) {
  return sql`SELECT 'poll' AS kind, status_uri AS id, json_object(
      'statusUri', status_uri, 'local', local, 'options', options, 'counts', counts, 'multiple', multiple,
      'hideTotals', hide_totals, 'expiresAt', expires_at, 'votersCount', voters_count, 'ownVotes', own_votes) AS document
    FROM polls WHERE status_uri IN (SELECT value FROM json_each(${urisJson}))`;
}

type StoredPoll = Pick<PollRow, "statusUri" | "local" | "options" | "counts" | "multiple" | "hideTotals" | "expiresAt" | "votersCount" | "ownVotes">;

/** The 'poll' rows of that query, by status URI. */
export function pollsByStatus(rows: { kind: string; id: string; document: string }[]): Map<string, StoredPoll> {
  const out = new Map<string, StoredPoll>();
  for (const r of rows) {
    if (r.kind !== "poll") continue;
    const p = JSON.parse(r.document) as Record<string, any>;
    out.set(r.id, { ...p, local: p.local === 1, multiple: p.multiple === 1, hideTotals: p.hideTotals === 1 } as StoredPoll);
  }
  return out;
}

export const pollTitles = (poll: StoredPoll): string[] => JSON.parse(poll.options) as string[];

/**
 * `id` is the status's. Counts are hidden (null) while a poll that hides its totals is open, as
 * Mastodon's `show_totals_now?`. `voted`/`own_votes` only for the owner, as Mastodon adds them
 * only with a signed-in user: their own poll counts as voted, with no choices.
 */
export function pollEntity(s: Services, statusId: number, poll: StoredPoll, emojis: { shortcode: string }[], owner: boolean) {
  const titles = pollTitles(poll);
  const counts = JSON.parse(poll.counts) as number[];
  const expired = isExpired(poll, s.now());
  const shown = expired || !poll.hideTotals;
  const ownVotes = poll.ownVotes ? (JSON.parse(poll.ownVotes) as number[]) : [];
  return {
    id: String(statusId),
    expires_at: poll.expiresAt === null ? null : new Date(poll.expiresAt).toISOString(),
    expired,
    multiple: poll.multiple,
    votes_count: counts.reduce((a, b) => a + b, 0),
    voters_count: poll.votersCount,
    options: titles.map((title, i) => ({ title, votes_count: shown ? (counts[i] ?? 0) : null })),
    // The status's custom emoji that the options use.
    emojis: emojis.filter((e) => titles.some((t) => t.includes(`:${e.shortcode}:`))),
    ...(owner ? { voted: poll.local || poll.ownVotes !== null, own_votes: ownVotes } : {}),
  };
}
