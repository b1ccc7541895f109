// FEP-044f quote posts as Mastodon 4.5 speaks them: the `interactionPolicy.canQuote` of our Notes,
// the quote fields of a quoting Note, the QuoteRequest / QuoteAuthorization vocabulary, and the
// QuoteAuthorization ("stamp") we serve for each quote we authorised.
//
// Mastodon's NoteSerializer#interaction_policy lists only automatic approval, and names the author
// alone when nobody else may quote; a followers-only or direct post is downgraded to that. Roost
// also says `manualApproval: [Public]` under the followers policy: everyone else's QuoteRequest
// waits for the owner (Mastodon reads manualApproval and offers such posts for quoting as pending).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { quoteById, type QuoteRow } from "../db/queries/quotes.ts";
import { activityJson, jsonError } from "../http.ts";
import { GTS_POLICY_TERMS, GTS_STAMP_TERMS } from "./interaction-policy.ts";
import type { LocalUrls } from "./urls.ts";
import { AS_CONTEXT, PUBLIC } from "./vocabulary.ts";

export type QuotePolicy = "public" | "followers" | "nobody";
export const QUOTE_POLICIES: readonly QuotePolicy[] = ["public", "followers", "nobody"];

const FEP_044F = "https://w3id.org/fep/044f#";

/** The terms a Note with a policy or a quote needs (Mastodon's `quotes` and `interaction_policies` context extensions). */
export const QUOTE_NOTE_TERMS = {
  quote: { "@id": `${FEP_044F}quote`, "@type": "@id" },
  quoteUri: "http://fedibird.com/ns#quoteUri",
  _misskey_quote: "https://misskey-hub.net/ns#_misskey_quote",
  quoteAuthorization: { "@id": `${FEP_044F}quoteAuthorization`, "@type": "@id" },
  ...GTS_POLICY_TERMS,
  canQuote: { "@id": "gts:canQuote", "@type": "@id" },
} as const;

const STAMP_TERMS = {
  QuoteAuthorization: `${FEP_044F}QuoteAuthorization`,
  ...GTS_STAMP_TERMS,
};

export const QUOTE_REQUEST_CONTEXT = [AS_CONTEXT, { QuoteRequest: `${FEP_044F}QuoteRequest`, ...QUOTE_NOTE_TERMS }];
const STAMP_CONTEXT = [AS_CONTEXT, STAMP_TERMS];

/** A post's effective policy: only what everyone may see can be quoted by others. */
export function effectivePolicy(policy: QuotePolicy, visibility: string): QuotePolicy {
  return visibility === "public" || visibility === "unlisted" ? policy : "nobody";
}

/** `interactionPolicy.canQuote` for one of our posts. */
export function canQuote(policy: QuotePolicy, urls: LocalUrls): Record<string, string[]> {
  if (policy === "public") return { automaticApproval: [PUBLIC] };
  if (policy === "followers") return { automaticApproval: [urls.followers], manualApproval: [PUBLIC] };
  return { automaticApproval: [urls.actor] };
}

const ids = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]).flatMap((v) => {
    const id = typeof v === "object" && v !== null ? (v as Record<string, unknown>).id : v;
    return typeof id === "string" ? [id] : [];
  });

const PUBLIC_NAMES = new Set([PUBLIC, "as:Public", "Public"]);

export interface ParsedQuotePolicy {
  /** Mastodon's REST names: public, followers, following, unsupported_policy. */
  automatic: string[];
  manual: string[];
}

/**
 * A Note's `interactionPolicy.canQuote`, read as Mastodon's StatusParser reads it: the public
 * collection, the author's followers and following collections, the author (nothing more), or
 * anything else (unsupported_policy). No policy at all: nobody but the author.
 */
export function parseQuotePolicy(note: Record<string, unknown>, author: { id: string; followers?: string | null; following?: string | null }): ParsedQuotePolicy {
  const policy = (note.interactionPolicy as Record<string, unknown> | undefined)?.canQuote as Record<string, unknown> | undefined;
  const names = (list: string[]) => [
    ...new Set(
      list.flatMap((id) => {
        if (PUBLIC_NAMES.has(id)) return ["public"];
        if (id === author.id) return [];
        if (author.followers && id === author.followers) return ["followers"];
        if (author.following && id === author.following) return ["following"];
        return ["unsupported_policy"];
      }),
    ),
  ];
  if (!policy || typeof policy !== "object") return { automatic: [], manual: [] };
  return { automatic: names(ids(policy.automaticApproval)), manual: names(ids(policy.manualApproval)) };
}

/** What a quoting Note carries: the quoted post under the three names Mastodon writes, and the stamp once given. */
export function quoteFields(quotedUri: string, approvalUri: string | null): Record<string, string> {
  return { quote: quotedUri, _misskey_quote: quotedUri, quoteUri: quotedUri, ...(approvalUri ? { quoteAuthorization: approvalUri } : {}) };
}

/** The `RE: <link>` paragraph servers without quote support show; Mastodon marks it `quote-inline` and hides it when it shows the quote. */
export function quoteFallbackHtml(url: string): string {
  const href = url.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
  return `<p class="quote-inline">RE: <a href="${href}">${href}</a></p>`;
}

export function quoteAuthorizationUrl(urls: LocalUrls, id: string): string {
  return `${urls.actor}/quote_authorizations/${id}`;
}

export function quoteAuthorizationDocument(urls: LocalUrls, row: Pick<QuoteRow, "id" | "statusUri" | "quotedUri">): Record<string, unknown> {
  return {
    "@context": STAMP_CONTEXT,
    id: quoteAuthorizationUrl(urls, row.id),
    type: "QuoteAuthorization",
    attributedTo: urls.actor,
    interactingObject: row.statusUri,
    interactionTarget: row.quotedUri,
  };
}

/** A fetched stamp is valid for (quoting, quoted) by `author` when it says exactly that (Mastodon's VerifyQuoteService). */
export function stampMatches(doc: Record<string, unknown>, expected: { quoting: string; quoted: string; author: string }): boolean {
  const types = Array.isArray(doc.type) ? doc.type : [doc.type];
  if (!types.includes("QuoteAuthorization") && !types.includes(`${FEP_044F}QuoteAuthorization`)) return false;
  const [attributedTo] = ids(doc.attributedTo);
  const [interacting] = ids(doc.interactingObject);
  const [target] = ids(doc.interactionTarget);
  return attributedTo === expected.author && interacting === expected.quoting && target === expected.quoted;
}

// Served only while the quote stands: a revoked stamp answers 404, so a server that re-checks it drops the quote.
export const quoteAuthorizationRoutes = new Hono<AppEnv>().get("/users/:username/quote_authorizations/:id", async (c) => {
  const s = c.var.services;
  const row = await quoteById(s.db, c.req.param("id"));
  if (!row || row.state !== "accepted" || row.quotedActorId !== s.urls.actor) return jsonError(c, 404, "no such quote authorization");
  return activityJson(c, quoteAuthorizationDocument(s.urls, row));
});
