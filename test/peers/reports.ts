// What the Node-side peers report to the tests through their control endpoints. The peers run in
// Node and the tests in workerd, so the records cross as JSON; one definition serves both sides.
// No imports: the workerd tests' tsconfig takes this file without the peers' Node types.

/** A delivery as the sink (test/peers/sink.ts) received and checked it. */
export interface SinkArrival {
  host: string;
  path: string;
  scheme: "draft-cavage" | "rfc9421" | null;
  /** The header names (draft-cavage) or components (RFC 9421) the signature covers. */
  signed: string[];
  verified: boolean;
  reason: string | null;
  status: number;
  activity: { id?: string; type?: string; object?: unknown } | null;
}

/** An activity the Fedify peer (test/peers/fedify-peer.ts) received, as Fedify read it. */
export interface FedifyReceived {
  path: string;
  type: string;
  id: string | null;
  objectId: string | null;
  /** The type IRI of the class Fedify parsed an embedded object as (null when the object is a bare id). */
  objectType: string | null;
  /** The embedded Note's attachments as Fedify's vocabulary reads them. */
  attachments: { url: string | null; mediaType: string | null; name: string | null; width: number | null; height: number | null }[];
  /** An embedded Question as Fedify's vocabulary reads it: its options (name and count), end, voters. */
  question: { exclusive: { name: string | null; count: number | null }[]; inclusive: { name: string | null; count: number | null }[]; endTime: string | null; closed: boolean; voters: number | null } | null;
  /** The activity as it arrived; the tests read whichever members they check. */
  activity: Record<string, any>;
  /** Fedify's verifyRequestDetailed on the delivery as it arrived. */
  httpSignature: { verified: true; keyId: string; owner: string | null } | { verified: false; reason: string };
  /** Which signature scheme the delivery used (Fedify's HttpMessageSignaturesSpec). */
  spec: "draft-cavage-http-signatures-12" | "rfc9421";
  /** Fedify's verifyObject over the body's FEP-8b32 proofs; "absent" when there are none. */
  proof: "verified" | "invalid" | "absent";
  /** Whether Fedify's own inbox (federation.fetch) accepted it and ran its listener. */
  inboxStatus: number;
  inboxAnswer: string;
  listenerRan: boolean;
}

/** An activity the Mastodon-style peer (test/peers/mastodon-peer.ts) received. */
export interface MastodonReceived {
  path: string;
  /** The activity as it arrived; the tests read whichever members they check. */
  activity: Record<string, any>;
  /** The signature holds by Mastodon's rules and the activity's actor is the signer. */
  verified: boolean;
  reason: string | null;
}

/** A Follow the Mastodon-style peer's account was sent, and how the peer answered it. */
export interface MastodonFollowRequest {
  id: string;
  actor: string;
  object: string;
  state: "requested" | "accepted" | "rejected";
}

/** A GET of one of the Mastodon-style peer's documents, with what its signature check found. */
export interface MastodonFetch {
  path: string;
  verified: boolean;
  reason: string | null;
  keyId: string | null;
  signedHeaders: string[];
}
