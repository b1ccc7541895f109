/**
 * THE place incoming ActivityPub JSON (compacted JSON-LD, in every shape servers send it) becomes
 * typed values. Handlers read only these values; `raw` keeps the original for storage.
 *
 * Rules applied everywhere (details in docs/normalize.md, "Shapes seen in the wild"):
 * - single values and arrays are both accepted; references may be IRIs, `{id}` links or embedded
 *   documents, and come out as ids (plus a normalised `Ref.embedded` where a document was embedded);
 * - only absolute http(s) IRIs count as ids: others make the document not ok, or drop out of lists;
 * - `type` arrays resolve to the first type we recognise;
 * - every spelling of the public collection becomes PUBLIC_COLLECTION;
 * - unparsable dates become null; lists are capped so hostile input cannot burn CPU;
 * - nothing throws: every failure is `{ ok: false, reason }`.
 */
import { AS_CONTEXT } from "./vocabulary.ts";
import { activityAt, collectionAt, newEmbedBudget, normalizeAt } from "./normalize/document.ts";
import { normalizeActorDocument } from "./normalize/actor.ts";
import { normalizeKeyDocument } from "./normalize/keys.ts";
import { normalizeObjectDocument } from "./normalize/object.ts";
import type {
  KeySet, Normalized, NormalizedActivity, NormalizedActor, NormalizedCollection, NormalizedObject, Parsed,
} from "./normalize/types.ts";
import { asArray, field, isRecord } from "./normalize/values.ts";

export type * from "./normalize/types.ts";
export { canonicalIri, domainsOf, hostOf, httpIri, isPublic, PUBLIC_COLLECTION } from "./normalize/values.ts";

/** The AS context as servers spell it (plain http and a trailing `#` are seen from older software). */
const AS_CONTEXT_SPELLINGS: ReadonlySet<string> = new Set([
  AS_CONTEXT,
  `${AS_CONTEXT}#`,
  AS_CONTEXT.replace("https:", "http:"),
]);

/** Guards the promise that no input throws, whatever a bug or an exotic object may do. */
function neverThrow<T>(what: string, run: () => Parsed<T>): Parsed<T> {
  try {
    return run();
  } catch {
    return { ok: false, reason: `${what} could not be read` };
  }
}

/** An activity: needs a type and an http(s) actor; the id may be missing (it is then null). */
export function normalizeActivity(json: unknown): Parsed<NormalizedActivity> {
  return neverThrow("activity", () => activityAt(json, 0, newEmbedBudget()));
}

/** A content object (Note, Article, Page, Question, Tombstone, ...): needs a type and an http(s) id. */
export function normalizeObject(json: unknown): Parsed<NormalizedObject> {
  return neverThrow("object", () => normalizeObjectDocument(json));
}

/** An actor: needs an actor type, an http(s) id and an http(s) inbox. */
export function normalizeActor(json: unknown): Parsed<NormalizedActor> {
  return neverThrow("actor", () => normalizeActorDocument(json));
}

/**
 * The public keys of an actor document (even one that is not a usable actor, e.g. without an inbox)
 * or of a standalone key document (`{id, owner, publicKeyPem}` or a Multikey with `controller`).
 * For the verifier's key resolution.
 */
export function normalizeKeys(json: unknown): Parsed<KeySet> {
  return neverThrow("key document", () => normalizeKeyDocument(json));
}

/** A collection or collection page (featured posts, followers, ...): needs an http(s) id. */
export function normalizeCollection(json: unknown): Parsed<NormalizedCollection> {
  return neverThrow("collection", () => collectionAt(json, 0, newEmbedBudget()));
}

/** Any document, routed by its type: for fetched documents whose kind is not known in advance. */
export function normalizeDocument(json: unknown): Parsed<Normalized> {
  return neverThrow("document", () => normalizeAt(json, 0, newEmbedBudget()));
}

/**
 * Whether `@context` names the ActivityStreams context, as a string or inside an array.
 * A missing or odd `@context` gives false; whether to accept such a document is the caller's call
 * (Mastodon drops it; Lemmy's stored samples have none).
 */
export function hasActivityStreamsContext(json: unknown): boolean {
  if (!isRecord(json)) return false;
  const contexts = asArray(field(json, "@context"), 20);
  return contexts.some((entry) => typeof entry === "string" && AS_CONTEXT_SPELLINGS.has(entry));
}
