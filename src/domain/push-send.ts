// The push job: one notification, encrypted for each subscription that wants it and POSTed to its
// push service through the safe fetcher. The payload is Mastodon's (Web::NotificationSerializer):
// access_token, preferred_locale, notification_id (a number: Ice Cubes and Mastodon's iOS app
// decode an Int), notification_type, icon, title, body. A 404 or 410 removes the subscription;
// 408, 429, 5xx and no answer are retried by a later job for those subscriptions only; every
// result is kept on the subscription for the owner (GET /api/roost/push). docs/push.md.
import { eq, inArray } from "drizzle-orm";
import { notifications, objects, pushSubscriptions, remoteActors, remoteObjects } from "../db/schema.ts";
import type { Job } from "../delivery/jobs.ts";
import { readBounded, safeFetch } from "../federation/fetch.ts";
import { refusedUrl } from "../federation/address-policy.ts";
import { normalizeActor, type NormalizedActor, normalizeObject } from "../federation/normalize.ts";
import { pushRequest } from "../push/request.ts";
import { importVapidKeys, type VapidKeys } from "../push/vapid.ts";
import type { Services } from "../services.ts";
import { htmlToText } from "../text/html.ts";
import { MASTODON_TYPES } from "./notification-types.ts";
import { mutedForNotifications, openToken, type PushSubscriptionRow, queueBudgetLow, relationTo, vapidKeys, wants } from "./push.ts";

type NotificationRow = typeof notifications.$inferSelect;

/** Attempts per subscription: the first and four retries, after these many seconds (about 71 minutes in all). */
const RETRY_DELAYS_S = [30, 120, 600, 3600];
const BODY_LENGTH = 140;
const PUSH_TIMEOUT_MS = 10_000;

const TITLES: Record<string, (name: string) => string> = {
  mention: (name) => `${name} mentioned you`,
  follow: (name) => `${name} followed you`,
  follow_request: (name) => `${name} asked to follow you`,
  favourite: (name) => `${name} favourited your post`,
  reblog: (name) => `${name} boosted your post`,
  update: (name) => `${name} edited a post`,
};

function truncated(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > BODY_LENGTH ? `${flat.slice(0, BODY_LENGTH - 1)}…` : flat;
}

async function sender(s: Services, actorId: string): Promise<NormalizedActor | null> {
  const [row] = await s.db.select({ document: remoteActors.document }).from(remoteActors).where(eq(remoteActors.id, actorId)).limit(1);
  const parsed = row ? normalizeActor(JSON.parse(row.document)) : null;
  return parsed?.ok ? parsed.value : null;
}

/** The post's content warning, else its text (Mastodon's order), as plain text. */
async function postText(s: Services, objectId: string | null): Promise<string | null> {
  if (!objectId) return null;
  const [remote] = await s.db.select({ document: remoteObjects.document }).from(remoteObjects).where(eq(remoteObjects.id, objectId)).limit(1);
  const [own] = remote ? [] : await s.db.select({ document: objects.document }).from(objects).where(eq(objects.id, objectId)).limit(1);
  const document = remote?.document ?? own?.document;
  const parsed = document ? normalizeObject(JSON.parse(document)) : null;
  if (!parsed?.ok) return null;
  return parsed.value.summary || htmlToText(parsed.value.content ?? "");
}

/** Title, body and icon: the same for every subscription. */
async function content(s: Services, notification: NotificationRow, type: string) {
  const actor = await sender(s, notification.actorId);
  const name = actor?.name || actor?.preferredUsername || notification.actorId;
  const text = (await postText(s, notification.objectId)) ?? htmlToText(actor?.summary ?? "");
  const profile = await s.profile();
  return {
    preferred_locale: profile.defaultLanguage ?? "en",
    notification_id: notification.id,
    notification_type: type,
    icon: actor?.icon ?? s.urls.missingImage,
    title: (TITLES[type] ?? ((n: string) => n))(name),
    body: truncated(text),
  };
}

type Outcome = { kind: "sent" | "gone" | "refused" | "retry"; status: number | null; error: string | null };

function classify(status: number): Outcome["kind"] {
  if (status >= 200 && status < 300) return "sent";
  if (status === 404 || status === 410) return "gone";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  // Other 4xx (a refused JWT, a payload too large) and 3xx (not followed for a POST): trying again will not help.
  return "refused";
}

async function pushOne(s: Services, sub: PushSubscriptionRow, shared: Awaited<ReturnType<typeof content>>, vapid: VapidKeys): Promise<Outcome> {
  const refused = refusedUrl(new URL(sub.endpoint), s.fetcher.policy);
  if (refused) return { kind: "refused", status: null, error: refused };
  const token = await openToken(s, sub);
  // A token sealed under an earlier OWNER_TOKEN: the push still shows; the app cannot match its account.
  if (token === null) s.log("push.token_unreadable", { subscription: sub.id });
  const payload = JSON.stringify({ access_token: token ?? "", ...shared });
  let request;
  try {
    request = await pushRequest(sub, payload, vapid, { subject: s.config.origin, now: s.now() });
  } catch (error) {
    return { kind: "refused", status: null, error: `not encrypted: ${String(error)}` };
  }
  const result = await safeFetch(sub.endpoint, { method: "POST", headers: request.headers, body: request.body }, s.fetcher.policy, { timeoutMs: PUSH_TIMEOUT_MS });
  if (!result.ok) return { kind: result.status === undefined ? "retry" : "refused", status: result.status ?? null, error: result.reason };
  const response = result.value;
  const kind = classify(response.status);
  if (kind === "sent") {
    await response.body?.cancel();
    return { kind, status: response.status, error: null };
  }
  const body = await readBounded(response, 4096);
  const detail = body.ok ? new TextDecoder().decode(body.value).trim().slice(0, 200) : "";
  return { kind, status: response.status, error: `HTTP ${response.status}${detail ? `: ${detail}` : ""}` };
}

export async function sendPushes(job: Extract<Job, { kind: "push" }>, s: Services): Promise<void> {
  const attempt = job.attempt ?? 1;
  const [notification] = await s.db.select().from(notifications).where(eq(notifications.id, job.notificationId)).limit(1);
  const type = notification ? MASTODON_TYPES[notification.type] : undefined;
  if (!notification || !type) {
    s.log("push.dropped", { notificationId: job.notificationId, reason: "the notification is gone" });
    return;
  }
  const all = job.subscriptionIds
    ? await s.db.select().from(pushSubscriptions).where(inArray(pushSubscriptions.id, job.subscriptionIds))
    : await s.db.select().from(pushSubscriptions);
  const relation = relationTo(s, notification.actorId);
  const targets: PushSubscriptionRow[] = [];
  for (const sub of all) if (await wants(sub, type, relation)) targets.push(sub);
  if (targets.length === 0 || (await mutedForNotifications(s, notification.actorId))) return;
  const [shared, vapid] = await Promise.all([content(s, notification, type), vapidKeys(s).then(importVapidKeys)]);
  const outcomes = await Promise.all(targets.map(async (sub) => ({ sub, outcome: await pushOne(s, sub, shared, vapid) })));

  const retry = outcomes.filter((o) => o.outcome.kind === "retry");
  const canRetry = retry.length > 0 && attempt <= RETRY_DELAYS_S.length && !(await queueBudgetLow(s));
  const now = s.now();
  const writes = outcomes.map(({ sub, outcome }) => {
    if (outcome.kind === "gone") return s.db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, sub.id));
    const gaveUp = outcome.kind === "retry" && !canRetry ? ` (given up after ${attempt} attempts)` : "";
    const error = outcome.error === null ? null : `${outcome.error}${gaveUp}`;
    return s.db.update(pushSubscriptions).set({ lastPushAt: now, lastPushStatus: outcome.status, lastPushError: error }).where(eq(pushSubscriptions.id, sub.id));
  });
  const [first, ...rest] = writes;
  if (first) await s.db.batch([first, ...rest]);
  for (const { sub, outcome } of outcomes) {
    s.log(`push.${outcome.kind}`, { notificationId: notification.id, subscription: sub.id, status: outcome.status, error: outcome.error, attempt });
  }
  if (canRetry) {
    await s.jobs.send(
      { kind: "push", notificationId: notification.id, subscriptionIds: retry.map((r) => r.sub.id), attempt: attempt + 1 },
      { delaySeconds: RETRY_DELAYS_S[attempt - 1]! },
    );
  }
}
