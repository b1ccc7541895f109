// Which AS types are activities, objects, actors and collections, so a document can be routed to the
// right normaliser and `type: [...]` arrays resolve to the type that matters.
import type { ActorType } from "./types.ts";
import { type Json, typeNames } from "./values.ts";

export type DocumentKind = "activity" | "object" | "actor" | "collection";

const ACTIVITY_TYPES: ReadonlySet<string> = new Set([
  "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike", "Flag", "Follow",
  "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move", "Offer", "Read", "Reject", "Remove",
  "TentativeAccept", "TentativeReject", "Travel", "Undo", "Update", "View",
  // Extensions: Pleroma/Akkoma reactions (and their older name), FEP-044f quotes, GoToSocial interaction requests, FEP-7aa9.
  "EmojiReact", "EmojiReaction", "QuoteRequest", "LikeRequest", "ReplyRequest", "AnnounceRequest", "FeatureRequest",
]);

const OBJECT_TYPES: ReadonlySet<string> = new Set([
  "Note", "Article", "Page", "Question", "Image", "Video", "Audio", "Document", "Event", "Place",
  "Tombstone", "ChatMessage",
  // FEP-044f: the stamp a quoted author's server serves.
  "QuoteAuthorization",
]);

const ACTOR_TYPES: ReadonlySet<string> = new Set<ActorType>(["Person", "Service", "Application", "Group", "Organization"]);

const COLLECTION_TYPES: ReadonlySet<string> = new Set([
  "Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage",
]);

const KIND_SETS: [DocumentKind, ReadonlySet<string>][] = [
  ["activity", ACTIVITY_TYPES],
  ["object", OBJECT_TYPES],
  ["actor", ACTOR_TYPES],
  ["collection", COLLECTION_TYPES],
];

/** The first type we recognise, with its kind; unrecognised types give null. */
export function recognisedType(json: Json): { type: string; kind: DocumentKind } | null {
  for (const type of typeNames(json)) {
    for (const [kind, types] of KIND_SETS) if (types.has(type)) return { type, kind };
  }
  return null;
}

/** The recognised type, else the first type as sent; null when there is none. */
export function primaryType(json: Json): string | null {
  return recognisedType(json)?.type ?? typeNames(json)[0] ?? null;
}

const KIND_PHRASES: Record<DocumentKind, string> = {
  activity: "an activity",
  object: "an object",
  actor: "an actor",
  collection: "a collection",
};

/** "X is not Y" reasons for a document handed to the wrong normaliser. */
export function wrongKind(type: string, kind: DocumentKind, wanted: DocumentKind): string {
  return `${type} is ${KIND_PHRASES[kind]}, not ${KIND_PHRASES[wanted]}`;
}

export function isActorType(type: string): type is ActorType {
  return ACTOR_TYPES.has(type);
}
