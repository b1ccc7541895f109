// Key rotation: a signature that fails with the key we know gets one more try with a refetched key.
import type { VerificationKey } from "./crypto.ts";
import type { KeyResolver } from "./types.ts";

/**
 * The key that passes `check`: the known key first, then one refetch (the actor may have rotated
 * its key since we cached it). A string says why no key passed.
 */
export async function withKeyRefresh(
  keyId: string,
  resolveKey: KeyResolver,
  check: (key: VerificationKey) => Promise<boolean>,
): Promise<VerificationKey | string> {
  const known = await resolveKey(keyId, { refresh: false });
  if (known && (await check(known))) return known;
  const fresh = await resolveKey(keyId, { refresh: true });
  if (fresh && (await check(fresh))) return fresh;
  return known || fresh ? "the signature does not verify with the actor's key" : `the key ${keyId} is unknown or could not be fetched`;
}
