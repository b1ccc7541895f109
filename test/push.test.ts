// Web Push as Mastodon apps use it: subscribing through /api/v1/push/subscription, a mention from a
// signed inbox delivery pushed encrypted both ways to the test push service (test/peers/
// push-service.ts, which decrypts with node:crypto and verifies the VAPID JWT), the alerts and
// the push service's answers deciding what happens next, and the encryption against the
// specifications' own examples.
import { env } from "cloudflare:test";
import { decode, encode } from "jose/base64url";
import { beforeAll, describe, expect, it } from "vitest";
import { encryptAes128gcm, encryptAesgcm, type Ephemeral } from "../src/push/encrypt.ts";
import { api, authorize, exchange, registerApp, type RegisteredApp } from "./client-support.ts";
import { count, deliverFromMastodon, MASTODON, ORIGIN, owner, peer, waitFor, worker } from "./helpers.ts";
import { loggedEvents } from "./log-capture.ts";

const PUSH = "https://push.test";
const SCOPE = "push-test";

interface Agent {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

interface Arrival {
  id: string;
  status: number;
  encoding: string;
  headers: Record<string, string>;
  payload: Record<string, unknown> | null;
  error: string | null;
  jwt: { header: Record<string, unknown>; claims: { aud: string; exp: number; sub: string }; key: string; verified: boolean } | null;
}

const newAgent = () => peer<Agent>(`${PUSH}/__control/subscribe`, { scope: SCOPE });
const arrivals = () => peer<Arrival[]>(`${PUSH}/__control/received?scope=${SCOPE}`);
const behave = (agent: Agent, status: number) => peer(`${PUSH}/__control/behave`, { scope: SCOPE, id: agent.id, status });

const json = async <T = any>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;

async function signIn(scope = "read write follow push"): Promise<{ app: RegisteredApp; token: string }> {
  const app = await registerApp();
  const token = ((await (await exchange(app, await authorize(app, { scope }))).json()) as { access_token: string }).access_token;
  return { app, token };
}

function subscribeJson(token: string, agent: Agent, standard: boolean, alerts: Record<string, boolean>, policy = "all") {
  const body = { subscription: { endpoint: agent.endpoint, keys: { p256dh: agent.p256dh, auth: agent.auth }, standard }, data: { alerts, policy } };
  return api(token, "/api/v1/push/subscription", { method: "POST", body: JSON.stringify(body) });
}

let mentions = 0;
/** A signed Create from mastodon.test mentioning the owner; resolves once the inbox job is done, with the notification's id. */
async function mention(text: string): Promise<number> {
  const author = `${MASTODON}/users/pushy`;
  const note = {
    id: `${author}/statuses/push-${++mentions}-${crypto.randomUUID()}`,
    type: "Note",
    attributedTo: author,
    content: `<p>${text}</p>`,
    to: [`${ORIGIN}/users/me`],
    cc: [],
    tag: [{ type: "Mention", href: `${ORIGIN}/users/me`, name: "@me@roost.test" }],
  };
  const activity = { "@context": "https://www.w3.org/ns/activitystreams", id: `${note.id}/activity`, type: "Create", actor: author, to: note.to, object: note };
  expect((await deliverFromMastodon(activity, { actor: "pushy" })).status).toBe(202);
  await waitFor(() => count("inbox_activities", "id = ? AND state = 'done'", activity.id));
  const row = await env.DB.prepare("SELECT id FROM notifications WHERE object_id = ?").bind(note.id).first<{ id: number }>();
  return row!.id;
}

let vapidKey: string;

beforeAll(async () => {
  const instance = await json(worker("/api/v2/instance"));
  vapidKey = instance.configuration.vapid.public_key;
});

describe("encryption against the specifications' examples", () => {
  async function ephemeral(privateKey: string, publicKey: string, salt: string): Promise<Ephemeral> {
    const point = decode(publicKey);
    const jwk = { kty: "EC", crv: "P-256", d: privateKey, x: encode(point.slice(1, 33)), y: encode(point.slice(33)) };
    return { privateKey: await crypto.subtle.importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]), publicKey: point, salt: decode(salt) };
  }

  it("aes128gcm reproduces RFC 8291 §5 and aesgcm draft-ietf-webpush-encryption-04 §5, byte for byte", async () => {
    const rfc = await encryptAes128gcm(
      new TextEncoder().encode("When I grow up, I want to be a watermelon"),
      { p256dh: decode("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"), auth: decode("BTBZMqHH6r4Tts7J_aSIgg") },
      await ephemeral("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw", "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8", "DGv6ra1nlYgDCS1FRnbzlw"),
    );
    expect(encode(rfc)).toBe(
      "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
    );
    const draft = await encryptAesgcm(
      new TextEncoder().encode("I am the walrus"),
      { p256dh: decode("BCEkBjzL8Z3C-oi2Q7oE5t2Np-p7osjGLg93qUP0wvqRT21EEWyf0cQDQcakQMqz4hQKYOQ3il2nNZct4HgAUQU"), auth: decode("R29vIGdvbyBnJyBqb29iIQ") },
      await ephemeral("nCScek-QpEjmOOlT-rQ38nZzvdPlqa00Zy0i6m2OJvY", "BNoRDbb84JGm8g5Z5CFxurSqsXWJ11ItfXEWYVLE85Y7CYkDjXsIEc4aqxYaQ1G8BqkXCJ6DPpDrWtdWj_mugHU", "lngarbyKfMoi9Z75xYXmkg"),
    );
    expect(encode(draft.body)).toBe("6nqAQUME8hNqw5J3kl8cpVVJylXKYqZOeseZG8UueKpA");
    expect(encode(draft.salt)).toBe("lngarbyKfMoi9Z75xYXmkg");
  });
});

describe("/api/v1/push/subscription", () => {
  it("subscribes with a form and with JSON, shows it, replaces it, updates it; bad endpoints and tokens are refused", async () => {
    const { token } = await signIn();
    expect(vapidKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect((await api(token, "/api/v1/push/subscription")).status).toBe(404);

    const first = await newAgent();
    const form = new URLSearchParams({
      "subscription[endpoint]": first.endpoint,
      "subscription[keys][p256dh]": first.p256dh,
      "subscription[keys][auth]": first.auth,
      "data[alerts][mention]": "true",
      "data[alerts][follow]": "false",
      "data[alerts][not_a_type]": "true",
      "data[policy]": "followed",
    });
    const created = await json(api(token, "/api/v1/push/subscription", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: form }));
    expect(created).toMatchObject({ endpoint: first.endpoint, standard: false, policy: "followed", server_key: vapidKey });
    expect(typeof created.id).toBe("number");
    expect(created.alerts).toMatchObject({ mention: true, follow: false, favourite: false, reblog: false, poll: false, status: false });
    expect(created.alerts).not.toHaveProperty("not_a_type");
    expect(await json(api(token, "/api/v1/push/subscription"))).toEqual(created);
    expect((await registerApp()) as unknown as { vapid_key: string }).toMatchObject({ vapid_key: vapidKey });

    const second = await newAgent();
    const replaced = await json(subscribeJson(token, second, true, { mention: true, favourite: true }));
    expect(replaced).toMatchObject({ endpoint: second.endpoint, standard: true, policy: "all", alerts: { mention: true, favourite: true } });
    expect(replaced.id).not.toBe(created.id);
    expect(await count("push_subscriptions")).toBe(1);

    const updated = await json(api(token, "/api/v1/push/subscription", { method: "PUT", body: JSON.stringify({ data: { alerts: { follow: true }, policy: "follower" } }) }));
    expect(updated).toMatchObject({ id: replaced.id, endpoint: second.endpoint, policy: "follower", alerts: { follow: true, mention: false } });

    for (const endpoint of ["http://push.test/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://push.localhost/x", "not a url"]) {
      const refused = await subscribeJson(token, { ...second, endpoint }, false, { mention: true });
      expect(refused.status, endpoint).toBe(422);
      expect(await refused.json()).toHaveProperty("error");
    }
    expect((await subscribeJson(token, { ...second, p256dh: "AAAA" }, false, { mention: true })).status).toBe(422);
    expect((await subscribeJson(token, second, false, { mention: true }, "friends")).status).toBe(422);
    expect(await json(api(token, "/api/v1/push/subscription"))).toEqual(updated);

    const { token: noPush } = await signIn("read write");
    expect((await subscribeJson(noPush, second, false, { mention: true })).status).toBe(403);
    expect((await owner("/api/v1/push/subscription", { method: "POST", body: JSON.stringify({ subscription: { endpoint: second.endpoint, keys: second } }) })).status).toBe(422);

    expect(await json(api(token, "/api/v1/push/subscription", { method: "DELETE" }))).toEqual({});
    expect((await api(token, "/api/v1/push/subscription")).status).toBe(404);
  });
});

describe("pushing notifications", () => {
  it("a mention is one queued job and one encrypted push per subscription, aesgcm and aes128gcm, that decrypts to Mastodon's payload", async () => {
    const legacy = { ...(await signIn()), agent: await newAgent() };
    const standard = { ...(await signIn()), agent: await newAgent() };
    expect((await subscribeJson(legacy.token, legacy.agent, false, { mention: true })).status).toBe(200);
    expect((await subscribeJson(standard.token, standard.agent, true, { mention: true, follow: true })).status).toBe(200);
    const before = (await arrivals()).length;

    const id = await mention("hello @me, are you there?");
    const pushed = (await waitFor(async () => ((await arrivals()).length >= before + 2 ? await arrivals() : null))).slice(before);
    expect(loggedEvents("push.queued").filter((e) => e.notificationId === id)).toHaveLength(1);
    const listed = await json(api(legacy.token, "/api/v1/notifications?types[]=mention"));
    expect(listed.map((n: { id: string }) => n.id)).toContain(String(id));

    for (const [who, encoding] of [[legacy, "aesgcm"], [standard, "aes128gcm"]] as const) {
      const arrival = pushed.find((a) => a.id === who.agent.id)!;
      expect(arrival.error).toBeNull();
      expect(arrival.encoding).toBe(encoding);
      expect(arrival.payload).toEqual({
        access_token: who.token,
        preferred_locale: "en",
        notification_id: id,
        notification_type: "mention",
        icon: expect.stringMatching(/^https:\/\//),
        title: expect.stringContaining("mentioned you"),
        body: "hello @me, are you there?",
      });
      expect(arrival.headers).toMatchObject({ ttl: "172800", urgency: "normal", "content-type": "application/octet-stream" });
      expect(arrival.jwt).toMatchObject({ header: { alg: "ES256" }, key: vapidKey, verified: true, claims: { aud: PUSH, sub: ORIGIN } });
      const lifetime = arrival.jwt!.claims.exp - Date.now() / 1000;
      expect(lifetime).toBeGreaterThan(0);
      expect(lifetime).toBeLessThanOrEqual(24 * 3600);
    }
    const legacyArrival = pushed.find((a) => a.id === legacy.agent.id)!;
    expect(legacyArrival.headers["crypto-key"]).toMatch(new RegExp(`^dh=[A-Za-z0-9_-]{87};p256ecdsa=${vapidKey}$`));
    expect(legacyArrival.headers.encryption).toMatch(/^salt=[A-Za-z0-9_-]{22}$/);
    expect(legacyArrival.headers.authorization).toMatch(/^WebPush /);
    expect(pushed.find((a) => a.id === standard.agent.id)!.headers.authorization).toMatch(new RegExp(`^vapid t=[^,]+,k=${vapidKey}$`));

    const view = await json(owner("/api/roost/push"));
    expect(view.subscriptions).toHaveLength(2);
    expect(view.subscriptions.map((s: { encoding: string; lastPush: { status: number } }) => [s.encoding, s.lastPush.status]).sort()).toEqual([["aes128gcm", 201], ["aesgcm", 201]]);
    await api(legacy.token, "/api/v1/push/subscription", { method: "DELETE" });
    await api(standard.token, "/api/v1/push/subscription", { method: "DELETE" });
  });

  it("alerts off queue nothing; 410 removes a subscription, 500 is kept for a retry; revoking the token removes its subscription", async () => {
    const a = { ...(await signIn()), agent: await newAgent() };
    const b = { ...(await signIn()), agent: await newAgent() };
    await subscribeJson(a.token, a.agent, false, { mention: false, follow: true });
    await subscribeJson(b.token, b.agent, true, { favourite: true });
    const before = (await arrivals()).length;
    const quiet = await mention("nobody wants this one");
    expect(loggedEvents("push.queued").filter((e) => e.notificationId === quiet)).toHaveLength(0);
    expect((await arrivals()).length).toBe(before);

    await subscribeJson(a.token, a.agent, false, { mention: true });
    await subscribeJson(b.token, b.agent, true, { mention: true });
    await behave(a.agent, 500);
    await behave(b.agent, 410);
    const failing = await mention("the push services are having a day");
    await waitFor(async () => (await count("push_subscriptions")) === 1);
    expect((await arrivals()).slice(before).map((x) => x.status).sort()).toEqual([410, 500]);
    const kept = (await json(owner("/api/roost/push"))).subscriptions;
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ endpoint: a.agent.endpoint, lastPush: { status: 500, error: expect.stringContaining("HTTP 500") } });
    expect(loggedEvents("push.retry").filter((e) => e.notificationId === failing)).toHaveLength(1);
    expect(loggedEvents("push.gone").filter((e) => e.notificationId === failing)).toHaveLength(1);

    await subscribeJson(b.token, b.agent, true, { mention: true });
    await worker("/oauth/revoke", { method: "POST", body: new URLSearchParams({ client_id: a.app.client_id, client_secret: a.app.client_secret, token: a.token }) });
    expect(await count("push_subscriptions")).toBe(1);
    expect((await owner(`/api/roost/apps/${b.app.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await count("push_subscriptions")).toBe(0);
  });
});
