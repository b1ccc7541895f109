// VAPID (RFC 8292): the P-256 key pair that identifies us to push services, and the ES256 JWT each
// push carries. The JWT is signed with `jose`; keys are WebCrypto keys. Pure: storage is the caller's.
import { decode, encode } from "jose/base64url";
import { SignJWT } from "jose/jwt/sign";

const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;
/** Below RFC 8292's 24-hour ceiling, so a push service whose clock runs behind still takes it. */
const JWT_LIFETIME_S = 12 * 3600;

export interface StoredVapidKeys {
  /** base64url uncompressed point: `vapid_key`, `server_key`, `k=` and `p256ecdsa=`. */
  publicKey: string;
  /** PKCS#8, base64url. */
  privateKey: string;
}

export interface VapidKeys {
  publicKey: string;
  privateKey: CryptoKey;
}

export async function generateVapidKeys(): Promise<StoredVapidKeys> {
  const pair = (await crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"])) as CryptoKeyPair;
  return {
    publicKey: encode(new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer)),
    privateKey: encode(new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer)),
  };
}

/** The stored pair as signing material; the private key is not extractable once imported. */
export async function importVapidKeys(stored: StoredVapidKeys): Promise<VapidKeys> {
  const privateKey = await crypto.subtle.importKey("pkcs8", decode(stored.privateKey), ECDSA, false, ["sign"]);
  return { publicKey: stored.publicKey, privateKey };
}

/**
 * The JWT for one push: `aud` is the push service's origin (scheme, host, port), `sub` a contact
 * URI (RFC 8292 §2.1: mailto: or https:), `exp` twelve hours ahead.
 */
export async function vapidJwt(keys: VapidKeys, endpoint: string, subject: string, nowMs: number): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({ sub: subject })
    .setProtectedHeader({ typ: "JWT", alg: "ES256" })
    .setAudience(new URL(endpoint).origin)
    .setExpirationTime(now + JWT_LIFETIME_S)
    .sign(keys.privateKey);
}
