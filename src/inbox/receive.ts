// The inbox request path: cheap checks first, then the signature, then the exactly-once insert.
// Everything slow (fetching, handling, sending Accepts) happens later in the queue. Each refusal
// names its rule in docs/inbox.md.
import { and, eq } from "drizzle-orm";
import { hostStateQuery } from "../db/queries/delivery.ts";
import { inboxActivities } from "../db/schema.ts";
import { markHostAlive } from "../delivery/host.ts";
import { isBlocked } from "../domain/blocks.ts";
import { onOurOrigin } from "../domain/own-origin.ts";
import { bytesToBase64 } from "../federation/encoding.ts";
import { readBounded } from "../federation/fetch.ts";
import { hostOf, type NormalizedActivity, normalizeActivity } from "../federation/normalize.ts";
import { verifyProof } from "../federation/proofs.ts";
import { keyResolver } from "../federation/remote-actors.ts";
import { sha256 } from "../federation/signatures/digest.ts";
import { type KeyResolver, verifyRequest } from "../federation/signatures/index.ts";
import type { Services } from "../services.ts";
import { jsonTooDeep, MAX_JSON_DEPTH, overBudget } from "./guards.ts";
import { HANDLED_TYPES } from "./process.ts";

/** Mastodon refuses inbox bodies over 1 MB with 413 (inboxes_controller.rb). */
const MAX_INBOX_BYTES = 1_000_000;

type RefusalStatus = 400 | 401 | 403 | 413 | 429 | 503;

export type InboxOutcome =
  | { status: 202; result: "queued" | "duplicate" | "ignored"; id?: string }
  | { status: RefusalStatus; error: string; retryAfter?: number };

function refuse(status: RefusalStatus, error: string): InboxOutcome {
  return { status, error };
}

// Activities whose object is created by the actor must carry ids on the actor's own host.
const AUTHORED_TYPES = new Set(["Create", "Update"]);

function objectHostMismatch(activity: NormalizedActivity): string | null {
  if (!AUTHORED_TYPES.has(activity.type) && activity.type !== "Delete") return null;
  const object = activity.object;
  if (!object || object.id === activity.actor) return null;
  if (activity.type === "Delete" || object.embedded?.kind === "object" || object.embedded?.kind === "actor") {
    if (hostOf(object.id) !== hostOf(activity.actor)) return `the object ${object.id} is not on the actor's host`;
  }
  return null;
}

/** A JSON object whose `type` names no activity a handler takes (one string, or an array of them). */
function unhandledType(json: unknown): boolean {
  if (!json || typeof json !== "object" || Array.isArray(json)) return false;
  const type = (json as { type?: unknown }).type;
  const types = (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === "string");
  return types.length > 0 && !types.some((t) => HANDLED_TYPES.has(t));
}

/** Whether the activity carries a valid FEP-8b32 proof by its own actor (a forwarded activity). */
async function provenByActor(activity: NormalizedActivity, resolve: KeyResolver): Promise<boolean> {
  if (activity.raw.proof === undefined) return false;
  const proof = await verifyProof(activity.raw, async (method) => {
    const key = await resolve(method, { refresh: false });
    return key?.kind === "ed25519" ? { owner: key.owner, publicKey: key.publicKey } : null;
  });
  return proof.ok && proof.owner === activity.actor;
}

export async function receiveActivity(request: Request, s: Services): Promise<InboxOutcome> {
  const { db } = s;
  if (Number(request.headers.get("Content-Length") ?? "0") > MAX_INBOX_BYTES) return refuse(413, "the body is larger than 1 MB");
  const read = await readBounded(new Response(request.body), MAX_INBOX_BYTES);
  if (!read.ok) return refuse(413, read.reason);
  const body = read.value;

  // Rule 10: bounded nesting, checked on the bytes before anything parses them.
  if (jsonTooDeep(body)) return refuse(400, `the JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
  // Decoded once: parsed here, stored as is below.
  const text = new TextDecoder().decode(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse(400, "the body is not valid JSON");
  }
  // Rule 1: a type no handler takes costs nothing: no key fetch, no row.
  if (unhandledType(json)) return { status: 202, result: "ignored" };
  const parsed = normalizeActivity(json);
  if (!parsed.ok) return refuse(400, `not an activity: ${parsed.reason}`);
  const activity = parsed.value;
  if (!HANDLED_TYPES.has(activity.type)) return { status: 202, result: "ignored" };
  // Rule 6: we never receive ourselves.
  if (onOurOrigin(s, activity.actor)) return refuse(403, "activities by actors on our own origin are not received");

  if (await isBlocked(s, activity.actor)) return refuse(403, "this actor or its domain is blocked");

  // Rule 2: an activity id must be on its actor's host; only a forwarded activity with a proof
  // by its actor may differ (checked after the signature, below). No key is fetched for this.
  const idOffHost = activity.id !== null && hostOf(activity.id) !== hostOf(activity.actor);
  if (idOffHost && activity.raw.proof === undefined) return refuse(400, `the activity id ${activity.id} is not on the actor's host`);

  let ownKey = false;
  const { resolve: resolveRemote, gone } = keyResolver(db, s.fetcher, s.log);
  const resolve: KeyResolver = (keyId, options) => {
    if (onOurOrigin(s, keyId)) {
      ownKey = true;
      return Promise.resolve(null);
    }
    return resolveRemote(keyId, options);
  };
  const verified = await verifyRequest({ method: request.method, url: request.url, headers: request.headers }, body, resolve);
  if (ownKey) return refuse(403, "the signing key is on our own origin");
  const selfDelete = activity.type === "Delete" && activity.object?.id === activity.actor;
  if (!verified.ok) {
    // Mastodon acknowledges a Delete from an account that is gone, so its server stops retrying.
    if (selfDelete && gone.size > 0) return { status: 202, result: "ignored" };
    return refuse(verified.status, verified.reason);
  }
  // Rule 3: a domain block also covers the signing key's host and the key owner's host (one
  // query for both, none when the actor signed with a key on its own host).
  const signers = [...(verified.owner !== activity.actor ? [verified.owner] : []), ...(hostOf(verified.keyId) !== hostOf(activity.actor) ? [verified.keyId] : [])];
  if (await isBlocked(s, ...signers)) return refuse(403, "the signing key's owner or its domain is blocked");

  // A forwarded activity is still the actor's own when it carries a valid proof by that actor.
  const signedByActor = verified.owner === activity.actor;
  const proven = (!signedByActor || idOffHost) && (await provenByActor(activity, resolve));
  if (!signedByActor && !proven) {
    return refuse(401, `the signing key belongs to ${verified.owner}, not to the activity's actor ${activity.actor}`);
  }
  if (idOffHost && !proven) return refuse(400, `the activity id ${activity.id} is not on the actor's host`);

  const mismatch = objectHostMismatch(activity);
  if (mismatch) return refuse(400, mismatch);

  // Rule 1: a sender over its per-minute budget is asked to come back later.
  const host = hostOf(activity.actor) ?? "";
  const retryAfter = overBudget(activity.actor, host, s.now());
  if (retryAfter !== null) return { status: 429, error: "too many activities from this sender; retry later", retryAfter };

  const digest = bytesToBase64(await sha256(body));
  const id = activity.id ?? `digest:${digest}`;
  // Rule 2: exactly-once is keyed on (actor, id). The sender's delivery state (is its server
  // marked unavailable?) is read in the same round trip.
  const insert = db
    .insert(inboxActivities)
    .values({ id, actorId: activity.actor, type: activity.type, digest, body: text, state: "queued" })
    .onConflictDoNothing()
    .returning({ id: inboxActivities.id });
  const [inserted, hostRows] = await db.batch([insert, hostStateQuery(db, host)]);
  if (inserted.length === 0) return { status: 202, result: "duplicate", id };
  try {
    await s.jobs.send({ kind: "inbox", id, actor: activity.actor });
  } catch (error) {
    // Without the job the activity would never be handled: undo the insert so a retry succeeds.
    await db.delete(inboxActivities).where(and(eq(inboxActivities.actorId, activity.actor), eq(inboxActivities.id, id)));
    s.log("inbox.enqueue_failed", { id, error: String(error) });
    return refuse(503, "the activity could not be queued; retry later");
  }
  if (host) await markHostAlive(s, host, hostRows[0]?.state ?? null);
  return { status: 202, result: "queued", id };
}
