// Web Push subscriptions as Mastodon keeps them (Api::V1::Push::SubscriptionsController,
// Web::PushSubscription): one per access token, alerts per notification type, a policy; the VAPID
// key pair; and, when a notification is recorded, the check whether any subscription wants it —
// only then is a push job queued, one message per notification however many subscriptions there
// are (src/domain/push-send.ts sends it). docs/push.md.
import { and, eq, gt, isNull, or } from "drizzle-orm";
import { encode as encodeBase64url } from "jose/base64url";
import { followers, following, mutes, notifications, oauthApps, oauthTokens, pushSubscriptions, vapidKeys as vapidTable } from "../db/schema.ts";
import { snowflake } from "../db/snowflake.ts";
import { limitsFor } from "../delivery/limits.ts";
import { usageOn, utcDay } from "../delivery/usage.ts";
import { refusedUrl } from "../federation/address-policy.ts";
import { importP256Public } from "../push/encrypt.ts";
import { fromBase64url } from "../push/request.ts";
import { generateVapidKeys, type StoredVapidKeys } from "../push/vapid.ts";
import type { Services } from "../services.ts";
import { MASTODON_TYPES } from "./notification-types.ts";

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;
export type PushPolicy = PushSubscriptionRow["policy"];
type NotificationRow = typeof notifications.$inferSelect;

/** The alert keys Mastodon 4.4 permits (Notification::TYPES); the others of data[alerts] are dropped. */
export const ALERT_TYPES = [
  "mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
  "admin.sign_up", "admin.report", "severed_relationships", "moderation_warning", "quote", "quoted_update",
];
export const POLICIES: readonly PushPolicy[] = ["all", "followed", "follower", "none"];
const MAX_ENDPOINT = 2048;

export interface PushData {
  alerts: Record<string, boolean>;
  policy: PushPolicy;
}

export interface NewPushSubscription extends PushData {
  endpoint: string;
  p256dh: string;
  auth: string;
  standard: boolean;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** Why a subscription cannot be stored, or null: an https endpoint the safe fetcher may reach, keys that encrypt. */
async function invalid(s: Services, input: NewPushSubscription): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(input.endpoint);
  } catch {
    return "Validation failed: Endpoint is not a valid URL";
  }
  if (input.endpoint.length > MAX_ENDPOINT) return "Validation failed: Endpoint is too long";
  // Local dev may push to a plain-http push service on loopback; the address policy says which.
  if (url.protocol !== "https:" && !s.config.localDev) return "Validation failed: Endpoint must be an https URL";
  const refused = refusedUrl(url, s.fetcher.policy);
  if (refused) return `Validation failed: Endpoint is not reachable (${refused})`;
  const p256dh = fromBase64url(input.p256dh);
  try {
    if (!p256dh) throw new Error("not base64url");
    await importP256Public(p256dh);
  } catch {
    return "Validation failed: Keys p256dh is not a P-256 public key";
  }
  const auth = fromBase64url(input.auth);
  // Mastodon takes any auth that encrypts; RFC 8291 secrets are 16 bytes.
  if (!auth || auth.length === 0 || auth.length > 64) return "Validation failed: Keys auth is not an auth secret";
  return null;
}

// --- the subscribing token, sealed ---
// The payload's access_token must be the token itself: Ice Cubes and Mastodon's iOS app pick the
// account a push is for by comparing it with the tokens they hold. Tokens are stored only as
// SHA-256, so the subscribing request's token is kept here sealed with AES-GCM under a key derived
// from OWNER_TOKEN (a secret, not in D1), bound to the token's id.

async function sealKey(s: Services): Promise<CryptoKey> {
  const secret = await crypto.subtle.importKey("raw", new TextEncoder().encode(s.config.ownerToken), "HKDF", false, ["deriveKey"]);
  const params = { name: "HKDF", hash: "SHA-256", salt: new TextEncoder().encode("roost push"), info: new TextEncoder().encode("access token seal") };
  return crypto.subtle.deriveKey(params, secret, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

async function sealToken(s: Services, tokenId: number, token: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const additionalData = new TextEncoder().encode(String(tokenId));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData }, await sealKey(s), new TextEncoder().encode(token));
  return `${encodeBase64url(iv)}.${encodeBase64url(new Uint8Array(sealed))}`;
}

/** The subscribing token, or null when it cannot be opened (OWNER_TOKEN was replaced since). */
export async function openToken(s: Services, row: Pick<PushSubscriptionRow, "tokenId" | "sealedToken">): Promise<string | null> {
  const [ivText = "", dataText = ""] = row.sealedToken.split(".");
  const iv = fromBase64url(ivText);
  const data = fromBase64url(dataText);
  if (!iv || !data) return null;
  try {
    const additionalData = new TextEncoder().encode(String(row.tokenId));
    return new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData }, await sealKey(s), data));
  } catch {
    return null;
  }
}

// --- subscriptions ---

/** POST: replaces the token's subscription (Mastodon destroys the old one and creates a new one). */
export async function subscribe(s: Services, grant: { tokenId: number; token: string }, input: NewPushSubscription): Promise<Checked<PushSubscriptionRow>> {
  const error = await invalid(s, input);
  if (error) return { ok: false, error };
  const row: PushSubscriptionRow = {
    id: snowflake(s.now()),
    tokenId: grant.tokenId,
    endpoint: input.endpoint,
    p256dh: input.p256dh,
    auth: input.auth,
    standard: input.standard,
    alerts: JSON.stringify(input.alerts),
    policy: input.policy,
    sealedToken: await sealToken(s, grant.tokenId, grant.token),
    createdAt: s.now(),
    lastPushAt: null,
    lastPushStatus: null,
    lastPushError: null,
  };
  await s.db.batch([s.db.delete(pushSubscriptions).where(eq(pushSubscriptions.tokenId, grant.tokenId)), s.db.insert(pushSubscriptions).values(row)]);
  return { ok: true, value: row };
}

export async function subscriptionOf(s: Services, tokenId: number): Promise<PushSubscriptionRow | null> {
  const [row] = await s.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.tokenId, tokenId)).limit(1);
  return row ?? null;
}

/** PUT: the alerts and policy are replaced by what was sent, as Mastodon's update!(data:) does. */
export async function updateSubscription(s: Services, tokenId: number, data: PushData): Promise<PushSubscriptionRow | null> {
  const [row] = await s.db
    .update(pushSubscriptions)
    .set({ alerts: JSON.stringify(data.alerts), policy: data.policy })
    .where(eq(pushSubscriptions.tokenId, tokenId))
    .returning();
  return row ?? null;
}

export async function unsubscribe(s: Services, tokenId: number): Promise<void> {
  await s.db.delete(pushSubscriptions).where(eq(pushSubscriptions.tokenId, tokenId));
}

export function alertsOf(row: Pick<PushSubscriptionRow, "alerts">): Record<string, boolean> {
  try {
    const parsed: unknown = JSON.parse(row.alerts);
    return parsed && typeof parsed === "object" ? (parsed as Record<string, boolean>) : {};
  } catch {
    return {};
  }
}

/** The owner's view: every subscription with its app and the last push result. */
export async function listSubscriptions(s: Services) {
  return s.db
    .select({
      id: pushSubscriptions.id,
      app: oauthApps.name,
      tokenId: pushSubscriptions.tokenId,
      endpoint: pushSubscriptions.endpoint,
      standard: pushSubscriptions.standard,
      alerts: pushSubscriptions.alerts,
      policy: pushSubscriptions.policy,
      createdAt: pushSubscriptions.createdAt,
      lastPushAt: pushSubscriptions.lastPushAt,
      lastPushStatus: pushSubscriptions.lastPushStatus,
      lastPushError: pushSubscriptions.lastPushError,
    })
    .from(pushSubscriptions)
    .leftJoin(oauthTokens, eq(oauthTokens.id, pushSubscriptions.tokenId))
    .leftJoin(oauthApps, eq(oauthApps.id, oauthTokens.appId))
    .orderBy(pushSubscriptions.id);
}

// --- VAPID ---

/**
 * The VAPID key pair, created on first need and kept in D1 beside the actor's keys (which sign far
 * more than a push). Replacing it would break every subscription: push services bind a
 * subscription to the key the app subscribed with.
 */
export async function vapidKeys(s: Services): Promise<StoredVapidKeys> {
  const read = async () => (await s.db.select().from(vapidTable).where(eq(vapidTable.id, 1)).limit(1))[0];
  const stored = await read();
  if (stored) return stored;
  await s.db.insert(vapidTable).values({ id: 1, ...(await generateVapidKeys()), createdAt: s.now() }).onConflictDoNothing();
  s.log("push.vapid_created", {});
  const created = await read();
  if (!created) throw new Error("the VAPID keys could not be stored");
  return created;
}

export const vapidPublicKey = async (s: Services): Promise<string> => (await vapidKeys(s)).publicKey;

// --- which subscriptions want a notification ---

/** How the notification's sender stands to the owner, looked up only when a policy asks. */
export function relationTo(s: Services, actorId: string) {
  let followed: Promise<boolean> | null = null;
  let follower: Promise<boolean> | null = null;
  return {
    followed: () => (followed ??= s.db.select({ id: following.actorId }).from(following).where(and(eq(following.actorId, actorId), eq(following.state, "accepted"))).limit(1).then((r) => r.length > 0)),
    follower: () => (follower ??= s.db.select({ id: followers.actorId }).from(followers).where(and(eq(followers.actorId, actorId), eq(followers.state, "accepted"))).limit(1).then((r) => r.length > 0)),
  };
}

/** Web::PushSubscription#pushable?: the alert for the type is on and the policy admits the sender. */
export async function wants(row: Pick<PushSubscriptionRow, "alerts" | "policy">, mastodonType: string, relation: ReturnType<typeof relationTo>): Promise<boolean> {
  if (alertsOf(row)[mastodonType] !== true) return false;
  switch (row.policy) {
    case "all":
      return true;
    case "none":
      return false;
    case "followed":
      return relation.followed();
    case "follower":
      return relation.follower();
  }
}

/** A muted account's notifications are hidden (unless the mute kept them), so they are not pushed either. */
export async function mutedForNotifications(s: Services, actorId: string): Promise<boolean> {
  const rows = await s.db
    .select({ id: mutes.actorId })
    .from(mutes)
    .where(and(eq(mutes.actorId, actorId), eq(mutes.hideNotifications, true), or(isNull(mutes.expiresAt), gt(mutes.expiresAt, s.now()))))
    .limit(1);
  return rows.length > 0;
}

/**
 * Pushes are the first thing given up near the Free plan's daily queue allowance: federation
 * (deliveries, the inbox) needs those operations more, and a push that waits a day is no push.
 */
export async function queueBudgetLow(s: Services): Promise<boolean> {
  const limits = limitsFor(s.config.plan);
  if (!limits.daily) return false;
  const used = await usageOn(s.db, utcDay(s.now()));
  return used.queueOperations >= limits.daily.queueOperations * limits.slowDownAt;
}

/**
 * After a notification is recorded: one push job when some subscription wants it. Nothing is
 * queued (no queue operation spent) otherwise. A failure here never fails the recording.
 */
export async function offerPush(s: Services, notification: NotificationRow): Promise<void> {
  const type = MASTODON_TYPES[notification.type];
  if (!type) return;
  try {
    const subscriptions = await s.db.select({ alerts: pushSubscriptions.alerts, policy: pushSubscriptions.policy }).from(pushSubscriptions);
    const relation = relationTo(s, notification.actorId);
    let wanted = 0;
    for (const sub of subscriptions) if (await wants(sub, type, relation)) wanted++;
    if (wanted === 0) return;
    if (await mutedForNotifications(s, notification.actorId)) return;
    if (await queueBudgetLow(s)) {
      s.log("push.skipped_budget", { notificationId: notification.id, type });
      return;
    }
    await s.jobs.send({ kind: "push", notificationId: notification.id });
    s.log("push.queued", { notificationId: notification.id, type, subscriptions: wanted });
  } catch (error) {
    s.log("push.not_queued", { notificationId: notification.id, error: String(error) });
  }
}
