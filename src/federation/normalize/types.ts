// The typed shapes every incoming ActivityPub document is turned into. Handlers read only these.

/** A result as a value: the normaliser never throws. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Anything the normaliser produces; `kind` tells them apart (the AS `type` alone cannot). */
export type Normalized = NormalizedActivity | NormalizedObject | NormalizedActor | NormalizedCollection;

/**
 * A reference to another document: its id, and the document itself when the sender embedded it
 * (and it normalised). An embedded document that fails to normalise leaves only the id, so the
 * handler fetches it like any bare reference.
 */
export interface Ref {
  id: string;
  embedded?: Normalized;
}

/** `name` is the handle as sent (usually `@user@host`). */
export interface MentionTag {
  type: "Mention";
  href: string;
  name: string | null;
}

/** `name` without the leading `#`, case as sent. */
export interface HashtagTag {
  type: "Hashtag";
  name: string;
  href: string | null;
}

/** `name` is the shortcode without colons: `:blobcat:` becomes `blobcat`. */
export interface EmojiTag {
  type: "Emoji";
  name: string;
  iconUrl: string;
  /** The icon's `mediaType`, when sent. */
  mediaType: string | null;
  id: string | null;
}

export type Tag = MentionTag | HashtagTag | EmojiTag;

/**
 * A media attachment or (type `Link`, from an `href`) a link preview. `name` is the alt text
 * (`name`, else `summary`). Entries without any http(s) URL are dropped.
 */
export interface Attachment {
  type: string;
  url: string;
  mediaType: string | null;
  name: string | null;
  blurhash: string | null;
  width: number | null;
  height: number | null;
  focalPoint: [number, number] | null;
}

export interface PollOption {
  name: string;
  votes: number;
}

/** A `Question`'s options: `oneOf` (single choice) or `anyOf` (multiple choice). */
export interface Poll {
  multiple: boolean;
  options: PollOption[];
  /** `endTime`, else the time in `closed`. */
  endTime: Date | null;
  /** `closed` is present (a time or `true`). */
  closed: boolean;
  votersCount: number | null;
}

/** The original source text: `source` {content, mediaType}, or Misskey's `_misskey_content` (MFM). */
export interface Source {
  content: string;
  mediaType: string | null;
}

/** Who may do one kind of interaction: ids of actors and collections (Public as PUBLIC_COLLECTION). */
export interface SubPolicy {
  /** `automaticApproval` and the older `always`. */
  automatic: string[];
  /** `manualApproval` and the older `approvalRequired`. */
  manual: string[];
}

/** GoToSocial's `interactionPolicy`: only the sub-policies the post sets (an absent one is not enforced). */
export interface InteractionPolicy {
  canLike?: SubPolicy;
  canReply?: SubPolicy;
  canAnnounce?: SubPolicy;
  canQuote?: SubPolicy;
}

export interface NormalizedActivity {
  kind: "activity";
  /** Absent ids are allowed (GoToSocial sends id-less Deletes); a present non-http(s) id is rejected. */
  id: string | null;
  /** The first recognised type when `type` is an array; unknown types are kept as sent. */
  type: string;
  /** Id of the actor: a string, `{id}`, an embedded actor, or the first of an array. */
  actor: string;
  /** The first of `objects`. */
  object: Ref | null;
  /** Every object (Flag sends `[account, ...statuses]`), at most 100. */
  objects: Ref[];
  target: Ref | null;
  origin: Ref | null;
  /** Accept{QuoteRequest} / GoToSocial Accept{LikeRequest}: the authorization. */
  result: Ref | null;
  /** QuoteRequest: the quoting post, usually embedded. */
  instrument: Ref | null;
  /** Public addressing (`as:Public`, `Public`) is rewritten to PUBLIC_COLLECTION; `bto`/`bcc` are dropped. */
  to: string[];
  cc: string[];
  audience: string[];
  published: Date | null;
  /** EmojiReact / Misskey reaction (`content`, first `contentMap` value, or `_misskey_reaction`); Flag comment. */
  content: string | null;
  /** Emoji tags explain a custom-emoji reaction. */
  tag: Tag[];
  raw: Record<string, unknown>;
}

export interface NormalizedObject {
  kind: "object";
  id: string;
  type: string;
  /** Actor ids, individual actors before groups (PeerTube/Lemmy send `[Person, Group]`); may be empty (Tombstone). */
  attributedTo: string[];
  to: string[];
  cc: string[];
  /** Lemmy's community. */
  audience: string[];
  inReplyTo: string | null;
  /** `content`, else the first `contentMap` value. HTML as sent: sanitise before display. */
  content: string | null;
  source: Source | null;
  /** First `contentMap`/`summaryMap`/`nameMap` key, else Lemmy's `language.identifier`. */
  language: string | null;
  /** The content warning (`summary` or first `summaryMap` value); empty becomes null. */
  summary: string | null;
  sensitive: boolean;
  published: Date | null;
  updated: Date | null;
  /** A string, Link or array; text/html preferred. */
  url: string | null;
  /** `name` or first `nameMap` value (article titles, poll votes). */
  name: string | null;
  tag: Tag[];
  attachment: Attachment[];
  /** `quote`, `_misskey_quote`, `quoteUrl` or `quoteUri`. */
  quote: string | null;
  /** Only for `Question`. */
  poll: Poll | null;
  /** GoToSocial's `interactionPolicy`; null when the post has none (src/federation/normalize/interaction-policy.ts). */
  interactionPolicy: InteractionPolicy | null;
  raw: Record<string, unknown>;
}

export type ActorType = "Person" | "Service" | "Application" | "Group" | "Organization";

export interface RsaKey {
  id: string;
  /** `owner` as sent, or the actor id when missing. Callers must still check it equals the actor. */
  owner: string;
  pem: string;
}

export interface Ed25519Key {
  id: string;
  /** `controller` as sent, or the actor id when missing. */
  controller: string;
  multibase: string;
  /** The raw 32-byte public key decoded from `multibase`. */
  publicKey: Uint8Array;
}

/**
 * The keys a document offers: an actor's `publicKey`/`assertionMethod` (whether or not it is a
 * complete actor), or a standalone key document. `id` is the document's id.
 */
export interface KeySet {
  id: string;
  rsaKeys: RsaKey[];
  ed25519Keys: Ed25519Key[];
}

export interface ProfileField {
  name: string;
  value: string;
}

export interface NormalizedActor {
  kind: "actor";
  id: string;
  type: ActorType;
  preferredUsername: string | null;
  name: string | null;
  summary: string | null;
  /** Profile page; null unless on the same host as `id` (a foreign url would let an actor pose as another). */
  url: string | null;
  inbox: string;
  /** `endpoints.sharedInbox`, else top-level `sharedInbox` (Misskey). */
  sharedInbox: string | null;
  outbox: string | null;
  followers: string | null;
  following: string | null;
  featured: string | null;
  /** `publicKey` (one object or an array; `type` is not checked, Misskey says `Key`). */
  rsaKeys: RsaKey[];
  /** `assertionMethod` Multikeys that decode to Ed25519 (FEP-521a). */
  ed25519Keys: Ed25519Key[];
  alsoKnownAs: string[];
  movedTo: string | null;
  manuallyApprovesFollowers: boolean;
  /** Avatar/header URL; of several images the widest is taken. */
  icon: string | null;
  image: string | null;
  published: Date | null;
  /** Custom emoji used in name and summary. */
  tag: Tag[];
  /** PropertyValue attachments (profile metadata), value is HTML. */
  fields: ProfileField[];
  raw: Record<string, unknown>;
}

/** Collections and their pages (featured posts, followers, replies). */
export interface NormalizedCollection {
  kind: "collection";
  id: string;
  type: string;
  totalItems: number | null;
  /** `orderedItems` or `items`, at most 500. */
  items: Ref[];
  /** Id of the first page (an embedded first page without an id gives null). */
  first: string | null;
  next: string | null;
  partOf: string | null;
  raw: Record<string, unknown>;
}
