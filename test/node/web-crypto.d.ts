// Node 22 has the Web Crypto classes as globals (globalThis.CryptoKey, crypto.subtle), but
// @types/node 22 declares only `crypto`. Fedify's declarations (used by test/peers) name the DOM
// globals CryptoKey and CryptoKeyPair, so give them Node's types. For tsconfig.node.json only.
import type { webcrypto } from "node:crypto";

declare global {
  type CryptoKey = webcrypto.CryptoKey;
  type CryptoKeyPair = webcrypto.CryptoKeyPair;
}

export {};
