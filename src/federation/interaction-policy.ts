// GoToSocial interaction policies on the wire (its docs/federation/interaction_policy.md and
// internal/typeutils, internal/federation/federatingdb/interactionrequest.go, accept.go):
// - the policy we publish on our Notes (canLike, canReply, canAnnounce);
// - what a remote post's policy means for the owner: go ahead, ask first, or not allowed;
// - the "polite" requests we send when asking (LikeRequest, ReplyRequest, AnnounceRequest: the
//   interaction itself travels in `instrument`, the post interacted with is `object`);
// - the authorization an Accept names in `result`, which our interaction then carries once
//   approved (`likeAuthorization` / `replyAuthorization` / `announceAuthorization`, and
//   `approvedBy`, the property GoToSocial before v0.21 reads).
import type { InteractionPolicy, SubPolicy } from "./normalize.ts";
import { isPublic } from "./normalize.ts";
import type { LocalUrls } from "./urls.ts";
import { AS_CONTEXT, PUBLIC } from "./vocabulary.ts";

/** GoToSocial's namespace and the policy terms shared by the actor (canFeature) and our Notes. */
export const GTS_POLICY_TERMS = {
  gts: "https://gotosocial.org/ns#",
  interactionPolicy: { "@id": "gts:interactionPolicy", "@type": "@id" },
  automaticApproval: { "@id": "gts:automaticApproval", "@type": "@id" },
  manualApproval: { "@id": "gts:manualApproval", "@type": "@id" },
} as const;

/** The terms of an authorization ("stamp") GoToSocial's way: QuoteAuthorization, FeatureAuthorization. */
export const GTS_STAMP_TERMS = {
  gts: GTS_POLICY_TERMS.gts,
  interactingObject: { "@id": "gts:interactingObject", "@type": "@id" },
  interactionTarget: { "@id": "gts:interactionTarget", "@type": "@id" },
} as const;

/** The terms a Note and the interactions we send need besides GTS_POLICY_TERMS. */
export const NOTE_POLICY_TERMS = {
  ...GTS_POLICY_TERMS,
  canLike: { "@id": "gts:canLike", "@type": "@id" },
  canReply: { "@id": "gts:canReply", "@type": "@id" },
  canAnnounce: { "@id": "gts:canAnnounce", "@type": "@id" },
  approvedBy: { "@id": "gts:approvedBy", "@type": "@id" },
  likeAuthorization: { "@id": "gts:likeAuthorization", "@type": "@id" },
  replyAuthorization: { "@id": "gts:replyAuthorization", "@type": "@id" },
  announceAuthorization: { "@id": "gts:announceAuthorization", "@type": "@id" },
} as const;

/** GoToSocial's own context for requests, answers and authorizations: its namespace document defines every term. */
export const GTS_CONTEXT = [AS_CONTEXT, "https://gotosocial.org/ns"];

/** The interactions a policy governs, by the sub-policy that names them. */
export type Interaction = "Like" | "Reply" | "Announce";

const SUB_POLICY = { Like: "canLike", Reply: "canReply", Announce: "canAnnounce" } as const;
const REQUEST_TYPE = { Like: "LikeRequest", Reply: "ReplyRequest", Announce: "AnnounceRequest" } as const;
const AUTHORIZATION_PROPERTY = { Like: "likeAuthorization", Reply: "replyAuthorization", Announce: "announceAuthorization" } as const;

export type RequestType = (typeof REQUEST_TYPE)[Interaction];
export const REQUEST_TYPES: ReadonlySet<string> = new Set(Object.values(REQUEST_TYPE));
export const requestTypeOf = (interaction: Interaction): RequestType => REQUEST_TYPE[interaction];

/**
 * The policy on every Note we serve: anyone who can see the post may like it and reply to it;
 * only public and unlisted posts may be boosted (the rest only by us, as GoToSocial's defaults
 * for followers-only and direct posts say). Nothing waits for approval, so no server needs to
 * ask us first; publishing the sub-policies tells policy-aware servers what we allow.
 */
export function notePolicy(urls: LocalUrls, visibility: "public" | "unlisted" | "followers" | "direct"): Record<string, unknown> {
  const everyone = { automaticApproval: [PUBLIC] };
  const boosts = visibility === "public" || visibility === "unlisted" ? everyone : { automaticApproval: [urls.actor] };
  return { canLike: everyone, canReply: everyone, canAnnounce: boosts };
}

export type Approval = { kind: "automatic" } | { kind: "manual" } | { kind: "forbidden"; reason: string };

export interface Interacting {
  /** Our actor. */
  actor: string;
  /** The post's author. */
  author: string;
  /** The post mentions us: GoToSocial always lets a mentioned actor reply. */
  mentioned: boolean;
}

/**
 * What `interaction` with a post carrying `policy` takes, following GoToSocial's rules: no
 * sub-policy means the server does not enforce one (go ahead); the author and, for replies, the
 * mentioned are always allowed; an explicit listing of our actor beats Public; Public in
 * automaticApproval lets everyone; anything else we appear in only through a collection (the
 * author's followers or following) or in manualApproval is asked for, and the author's server
 * decides (GoToSocial asks even for collection members, to spare third servers the check).
 */
export function approvalFor(policy: InteractionPolicy | null, interaction: Interaction, who: Interacting): Approval {
  const sub: SubPolicy | undefined = policy?.[SUB_POLICY[interaction]];
  if (!sub) return { kind: "automatic" };
  if (who.actor === who.author) return { kind: "automatic" };
  if (interaction === "Reply" && who.mentioned) return { kind: "automatic" };
  if (sub.automatic.includes(who.actor)) return { kind: "automatic" };
  if (sub.manual.includes(who.actor)) return { kind: "manual" };
  if (sub.automatic.some(isPublic)) return { kind: "automatic" };
  if (sub.manual.some(isPublic)) return { kind: "manual" };
  // Collections (the author's followers or following): only the author's server knows who is in them.
  const collections = [...sub.automatic, ...sub.manual].filter((id) => id !== who.author && !isPublic(id));
  if (collections.length > 0) return { kind: "manual" };
  return { kind: "forbidden", reason: `the author's interaction policy does not allow others to ${interaction === "Announce" ? "boost" : interaction.toLowerCase()} this post` };
}

/** A polite request: `instrument` is the interaction as it will be sent once approved. */
export function interactionRequest(input: {
  id: string;
  interaction: Interaction;
  actor: string;
  author: string;
  target: string;
  instrument: Record<string, unknown>;
}): Record<string, unknown> {
  const { "@context": _context, ...instrument } = input.instrument;
  return {
    "@context": GTS_CONTEXT,
    id: input.id,
    type: REQUEST_TYPE[input.interaction],
    actor: input.actor,
    object: input.target,
    to: [input.author],
    instrument,
  };
}

/** The properties an approved interaction carries: the authorization, under its type's name and as `approvedBy`. */
export function approvedFields(interaction: Interaction, authorization: string): Record<string, string> {
  return { [AUTHORIZATION_PROPERTY[interaction]]: authorization, approvedBy: authorization };
}

export function interactionOfRequest(type: string): Interaction | null {
  for (const [interaction, request] of Object.entries(REQUEST_TYPE)) if (request === type) return interaction as Interaction;
  return null;
}
