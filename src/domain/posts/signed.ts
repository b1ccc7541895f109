// Our activities about our posts carry an FEP-8b32 proof by our Ed25519 key: Create, Update and
// Delete of a post (compose.ts), and the Update{Question} with a poll's counts (polls.ts).
import { createProof } from "../../federation/proofs.ts";
import type { Services } from "../../services.ts";

/** The activity with its FEP-8b32 proof by our Ed25519 key. */
export async function signed<T extends Record<string, unknown>>(ctx: Services, activity: T): Promise<T> {
  const keys = await ctx.keys();
  return (await createProof(activity, { verificationMethod: ctx.urls.ed25519KeyId, privateKey: keys.ed25519.privateKey })) as T;
}
