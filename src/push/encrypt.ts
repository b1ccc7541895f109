// Web Push message encryption with WebCrypto only (ECDH P-256, HKDF-SHA-256, AES-128-GCM): the two
// content codings push services take. Both derive a content key and nonce from an ECDH secret
// between a fresh key pair of ours and the user agent's key, mixed with the agent's auth secret and
// a random salt; they differ in the HKDF inputs and in where the salt and our public key travel.
//   aes128gcm  RFC 8291 over RFC 8188: salt, record size and our key are the body's first 86 bytes.
//   aesgcm     draft-ietf-webpush-encryption-04 over draft-ietf-httpbis-encryption-encoding-03: salt
//              and key go in the Encryption and Crypto-Key headers. iOS relays (Ice Cubes, Ivory,
//              Mastodon's) forward the body and those headers to the phone, so they need this one.
// Pure: no I/O, no Roost module; the caller supplies the subscriber's keys.

export interface Subscriber {
  /** The user agent's P-256 public key, uncompressed (65 bytes, 0x04 ‖ x ‖ y). */
  p256dh: Uint8Array;
  /** The user agent's auth secret (16 bytes from browsers and apps). */
  auth: Uint8Array;
}

/** Our side of one message: a fresh ECDH key pair and salt. Tests pass the RFC's. */
export interface Ephemeral {
  privateKey: CryptoKey;
  /** Uncompressed point of the key pair's public half. */
  publicKey: Uint8Array;
  salt: Uint8Array;
}

export interface AesgcmMessage {
  body: Uint8Array;
  /** For `Encryption: salt=…`. */
  salt: Uint8Array;
  /** For `Crypto-Key: dh=…`. */
  dh: Uint8Array;
}

/** RFC 8188 record size written in the aes128gcm header; a push message is one record. */
const RECORD_SIZE = 4096;
const TAG = 16;
const ECDH = { name: "ECDH", namedCurve: "P-256" } as const;
const text = new TextEncoder();

export async function newEphemeral(): Promise<Ephemeral> {
  const pair = (await crypto.subtle.generateKey(ECDH, true, ["deriveBits"])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, publicKey, salt: crypto.getRandomValues(new Uint8Array(16)) };
}

/** The uncompressed point as a WebCrypto key; throws when it is not a point on P-256. */
export async function importP256Public(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 65 || raw[0] !== 4) throw new Error("not an uncompressed P-256 point");
  return crypto.subtle.importKey("raw", raw, ECDH, true, []);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** HKDF-SHA-256 (extract with `salt`, expand with `info`) to `length` bytes. */
async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, length * 8));
}

async function ecdhSecret(ephemeral: Ephemeral, subscriber: Subscriber): Promise<Uint8Array> {
  const theirs = await importP256Public(subscriber.p256dh);
  // WebCrypto's member is `public`; workers-types spells it `$public` (a reserved word in its IDL).
  const algorithm = { name: "ECDH", public: theirs } as unknown as SubtleCryptoDeriveKeyAlgorithm;
  return new Uint8Array(await crypto.subtle.deriveBits(algorithm, ephemeral.privateKey, 256));
}

async function seal(cek: Uint8Array, nonce: Uint8Array, record: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, key, record));
}

const label = (s: string) => text.encode(`${s}\0`);

/** RFC 8291 §3.4 and RFC 8188 §2: header (salt ‖ rs ‖ idlen ‖ our key) ‖ one record. */
export async function encryptAes128gcm(plaintext: Uint8Array, subscriber: Subscriber, ephemeral?: Ephemeral): Promise<Uint8Array> {
  // One record holds the text, its 0x02 delimiter and the tag.
  if (plaintext.length + 1 + TAG > RECORD_SIZE) throw new Error(`a push message holds at most ${RECORD_SIZE - 1 - TAG} bytes`);
  const e = ephemeral ?? (await newEphemeral());
  const secret = await ecdhSecret(e, subscriber);
  const ikm = await hkdf(subscriber.auth, secret, concat(label("WebPush: info"), subscriber.p256dh, e.publicKey), 32);
  const cek = await hkdf(e.salt, ikm, label("Content-Encoding: aes128gcm"), 16);
  const nonce = await hkdf(e.salt, ikm, label("Content-Encoding: nonce"), 12);
  // 0x02: this is the last (only) record; no padding follows.
  const record = await seal(cek, nonce, concat(plaintext, Uint8Array.of(2)));
  const header = new Uint8Array(16 + 4 + 1);
  header.set(e.salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = e.publicKey.length;
  return concat(header, e.publicKey, record);
}

/** draft-ietf-webpush-encryption-04 §3: the body is one record; salt and key go in headers. */
export async function encryptAesgcm(plaintext: Uint8Array, subscriber: Subscriber, ephemeral?: Ephemeral): Promise<AesgcmMessage> {
  // Without an `rs` parameter the record size is 4096; the 2-byte padding length counts inside it.
  if (plaintext.length + 2 + TAG > RECORD_SIZE) throw new Error(`a push message holds at most ${RECORD_SIZE - 2 - TAG} bytes`);
  const e = ephemeral ?? (await newEphemeral());
  const secret = await ecdhSecret(e, subscriber);
  const ikm = await hkdf(subscriber.auth, secret, label("Content-Encoding: auth"), 32);
  const length = (key: Uint8Array) => Uint8Array.of(key.length >> 8, key.length & 0xff);
  const context = concat(label("P-256"), length(subscriber.p256dh), subscriber.p256dh, length(e.publicKey), e.publicKey);
  const cek = await hkdf(e.salt, ikm, concat(label("Content-Encoding: aesgcm"), context), 16);
  const nonce = await hkdf(e.salt, ikm, concat(label("Content-Encoding: nonce"), context), 12);
  // Two zero bytes: no padding.
  const body = await seal(cek, nonce, concat(Uint8Array.of(0, 0), plaintext));
  return { body, salt: e.salt, dh: e.publicKey };
}
