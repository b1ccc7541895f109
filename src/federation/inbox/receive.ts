// The inbox request path: cheap checks first, then the signature, then the exactly-once insert.
// Everything slow (fetching, handling, sending Accepts) happens later in the queue.
import { and, eq, inArray, or } from "drizzle-orm";
import type { Config, Env } from "../../config.ts";
import type { Database } from "../../db/client.ts";
import { blocks, inboxActivities } from "../../db/schema.ts";
import { markHostAlive } from "../../delivery/host.ts";
import { bytesToBase64 } from "../encoding.ts";
import { readBounded } from "../fetch.ts";
import { getActorKeys } from "../keys.ts";
import { hostOf, type NormalizedActivity, normalizeActivity } from "../normalize.ts";
import { verifyProof } from "../proofs.ts";
import { keyResolver } from "../remote-actors.ts";
import { sha256 } from "../signatures/digest.ts";
import { verifyRequest } from "../signatures/index.ts";
import type { LocalUrls } from "../urls.ts";

/** Mastodon refuses inbox bodies over 1 MB with 413 (inboxes_controller.rb). */
export const MAX_INBOX_BYTES = 1_000_000;

export type InboxOutcome =
  | { status: 202; result: "queued" | "duplicate" | "ignored"; id?: string }
  | { status: 400 | 401 | 403 | 413 | 503; error: string };

export interface InboxDeps {
  env: Env;
  config: Config;
  db: Database;
  urls: LocalUrls;
}

function refuse(status: 400 | 401 | 403 | 413 | 503, error: string): InboxOutcome {
  return { status, error };
}

/** Whether the actor, or its domain (or a parent domain), is blocked. */
export async function isBlocked(db: Database, actorId: string): Promise<boolean> {
  // Domain blocks name hosts without ports; an actor on example.com:8443 is on example.com.
  const host = hostOf(actorId)?.toLowerCase().replace(/:\d+$/, "") ?? "";
  const labels = host.split(".");
  const domains = labels.map((_, i) => labels.slice(i).join(".")).filter((d) => d.includes("."));
  const rows = await db
    .select({ kind: blocks.kind })
    .from(blocks)
    .where(
      or(
        and(eq(blocks.kind, "actor"), eq(blocks.value, actorId)),
        and(eq(blocks.kind, "domain"), inArray(blocks.value, domains.length > 0 ? domains : [host])),
      ),
    )
    .limit(1);
  return rows.length > 0;
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

export async function receiveActivity(request: Request, deps: InboxDeps): Promise<InboxOutcome> {
  const { db, config } = deps;
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

  if (await isBlocked(db, activity.actor)) return refuse(403, "this actor or its domain is blocked");

  const keys = await getActorKeys(db);
  const fetchContext = { policy: { localDev: config.localDev }, signer: { keyId: deps.urls.rsaKeyId, privateKey: keys.rsa.privateKey } };
  const { resolve, gone } = keyResolver(db, fetchContext);
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
    await deps.env.QUEUE.send({ kind: "inbox", id });
  } catch (error) {
    // Without the job the activity would never be handled: undo the insert so a retry succeeds.
    await db.delete(inboxActivities).where(eq(inboxActivities.id, id));
    console.log(JSON.stringify({ event: "inbox.enqueue_failed", id, error: String(error) }));
    return refuse(503, "the activity could not be queued; retry later");
  }
  const host = hostOf(activity.actor);
  if (host) await markHostAlive(deps.env, host);
  return { status: 202, result: "queued", id };
}
