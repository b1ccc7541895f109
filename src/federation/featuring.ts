// FEP-7aa9 featured collections as Mastodon 4.6 speaks them: our actor's
// `interactionPolicy.canFeature`, and the FeatureAuthorization we serve as the `result` of our
// Accept of a FeatureRequest (Mastodon fetches it to verify the FeaturedItem it adds).
//
// The policy follows Mastodon's ActorSerializer#interaction_policy: a profile that is not
// discoverable lets nobody else feature it (only the actor itself is named), a locked one lets its
// followers, otherwise the public. So the owner chooses with the `discoverable` and `locked`
// settings the apps already show.
import { Hono } from "hono";
import type { Profile } from "../config.ts";
import type { AppEnv } from "../context.ts";
import { featureAuthorization, type FeatureAuthorizationRow } from "../db/queries/featuring.ts";
import { activityJson, jsonError } from "../http.ts";
import { GTS_POLICY_TERMS, GTS_STAMP_TERMS } from "./interaction-policy.ts";
import type { LocalUrls } from "./urls.ts";
import { AS_CONTEXT, PUBLIC } from "./vocabulary.ts";

/** The JSON-LD terms of the actor's interaction policy (GoToSocial's namespace, FEP-7aa9's canFeature). */
export const INTERACTION_POLICY_TERMS = {
  ...GTS_POLICY_TERMS,
  canFeature: { "@id": "https://w3id.org/fep/7aa9#canFeature", "@type": "@id" },
  showFeatured: "toot:showFeatured",
  showMedia: "toot:showMedia",
} as const;

const AUTHORIZATION_CONTEXT = [
  AS_CONTEXT,
  {
    FeatureAuthorization: "https://w3id.org/fep/7aa9#FeatureAuthorization",
    ...GTS_STAMP_TERMS,
  },
];

export type FeaturePolicy = "public" | "followers" | "nobody";

export function featurePolicy(profile: Pick<Profile, "discoverable" | "manuallyApprovesFollowers">): FeaturePolicy {
  if (!profile.discoverable) return "nobody";
  return profile.manuallyApprovesFollowers ? "followers" : "public";
}

/** What the actor document carries for FEP-7aa9, and Mastodon's profile display settings. */
export function featuringFields(profile: Profile, urls: LocalUrls): Record<string, unknown> {
  const audience = { public: PUBLIC, followers: urls.followers, nobody: urls.actor }[featurePolicy(profile)];
  return {
    interactionPolicy: { canFeature: { automaticApproval: [audience] } },
    // Mastodon shows a profile's featured posts and media tabs unless the owner hid them; Roost hides neither.
    showFeatured: true,
    showMedia: true,
  };
}

export function featureAuthorizationUrl(urls: LocalUrls, id: string): string {
  return `${urls.actor}/feature_authorizations/${id}`;
}

export function featureAuthorizationDocument(urls: LocalUrls, row: FeatureAuthorizationRow): Record<string, unknown> {
  return {
    "@context": AUTHORIZATION_CONTEXT,
    id: featureAuthorizationUrl(urls, row.id),
    type: "FeatureAuthorization",
    interactingObject: row.collectionId,
    interactionTarget: urls.actor,
  };
}

export const featuringRoutes = new Hono<AppEnv>().get("/users/:username/feature_authorizations/:id", async (c) => {
  const s = c.var.services;
  const row = await featureAuthorization(s.db, c.req.param("id"));
  if (!row) return jsonError(c, 404, "no such feature authorization");
  return activityJson(c, featureAuthorizationDocument(s.urls, row));
});
