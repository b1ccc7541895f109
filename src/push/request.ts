// One push message as the HTTP request a push service takes (RFC 8030 §5), in either coding, with
// the headers Mastodon sends (Web::PushNotificationWorker): TTL 48 h, Urgency normal.
//   aesgcm:    Encryption: salt=…  Crypto-Key: dh=…;p256ecdsa=<vapid key>  Authorization: WebPush <jwt>
//   aes128gcm: Authorization: vapid t=<jwt>,k=<vapid key>  (salt and key are in the body)
import { decode, encode } from "jose/base64url";
import { encryptAes128gcm, encryptAesgcm, type Ephemeral, type Subscriber } from "./encrypt.ts";
import { type VapidKeys, vapidJwt } from "./vapid.ts";

export const PUSH_TTL_S = 48 * 3600;

export interface PushTarget {
  endpoint: string;
  /** base64url, as stored. */
  p256dh: string;
  auth: string;
  /** aes128gcm when true, aesgcm otherwise. */
  standard: boolean;
}

export interface PushRequest {
  headers: Record<string, string>;
  body: Uint8Array;
}

/** base64url (padded or not) → bytes; null when it is not base64url. */
export function fromBase64url(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(value)) return null;
  try {
    return decode(value.replace(/=+$/, ""));
  } catch {
    return null;
  }
}

export function subscriberOf(target: PushTarget): Subscriber | null {
  const p256dh = fromBase64url(target.p256dh);
  const auth = fromBase64url(target.auth);
  return p256dh && auth ? { p256dh, auth } : null;
}

export async function pushRequest(
  target: PushTarget,
  payload: string,
  vapid: VapidKeys,
  options: { subject: string; now: number; ephemeral?: Ephemeral },
): Promise<PushRequest> {
  const subscriber = subscriberOf(target);
  if (!subscriber) throw new Error("the subscription's keys are not base64url");
  const plaintext = new TextEncoder().encode(payload);
  const jwt = await vapidJwt(vapid, target.endpoint, options.subject, options.now);
  const common = { "Content-Type": "application/octet-stream", TTL: String(PUSH_TTL_S), Urgency: "normal" };
  if (target.standard) {
    const body = await encryptAes128gcm(plaintext, subscriber, options.ephemeral);
    return { body, headers: { ...common, "Content-Encoding": "aes128gcm", Authorization: `vapid t=${jwt},k=${vapid.publicKey}` } };
  }
  const message = await encryptAesgcm(plaintext, subscriber, options.ephemeral);
  return {
    body: message.body,
    headers: {
      ...common,
      "Content-Encoding": "aesgcm",
      Encryption: `salt=${encode(message.salt)}`,
      "Crypto-Key": `dh=${encode(message.dh)};p256ecdsa=${vapid.publicKey}`,
      Authorization: `WebPush ${jwt}`,
    },
  };
}
