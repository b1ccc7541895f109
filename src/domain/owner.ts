// Who the owner is: whoever presents the owner token. One comparison for every surface (the
// bearer header of the client API and /api/roost, the subscribe page's form), in time that does not depend on where
// or whether the strings differ, nor on their lengths.
import type { Services } from "../services.ts";

export async function isOwnerToken(s: Pick<Services, "config">, presented: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    crypto.subtle.digest("SHA-256", encoder.encode(s.config.ownerToken)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
