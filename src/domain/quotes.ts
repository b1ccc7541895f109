// FEP-044f quote posts, both ways, with the shapes Mastodon 4.5 sends and expects
// (docs/federation.md → Quote posts).
//
// Quotes of the owner's posts: a QuoteRequest{object: our post, instrument: their post} is
// answered per the post's canQuote policy — Accept whose `result` is a QuoteAuthorization we serve
// (src/federation/quote-policy.ts), Reject, or (followers policy, from a non-follower) held for the
// owner, who authorises or rejects it through the client API. Revoking sends Delete of the stamp.
//
// The owner's quotes: a QuoteRequest to the quoted author; their Accept's `result` is put on our
// Note as `quoteAuthorization` and the Note is sent again as an Update.
//
// Remote quotes of anything: shown only when authorised — the same author, one of the owner's
// quotes it authorised, or a stamp fetched through the safe fetcher that names exactly this pair —
// and dropped again when the stamp's Delete arrives.
import { and, eq, sql } from "drizzle-orm";
import { quoteOf, quoteOfPost, type QuoteRow, type QuoteState } from "../db/queries/quotes.ts";
import { followers, objects, quotes } from "../db/schema.ts";
import { fetchActivityDocument } from "../federation/fetch.ts";
import { hostOf, httpIri, type NormalizedActivity, type NormalizedObject, normalizeObject } from "../federation/normalize.ts";
import { NOTE_CONTEXT } from "../federation/notes.ts";
import {
  canQuote,
  effectivePolicy,
  QUOTE_REQUEST_CONTEXT,
  quoteAuthorizationUrl,
  quoteFallbackHtml,
  quoteFields,
  type QuotePolicy,
  stampMatches,
} from "../federation/quote-policy.ts";
import { newId } from "../federation/urls.ts";
import { PUBLIC } from "../federation/vocabulary.ts";
import type { Services } from "../services.ts";
import { notify } from "./notifications.ts";
import { done, type HandlerResult, ignored } from "./outcome.ts";
import type { PostInput } from "./posts/input.ts";
import { signed } from "./posts/signed.ts";
import { sendTo } from "./send.ts";
import { sendStampDelete } from "./quote-reach.ts";
import { fetchRemotePost, followOf, storeRemotePost } from "./statuses.ts";

type Json = Record<string, unknown>;

/** The policy one of our Notes publishes (its canQuote is the one record of it). */
export function policyOfNote(note: Json, s: Services): QuotePolicy {
  const policy = (note.interactionPolicy as Json | undefined)?.canQuote as Json | undefined;
  const automatic = Array.isArray(policy?.automaticApproval) ? (policy!.automaticApproval as unknown[]) : [];
  if (automatic.includes(PUBLIC)) return "public";
  if (automatic.includes(s.urls.followers)) return "followers";
  return "nobody";
}

/**
 * What a Note of ours carries for quotes: its canQuote policy, and when it quotes, the quote
 * fields (with the stamp an edit keeps), the `RE:` fallback for servers without quotes, and the
 * quoted author as a recipient (Mastodon adds a silent mention, so they can see the post).
 */
export async function quoteParts(s: Services, input: PostInput, previous: Json | null): Promise<{ fields: Json; fallback: string; recipient: string | null }> {
  const policy = input.quotePolicy ?? (previous ? policyOfNote(previous, s) : (await s.profile()).defaultQuotePolicy);
  const fields: Json = { interactionPolicy: { canQuote: canQuote(effectivePolicy(policy, input.visibility), s.urls) } };
  const quoted = input.quote ?? (typeof previous?.quote === "string" ? { uri: previous.quote, author: null } : null);
  if (!quoted) return { fields, fallback: "", recipient: null };
  const approval = typeof previous?.quoteAuthorization === "string" ? previous.quoteAuthorization : null;
  return { fields: { ...fields, ...quoteFields(quoted.uri, approval) }, fallback: quoteFallbackHtml(quoted.uri), recipient: quoted.author };
}

const now = (s: Services) => s.now();

/** After the owner's quoting post is published: a self-quote stands at once, anyone else is asked. */
export async function quotePublished(s: Services, objectId: string, note: Json, quoted: { uri: string; author: string }): Promise<void> {
  const own = quoted.author === s.urls.actor;
  const requestId = own ? null : `${s.urls.actor}/quote_requests/${crypto.randomUUID()}`;
  await s.db.insert(quotes).values({
    id: newId(),
    statusUri: objectId,
    quotedUri: quoted.uri,
    actorId: s.urls.actor,
    quotedActorId: quoted.author,
    state: own ? "accepted" : "pending",
    requestId,
    createdAt: now(s),
    updatedAt: now(s),
  });
  if (!requestId) return;
  // The quoting Note goes embedded: the quoted server need not fetch it (a followers-only quote
  // could not be fetched), and Mastodon takes an embedded instrument from the requester's host.
  const { "@context": _context, ...instrument } = note;
  await sendTo(s, quoted.author, "QuoteRequest", quoted.uri, requestId, { "@context": QUOTE_REQUEST_CONTEXT, instrument });
}

/** The QuoteRequest as Mastodon embeds it in its Accept and Reject (QuoteRequestSerializer). */
function requestObject(row: QuoteRow) {
  return { id: row.requestId, type: "QuoteRequest", actor: row.actorId, object: row.quotedUri, instrument: row.statusUri };
}

async function setState(s: Services, row: QuoteRow, state: QuoteState, approvalUri = row.approvalUri): Promise<void> {
  await s.db.update(quotes).set({ state, approvalUri, updatedAt: now(s) }).where(eq(quotes.id, row.id));
}

async function acceptQuote(s: Services, row: QuoteRow): Promise<void> {
  const stamp = quoteAuthorizationUrl(s.urls, row.id);
  await setState(s, row, "accepted", stamp);
  await sendTo(s, row.actorId, "Accept", requestObject(row), `${s.urls.actor}#accepts/quote_requests/${row.id}`, { "@context": QUOTE_REQUEST_CONTEXT, result: stamp });
}

/** Mastodon's Quote#reject!: an accepted quote becomes revoked, a revoked one stays so, anything else is rejected. */
const refused = (state: QuoteState): QuoteState => (state === "accepted" || state === "revoked" ? "revoked" : "rejected");

async function rejectQuote(s: Services, row: QuoteRow): Promise<void> {
  await setState(s, row, refused(row.state));
  await sendTo(s, row.actorId, "Reject", requestObject(row), `${s.urls.actor}#rejects/quote_requests/${row.id}`, { "@context": QUOTE_REQUEST_CONTEXT });
}

async function isOwnFollower(s: Services, actor: string): Promise<boolean> {
  const [row] = await s.db.select({ n: sql<number>`count(*)` }).from(followers).where(and(eq(followers.actorId, actor), eq(followers.state, "accepted")));
  return (row?.n ?? 0) > 0;
}

/** The quoting post a QuoteRequest names: embedded when on the requester's host (as Mastodon takes it), else fetched. */
async function instrumentOf(s: Services, activity: NormalizedActivity): Promise<NormalizedObject | string> {
  const ref = activity.instrument;
  if (!ref) return "a QuoteRequest without an instrument";
  if (ref.embedded?.kind === "object" && hostOf(ref.embedded.id) === hostOf(activity.actor)) return ref.embedded;
  const fetched = await fetchActivityDocument(ref.id, s.fetcher);
  if (!fetched.ok) return `the quoting post could not be fetched: ${fetched.reason}`;
  const object = normalizeObject(fetched.value);
  return object.ok ? object.value : `the quoting post is not usable: ${object.reason}`;
}

/** Inbox: QuoteRequest{object: one of our posts, instrument: the post quoting it}. */
export async function quoteRequested(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  const quotedUri = activity.object?.id;
  if (!quotedUri || !s.urls.isLocal(quotedUri)) return ignored("a QuoteRequest for a post that is not ours");
  if (!activity.id || hostOf(activity.id) !== hostOf(activity.actor)) return ignored("a QuoteRequest whose id is not on its actor's host");
  const [post] = await s.db.select().from(objects).where(eq(objects.id, quotedUri));
  // Mastodon answers nothing for a post that is gone or not distributable (QuoteRequest#perform:
  // public or unlisted only): no Reject either, which would tell a stranger a private post exists.
  if (!post || post.deletedAt !== null) return ignored("a QuoteRequest for a post we do not have");
  if (post.visibility !== "public" && post.visibility !== "unlisted") return ignored("a QuoteRequest for a post that is neither public nor unlisted");
  const quoting = await instrumentOf(s, activity);
  if (typeof quoting === "string") return ignored(quoting);
  // Mastodon's sanity check: the instrument is the requester's post, and it quotes this one.
  if (!quoting.attributedTo.includes(activity.actor)) return ignored("the quoting post is not the requester's");
  if (quoting.quote !== quotedUri) return ignored("the quoting post does not quote this post");
  const known = await quoteOf(s.db, quoting.id);
  if (known && known.quotedUri === quotedUri && known.requestId) {
    // A request seen before (a lost answer): answered as it was decided.
    if (known.state === "accepted") await acceptQuote(s, { ...known, requestId: activity.id });
    else if (known.state !== "pending") await rejectQuote(s, { ...known, requestId: activity.id });
    return done;
  }
  const policy = effectivePolicy(policyOfNote(JSON.parse(post.document) as Json, s), post.visibility);
  const row: QuoteRow = {
    id: newId(),
    statusUri: quoting.id,
    quotedUri,
    actorId: activity.actor,
    quotedActorId: s.urls.actor,
    state: "pending",
    approvalUri: null,
    requestId: activity.id,
    createdAt: now(s),
    updatedAt: now(s),
  };
  if (policy === "nobody") {
    await rejectQuote(s, row);
    return done;
  }
  // The quoting post is kept (and indexed) so the owner's notification and the quotes list can show it.
  const follow = await followOf(s, activity.actor);
  await storeRemotePost(s, quoting, activity.actor, follow !== null);
  await s.db
    .insert(quotes)
    .values(row)
    .onConflictDoUpdate({ target: quotes.statusUri, set: { quotedUri, requestId: activity.id, state: "pending", approvalUri: null, updatedAt: now(s) } });
  const stored = (await quoteOf(s.db, quoting.id))!;
  if (policy === "public" || (await isOwnFollower(s, activity.actor))) await acceptQuote(s, stored);
  // Otherwise it waits for the owner: the notification shows the quoting post, its quote `pending`.
  await notify(s, { type: "quote", actorId: activity.actor, objectId: quoting.id, activityId: activity.id });
  return done;
}

export type QuoteDecision = { ok: true; row: QuoteRow } | { ok: false; status: 404 | 422; error: string };

/** The owner's answer to a quote of one of their posts that waits (or, `revoke`, one already authorised). */
export async function decideQuote(s: Services, quotedUri: string, quotingUri: string, decision: "authorize" | "reject" | "revoke"): Promise<QuoteDecision> {
  const row = await quoteOfPost(s.db, quotedUri, quotingUri);
  if (!row || row.quotedActorId !== s.urls.actor || row.actorId === s.urls.actor) return { ok: false, status: 404, error: "Record not found" };
  if (decision === "revoke") {
    if (row.state !== "accepted") return { ok: false, status: 422, error: "only an accepted quote can be revoked" };
    await revokeStamp(s, row);
  } else {
    if (row.state !== "pending") return { ok: false, status: 422, error: `the quote is ${row.state}, not pending` };
    // A quote that arrived with no QuoteRequest (Misskey's, say) has nothing to answer: it stays unshown.
    if (!row.requestId) return { ok: false, status: 422, error: "the quote was never asked for: there is no QuoteRequest to answer" };
    await (decision === "authorize" ? acceptQuote(s, row) : rejectQuote(s, row));
  }
  return { ok: true, row: (await quoteOf(s.db, quotingUri))! };
}

/** Revoking: the stamp is no longer served, and its Delete goes where Mastodon's RevokeQuoteService sends it (quote-reach.ts). */
async function revokeStamp(s: Services, row: QuoteRow): Promise<void> {
  const stamp = row.approvalUri ?? quoteAuthorizationUrl(s.urls, row.id);
  await setState(s, row, "revoked", stamp);
  await sendStampDelete(s, row, stamp);
}

/** Accept/Reject of one of our QuoteRequests (null: the activity answers something else). */
export async function quoteRequestAnswered(activity: NormalizedActivity, s: Services): Promise<HandlerResult | null> {
  const requestId = activity.object?.id;
  if (!requestId || !requestId.startsWith(`${s.urls.actor}/quote_requests/`)) return null;
  const [row] = await s.db.select().from(quotes).where(and(eq(quotes.requestId, requestId), eq(quotes.actorId, s.urls.actor)));
  if (!row) return ignored("an answer to a QuoteRequest we do not know");
  if (row.quotedActorId !== activity.actor) return ignored("an answer to a QuoteRequest from someone other than the quoted author");
  if (activity.type === "Reject") {
    await refusedByQuoted(s, row);
    return done;
  }
  const stamp = activity.result?.id ?? null;
  // Mastodon's Accept#accept_quote_request!: the result must be an http(s) IRI; we also want it on the author's host, where it can be checked.
  if (!stamp || !httpIri(stamp) || hostOf(stamp) !== hostOf(activity.actor)) return ignored("an Accept of a QuoteRequest without a usable result");
  if (row.state !== "pending" && row.approvalUri === stamp) return ignored("the quote is already authorised");
  await setState(s, row, "accepted", stamp);
  await resendNote(s, row.statusUri, "quote_authorizations", (note) => ({ ...note, quoteAuthorization: stamp }));
  return done;
}

/** The owner changes who may quote a post (Mastodon 4.5's PUT /api/v1/statuses/:id/interaction_policy). */
export async function changeQuotePolicy(s: Services, objectId: string, policy: QuotePolicy): Promise<boolean> {
  return resendNote(s, objectId, "interaction_policies", (note, visibility) => ({
    ...note,
    interactionPolicy: { ...(note.interactionPolicy as Json | undefined), canQuote: canQuote(effectivePolicy(policy, visibility), s.urls) },
  }));
}

/**
 * One of our Notes changed by `change`, stored and sent again as an Update — no edit: `updated`
 * stays, as Mastodon sends a new stamp or policy. False when the post is not ours or is gone.
 */
async function resendNote(s: Services, objectId: string, reason: string, change: (note: Json, visibility: string) => Json): Promise<boolean> {
  const [row] = await s.db.select().from(objects).where(eq(objects.id, objectId));
  if (!row || row.deletedAt !== null) return false;
  const note = change(JSON.parse(row.document) as Json, row.visibility);
  const at = now(s);
  const activity = await signed(s, {
    "@context": NOTE_CONTEXT,
    id: `${objectId}#${reason}/${at}`,
    type: "Update",
    actor: s.urls.actor,
    published: new Date(at).toISOString(),
    to: note.to,
    cc: note.cc,
    object: note,
  });
  await s.db.update(objects).set({ document: JSON.stringify(note) }).where(eq(objects.id, objectId));
  await s.outbox.send(activity, { visibility: row.visibility, objectId, published: at });
  await s.stream.publish({ event: "status.update", uri: objectId });
  return true;
}

/** Delete of a stamp (null: the Delete is of something else): the quotes it authorised stand no more. */
export async function quoteStampDeleted(activity: NormalizedActivity, s: Services): Promise<HandlerResult | null> {
  const stamp = activity.object?.id;
  if (!stamp) return null;
  const rows = await s.db.select().from(quotes).where(eq(quotes.approvalUri, stamp));
  if (rows.length === 0) return null;
  // Only the stamp's own server may withdraw it (the quoted author's).
  if (hostOf(stamp) !== hostOf(activity.actor)) return ignored("a Delete of a quote authorization from another host");
  // Mastodon's Delete#revoke_quote takes pending and accepted quotes.
  for (const row of rows) if (row.quotedActorId === activity.actor && (row.state === "accepted" || row.state === "pending")) await refusedByQuoted(s, row);
  return done;
}

/**
 * The quoted author refuses a quote (Reject, or Delete of the stamp). When the owner's post stood
 * as a quote, it is sent again as an Update, as Mastodon redistributes it, so servers that showed
 * the quote check the stamp anew; its own `quoteAuthorization` stays, as Mastodon's Note keeps it.
 */
async function refusedByQuoted(s: Services, row: QuoteRow): Promise<void> {
  await setState(s, row, refused(row.state));
  if (row.actorId !== s.urls.actor) return;
  if (row.state === "accepted") await resendNote(s, row.statusUri, "quote_revocations", (note) => note);
  else await s.stream.publish({ event: "status.update", uri: row.statusUri });
}

/**
 * A remote post that quotes something, stored or updated: whether it is shown as a quote. The
 * quoted post is fetched when we lack it (the entity shows it); a stamp is fetched and checked.
 */
export async function remoteQuoteSeen(s: Services, object: NormalizedObject, author: string): Promise<void> {
  const quotedUri = object.quote;
  if (!quotedUri || !httpIri(quotedUri)) return;
  const known = await quoteOf(s.db, object.id);
  // A quote of the owner's post is decided by its QuoteRequest and the owner, never by what the post says.
  if (known && known.quotedUri === quotedUri && known.quotedActorId === s.urls.actor) return;
  const stampRaw = object.raw.quoteAuthorization;
  const stamp = typeof stampRaw === "string" ? stampRaw : typeof (stampRaw as Json | undefined)?.id === "string" ? ((stampRaw as Json).id as string) : null;
  let quotedAuthor: string | null = null;
  let state: QuoteState = "pending";
  if (s.urls.isLocal(quotedUri)) {
    // Of the owner's posts, only the quotes the owner authorised (their QuoteRequest, above) are shown.
    quotedAuthor = s.urls.actor;
  } else {
    const quoted = await fetchRemotePost(s, quotedUri);
    if (quoted.ok) quotedAuthor = quoted.row.actorId;
    // Mastodon's VerifyQuoteService: a self-quote stands; a stamp that cannot be fetched rejects
    // the quote; one that does not name exactly this pair by the quoted author, one on another
    // host than the quoted author's (which we do not fetch at all), or one for a quoted post we
    // could not fetch leaves it pending, as Mastodon leaves it.
    if (quotedAuthor === author) state = "accepted";
    else if (stamp && !httpIri(stamp)) state = "rejected";
    else if (quotedAuthor && stamp && hostOf(stamp) === hostOf(quotedAuthor)) {
      const fetched = await fetchActivityDocument(stamp, s.fetcher);
      if (!fetched.ok) state = "rejected";
      else if (stampMatches(fetched.value, { quoting: object.id, quoted: quotedUri, author: quotedAuthor })) state = "accepted";
    }
  }
  // A legacy quote (no FEP-044f `quote`, only _misskey_quote, quoteUri or quoteUrl) Mastodon keeps
  // but shows only once it stands (Quote#acceptable?); here it is not kept until then, so the post
  // shows as a post with its `RE:` link rather than as a quote waiting for an approval never asked for.
  if (!("quote" in object.raw) && state !== "accepted") {
    if (known) await s.db.delete(quotes).where(eq(quotes.id, known.id));
    return;
  }
  const values = { quotedUri, quotedActorId: quotedAuthor, state, approvalUri: state === "accepted" && quotedAuthor !== author ? stamp : null, updatedAt: now(s) };
  await s.db
    .insert(quotes)
    .values({ id: newId(), statusUri: object.id, actorId: author, requestId: null, createdAt: now(s), ...values })
    .onConflictDoUpdate({ target: quotes.statusUri, set: values });
}

export async function quoteStateOf(s: Services, statusUri: string): Promise<QuoteState | null> {
  return (await quoteOf(s.db, statusUri))?.state ?? null;
}

/** A remote post was edited: the owner's posts that quote it get a `quoted_update` notification (Mastodon 4.5). */
export async function quotedPostEdited(s: Services, quotedUri: string, author: string, activityId: string): Promise<void> {
  const rows = await s.db
    .select({ statusUri: quotes.statusUri })
    .from(quotes)
    .where(and(eq(quotes.quotedUri, quotedUri), eq(quotes.actorId, s.urls.actor), eq(quotes.state, "accepted")));
  for (const row of rows) await notify(s, { type: "quoted_update", actorId: author, objectId: row.statusUri, activityId: `${activityId}#quoted/${row.statusUri}` });
}
