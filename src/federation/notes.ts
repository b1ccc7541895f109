// The shapes of our Notes on the wire that more than one module writes: the JSON-LD context of a
// Note and its activities (with the FEP-8b32 proof vocabulary), and the Tombstone left by a Delete.
import { QUOTE_NOTE_TERMS } from "./quote-policy.ts";
import { NOTE_POLICY_TERMS } from "./interaction-policy.ts";
import { AS_CONTEXT } from "./vocabulary.ts";

// The toot: terms are Mastodon's, for attachments: blurhash and focalPoint (an ordered pair);
// votersCount for polls (Questions). The quote terms (FEP-044f, Mastodon's canQuote): src/federation/quote-policy.ts.
export const NOTE_CONTEXT = [
  AS_CONTEXT,
  "https://w3id.org/security/data-integrity/v1",
  {
    sensitive: "as:sensitive",
    Hashtag: "as:Hashtag",
    toot: "http://joinmastodon.org/ns#",
    blurhash: "toot:blurhash",
    focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
    votersCount: "toot:votersCount",
    ...QUOTE_NOTE_TERMS,
    // GoToSocial's interaction policy and approvals (src/federation/interaction-policy.ts).
    ...NOTE_POLICY_TERMS,
    // Custom emoji tags (src/federation/emoji.ts).
    Emoji: "toot:Emoji",
  },
];

export function tombstone(objectId: string, formerType: string, deleted: number) {
  return { "@context": AS_CONTEXT, id: objectId, type: "Tombstone", formerType, deleted: new Date(deleted).toISOString() };
}
