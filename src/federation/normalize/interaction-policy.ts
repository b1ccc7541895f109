// GoToSocial's `interactionPolicy` on a post (docs/federation/interaction_policy.md in its
// repository): for each kind of interaction, who is approved automatically and who must ask.
// Servers send the current names (`automaticApproval`, `manualApproval`), the ones GoToSocial
// used before v0.20 (`always`, `approvalRequired`), or both; each may be one IRI or a list. Both
// spellings are read and merged. A sub-policy that is absent (or null, or `{}`) stays absent:
// that tells the caller the author's server does not enforce it, so the default (anyone who can
// see the post) applies.
import type { InteractionPolicy, SubPolicy } from "./types.ts";
import { audienceList, field, isRecord, type Json } from "./values.ts";

/** Entries per list: a policy names a few actors and collections; more is hostile. */
const MAX_ENTRIES = 100;
/** The sub-policies read. canQuote (FEP-044f) and canFeature (FEP-7aa9) have the same shape. */
const SUB_POLICIES = ["canLike", "canReply", "canAnnounce", "canQuote"] as const;

function subPolicy(value: unknown): SubPolicy | null {
  if (!isRecord(value)) return null;
  const list = (...keys: string[]) => [...new Set(keys.flatMap((key) => audienceList(field(value, key), MAX_ENTRIES)))];
  const automatic = list("automaticApproval", "always");
  const manual = list("manualApproval", "approvalRequired");
  return automatic.length === 0 && manual.length === 0 ? null : { automatic, manual };
}

/** Null when the post carries no policy (or an empty one): the author's server is not policy-aware. */
export function interactionPolicy(json: Json): InteractionPolicy | null {
  const raw = field(json, "interactionPolicy");
  if (!isRecord(raw)) return null;
  const policy: InteractionPolicy = {};
  for (const key of SUB_POLICIES) {
    const parsed = subPolicy(field(raw, key));
    if (parsed) policy[key] = parsed;
  }
  return Object.keys(policy).length > 0 ? policy : null;
}
