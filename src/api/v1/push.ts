// /api/v1/push/subscription (Mastodon's Api::V1::Push::SubscriptionsController): the calling
// token's one Web Push subscription. Bodies arrive as JSON (Mastodon's Android app), forms (Elk,
// browsers) or query items with `policy` at the top level (Ice Cubes). docs/push.md.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import {
  ALERT_TYPES,
  alertsOf,
  type PushData,
  type PushPolicy,
  POLICIES,
  type PushSubscriptionRow,
  subscribe,
  subscriptionOf,
  unsubscribe,
  updateSubscription,
  vapidPublicKey,
} from "../../domain/push.ts";
import { jsonError } from "../../http.ts";
import { boolParam, type Json, readParams, stringParam } from "../body.ts";
import { bearerToken, requireScope } from "../scopes.ts";

const PATH = "/api/v1/push/subscription";

const object = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});

/** REST::WebPushSubscriptionSerializer. `id` is a number, as Mastodon sends it (Ice Cubes decodes an Int); every alert is listed, since strict clients require the common ones. */
async function entity(c: AppContext, row: PushSubscriptionRow) {
  const stored = alertsOf(row);
  return {
    id: row.id,
    endpoint: row.endpoint,
    standard: row.standard,
    alerts: Object.fromEntries(ALERT_TYPES.map((type) => [type, stored[type] === true])),
    policy: row.policy,
    server_key: await vapidPublicKey(c.var.services),
  };
}

/** data[alerts][…] and data[policy] (or a top-level policy); unknown alert keys are dropped as Rails' permit does. */
function readData(params: Json): { ok: true; data: PushData } | { ok: false; error: string } {
  const data = object(params.data);
  const sent = object(data.alerts);
  const alerts: Record<string, boolean> = {};
  for (const type of ALERT_TYPES) {
    if (type in sent) alerts[type] = boolParam(sent, type) ?? false;
  }
  const policy = stringParam(data, "policy") ?? stringParam(params, "policy") ?? "all";
  if (!POLICIES.includes(policy as PushPolicy)) return { ok: false, error: `Validation failed: Policy must be one of ${POLICIES.join(", ")}` };
  return { ok: true, data: { alerts, policy: policy as PushPolicy } };
}

/** The calling token's id: subscriptions belong to tokens, and the owner token is not one an app holds. */
function tokenIdOf(c: AppContext): number | null {
  return c.var.grant?.tokenId ?? null;
}

const NOT_AN_APP_TOKEN = "Push subscriptions belong to an app's access token, not to the owner token";

export const pushRoutes = new Hono<AppEnv>()
  .use(PATH, requireScope("push"))
  .post(PATH, async (c) => {
    const tokenId = tokenIdOf(c);
    const token = bearerToken(c);
    if (tokenId === null || !token) return jsonError(c, 422, NOT_AN_APP_TOKEN);
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const subscription = object(body.params.subscription);
    const keys = object(subscription.keys);
    const endpoint = stringParam(subscription, "endpoint")?.trim();
    const p256dh = stringParam(keys, "p256dh")?.trim();
    const auth = stringParam(keys, "auth")?.trim();
    if (!endpoint) return jsonError(c, 422, "Validation failed: Endpoint can't be blank");
    if (!p256dh || !auth) return jsonError(c, 422, "Validation failed: Keys p256dh and auth can't be blank");
    const data = readData(body.params);
    if (!data.ok) return jsonError(c, 422, data.error);
    const standard = boolParam(subscription, "standard") ?? false;
    const result = await subscribe(c.var.services, { tokenId, token }, { endpoint, p256dh, auth, standard, ...data.data });
    if (!result.ok) return jsonError(c, 422, result.error);
    return c.json(await entity(c, result.value));
  })
  .get(PATH, async (c) => {
    const tokenId = tokenIdOf(c);
    const row = tokenId === null ? null : await subscriptionOf(c.var.services, tokenId);
    // Elk takes the 404 as "not subscribed".
    return row ? c.json(await entity(c, row)) : jsonError(c, 404, "Record not found");
  })
  .put(PATH, async (c) => {
    const tokenId = tokenIdOf(c);
    if (tokenId === null) return jsonError(c, 404, "Record not found");
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const data = readData(body.params);
    if (!data.ok) return jsonError(c, 422, data.error);
    const row = await updateSubscription(c.var.services, tokenId, data.data);
    return row ? c.json(await entity(c, row)) : jsonError(c, 404, "Record not found");
  })
  .delete(PATH, async (c) => {
    const tokenId = tokenIdOf(c);
    if (tokenId !== null) await unsubscribe(c.var.services, tokenId);
    return c.json({});
  });
