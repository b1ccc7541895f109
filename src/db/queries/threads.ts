// Walking up a thread through the status index's in_reply_to links: muted conversations
// (src/domain/conversations.ts) and the `context` of a served Note (src/federation/objects.ts).
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../client.ts";

// Threads deeper than this are cut there: the walk is bounded whatever the data.
const MAX_DEPTH = 100;

/**
 * SQL: `WITH RECURSIVE thread(start, uri, parent, depth)`, every post above each seed (a subquery
 * of uris) and the seed itself. With `onlyIfAnyMuted`, nothing is walked while no conversation is
 * muted — what a page of statuses or a notification costs in the usual case.
 */
export function threadWalk(seeds: SQL, onlyIfAnyMuted: boolean): SQL {
  const guard = onlyIfAnyMuted ? sql` AND EXISTS (SELECT 1 FROM conversation_mutes)` : sql``;
  return sql`WITH RECURSIVE thread(start, uri, parent, depth) AS (
    SELECT uri, uri, in_reply_to, 0 FROM statuses WHERE uri IN ${seeds}${guard}
    UNION ALL
    SELECT thread.start, statuses.uri, statuses.in_reply_to, thread.depth + 1 FROM statuses JOIN thread ON statuses.uri = thread.parent
      WHERE thread.depth < ${MAX_DEPTH}
  )`;
}

/** The top of the thread `uri` is in: the first stored post above it, or the parent it replies to that was never stored. */
export async function threadTopUri(db: Database, uri: string): Promise<string> {
  const [top] = await db.all<{ root: string }>(
    sql`${threadWalk(sql`(${uri})`, false)} SELECT coalesce(parent, uri) AS root FROM thread ORDER BY depth DESC LIMIT 1`,
  );
  return top?.root ?? uri;
}

/**
 * A Note's `context` (FEP-7888, used as a grouping IRI): the context its thread's top post gave,
 * when that post is a remote one we hold and it named one (`context`, or OStatus `conversation`),
 * so our replies group with the thread where it started; otherwise the top post's id.
 */
export async function threadContext(db: Database, uri: string): Promise<string> {
  const [row] = await db.all<{ root: string; context: string | null }>(
    sql`${threadWalk(sql`(${uri})`, false)}
      SELECT top.root AS root, (SELECT CASE
          WHEN json_type(r.document, '$.context') = 'text' THEN json_extract(r.document, '$.context')
          WHEN json_type(r.document, '$.conversation') = 'text' THEN json_extract(r.document, '$.conversation') END
        FROM remote_objects r WHERE r.id = top.root) AS context
      FROM (SELECT coalesce(parent, uri) AS root FROM thread ORDER BY depth DESC LIMIT 1) top`,
  );
  const named = row?.context && /^https?:\/\/\S+$/.test(row.context) ? row.context : null;
  return named ?? row?.root ?? uri;
}
