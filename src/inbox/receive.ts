// The inbox request path: cheap checks first, then the signature, then the exactly-once insert.
// Everything slow (fetching, handling, sending Accepts) happens later in the queue.
import { eq } from "drizzle-orm";
import { inboxActivities } from "../db/schema.ts";
import { markHostAlive } from "../delivery/host.ts";
import { isBlocked } from "../domain/blocks.ts";
import { bytesToBase64 } from "../federation/encoding.ts";
import { readBounded } from "../federation/fetch.ts";
import { hostOf, type NormalizedActivity, normalizeActivity } from "../federation/normalize.ts";
import { verifyProof } from "../federation/proofs.ts";
import { keyResolver } from "../federation/remote-actors.ts";
import { sha256 } from "../federation/signatures/digest.ts";
import { verifyRequest } from "../federation/signatures/index.ts";
import type { Services } from "../services.ts";

/** Mastodon refuses inbox bodies over 1 MB with 413 (inboxes_controller.rb). */
const MAX_INBOX_BYTES = 1_000_000;

export type InboxOutcome =
  | { status: 202; result: "queued" | "duplicate" | "ignored"; id?: string }
  | { status: 400 | 401 | 403 | 413 | 503; error: string };

function refuse(status: 400 | 401 | 403 | 413 | 503, error: string): InboxOutcome {
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

export async function receiveActivity(request: Request, s: Services): Promise<InboxOutcome> {
  const { db } = s;
  if (Number(request.headers.get("Content-Length") ?? "0") > MAX_INBOX_BYTES) return refuse(413, "the body is larger than 1 MB");
  const read = await readBounded(new Response(request.body), MAX_INBOX_BYTES);
  if (!read.ok) return refuse(413, read.reason);
  const body = read.value;

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return refuse(400, "the body is not valid JSON");
  }
  const parsed = normalizeActivity(json);
  if (!parsed.ok) return refuse(400, `not an activity: ${parsed.reason}`);
  const activity = parsed.value;

  if (await isBlocked(s, activity.actor)) return refuse(403, "this actor or its domain is blocked");

  const { resolve, gone } = keyResolver(db, s.fetcher, s.log);
  const verified = await verifyRequest({ method: request.method, url: request.url, headers: request.headers }, body, resolve);
  const selfDelete = activity.type === "Delete" && activity.object?.id === activity.actor;
  if (!verified.ok) {
    // Mastodon acknowledges a Delete from an account that is gone, so its server stops retrying.
    if (selfDelete && gone.size > 0) return { status: 202, result: "ignored" };
    return refuse(verified.status, verified.reason);
  }

  if (verified.owner !== activity.actor) {
    // A forwarded activity is still the actor's own when it carries a valid proof by that actor.
    const proof = await verifyProof(activity.raw, async (method) => {
      const key = await resolve(method, { refresh: false });
      return key?.kind === "ed25519" ? { owner: key.owner, publicKey: key.publicKey } : null;
    });
    if (!proof.ok || proof.owner !== activity.actor) {
      return refuse(401, `the signing key belongs to ${verified.owner}, not to the activity's actor ${activity.actor}`);
    }
  }

  const mismatch = objectHostMismatch(activity);
  if (mismatch) return refuse(400, mismatch);

  const id = activity.id ?? `digest:${bytesToBase64(await sha256(body))}`;
  const inserted = await db
    .insert(inboxActivities)
    .values({ id, actorId: activity.actor, type: activity.type, body: new TextDecoder().decode(body), state: "queued" })
    .onConflictDoNothing()
    .returning({ id: inboxActivities.id });
  if (inserted.length === 0) return { status: 202, result: "duplicate", id };
  try {
    await s.jobs.send({ kind: "inbox", id });
  } catch (error) {
    // Without the job the activity would never be handled: undo the insert so a retry succeeds.
    await db.delete(inboxActivities).where(eq(inboxActivities.id, id));
    s.log("inbox.enqueue_failed", { id, error: String(error) });
    return refuse(503, "the activity could not be queued; retry later");
  }
  const host = hostOf(activity.actor);
  if (host) await markHostAlive(s, host);
  return { status: 202, result: "queued", id };
}
