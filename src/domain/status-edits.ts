// Edit history (Mastodon's status_edits): the versions a status had before its current one. The
// owner's edits (editNote) and remote Updates (updateReceived) record the version they replace;
// the current version is never copied here, it is the stored post itself.
import { and, asc, eq, sql } from "drizzle-orm";
import { statusEdits } from "../db/schema.ts";
import type { Attachment, NormalizedObject } from "../federation/normalize.ts";
import type { Services } from "../services.ts";

/**
 * Versions kept a status, the current one included. Each is a row as large as the post, and a
 * remote author can send Updates without end (each needs only a later `updated`): unbounded, one
 * post could spend the Free plan's 100,000 rows written a day and make its history answer grow
 * without limit. Twenty is more than edit histories reach in practice; past it the original and
 * the latest versions stay and the ones between go (what was first said, and what changed last).
 */
export const MAX_VERSIONS = 20;

export interface StatusVersion {
  content: string;
  summary: string | null;
  sensitive: boolean;
  /** Our posts: the text as written. */
  source: string | null;
  media: Attachment[];
  /** When this version was published, or made by an edit. */
  createdAt: number;
}

/** What a version of a remote post shows. */
export function remoteVersion(object: NormalizedObject, createdAt: number): StatusVersion {
  return { content: object.content ?? "", summary: object.summary, sensitive: object.sensitive || object.summary !== null, source: null, media: object.attachment, createdAt };
}

/**
 * Whether an Update changes what a post shows: text, content warning, sensitivity, title,
 * attachments or poll options (Mastodon's significant changes, and the sensitive flag, which a
 * version shows). Anything else (vote counts, a new `updated` alone) makes no version.
 */
export function changesWhatIsShown(before: NormalizedObject, after: NormalizedObject): boolean {
  const shown = (o: NormalizedObject) =>
    JSON.stringify([o.content ?? "", o.summary, o.sensitive, o.name, o.attachment.map((a) => [a.url, a.name]), o.poll?.options.map((p) => p.name) ?? null]);
  return shown(before) !== shown(after);
}

/**
 * The writes that keep `version` as one `uri` had before its current one and drop the oldest past
 * the bound (the original stays). The caller runs them in one batch with the write of the new
 * version, so a retried job cannot keep the same version twice.
 */
export function versionWrites(s: Services, uri: string, version: StatusVersion) {
  const ofStatus = eq(statusEdits.statusUri, uri);
  return [
    s.db.insert(statusEdits).values({
      statusUri: uri,
      content: version.content,
      spoilerText: version.summary,
      sensitive: version.sensitive,
      source: version.source,
      media: JSON.stringify(version.media),
      createdAt: version.createdAt,
    }),
    // The current version is the last of MAX_VERSIONS: the original plus the MAX_VERSIONS - 2 latest stay here.
    s.db
      .delete(statusEdits)
      .where(
        and(
          ofStatus,
          sql`${statusEdits.id} <> (SELECT min(id) FROM status_edits WHERE status_uri = ${uri})`,
          sql`${statusEdits.id} NOT IN (SELECT id FROM status_edits WHERE status_uri = ${uri} ORDER BY id DESC LIMIT ${MAX_VERSIONS - 2})`,
        ),
      ),
  ] as const;
}

/** The earlier versions of `uri`, oldest first. */
export async function earlierVersions(s: Services, uri: string): Promise<StatusVersion[]> {
  const rows = await s.db.select().from(statusEdits).where(eq(statusEdits.statusUri, uri)).orderBy(asc(statusEdits.id)).limit(MAX_VERSIONS);
  return rows.map((r) => ({
    content: r.content,
    summary: r.spoilerText,
    sensitive: r.sensitive,
    source: r.source,
    media: JSON.parse(r.media) as Attachment[],
    createdAt: r.createdAt,
  }));
}
