// Others asking before they like, reply to or boost one of the owner's posts: GoToSocial's polite
// LikeRequest / ReplyRequest / AnnounceRequest (`object` our post, `instrument` the interaction,
// embedded). Each is answered at once by the policy the post publishes (canLike, canReply,
// canAnnounce: src/federation/interaction-policy.ts notePolicy) and by who may see the post:
// - allowed: the interaction is recorded as if it had arrived plainly (reactionReceived,
//   postReceived), the approval is kept in `interaction_requests`, and an Accept goes back whose
//   `result` is the authorization we serve (src/federation/interaction-authorizations.ts). The
//   interaction GoToSocial then sends with `likeAuthorization` (&c.) is the same id, and counts once;
// - refused: a Reject, and nothing is stored.
// A request seen again (a lost answer) is answered as before, and records nothing twice.
import { and, eq, or } from "drizzle-orm";
import { followers, interactionRequests, objects } from "../db/schema.ts";
import { answeredRequestObject, type AnsweredRequest, interactionAuthorizationUrl } from "../federation/interaction-authorizations.ts";
import { approvalFor, GTS_CONTEXT, type Interaction, interactionOfRequest } from "../federation/interaction-policy.ts";
import { hostOf, type NormalizedActivity, type NormalizedObject, normalizeActivity, normalizeObject } from "../federation/normalize.ts";
import { newId } from "../federation/urls.ts";
import type { Services } from "../services.ts";
import { reactionReceived } from "./interactions.ts";
import { done, type HandlerResult, ignored } from "./outcome.ts";
import { postReceived } from "./remote-posts.ts";
import { sendTo } from "./send.ts";

type Json = Record<string, unknown>;

/** The approval properties an interaction carries once approved: a request must not claim one already. */
const APPROVAL_PROPERTIES = ["approvedBy", "likeAuthorization", "replyAuthorization", "announceAuthorization"];

type Asked = { interaction: Interaction; id: string; like?: NormalizedActivity; reply?: NormalizedObject };

/** The interaction a request carries, checked as GoToSocial checks it: embedded, the requester's own, about our post. */
function askedInteraction(activity: NormalizedActivity, interaction: Interaction, target: string): Asked | string {
  const raw = activity.raw.instrument;
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return "a request without its interaction embedded in `instrument`";
  const instrument = raw as Json;
  if (APPROVAL_PROPERTIES.some((p) => instrument[p] !== undefined && instrument[p] !== null)) return "a request for an interaction that claims to be approved already";
  if (interaction === "Reply") {
    const note = normalizeObject(instrument);
    if (!note.ok) return `the reply is not usable: ${note.reason}`;
    if (!note.value.attributedTo.includes(activity.actor)) return "the reply is not the requester's";
    if (note.value.inReplyTo !== target) return "the reply does not answer the post asked about";
    if (hostOf(note.value.id) !== hostOf(activity.actor)) return "the reply's id is not on the requester's server";
    return { interaction, id: note.value.id, reply: note.value };
  }
  // GoToSocial's own example names the liker as `attributedTo`; a Like's `actor` is what others send.
  const parsed = normalizeActivity({ ...instrument, actor: instrument.actor ?? instrument.attributedTo });
  if (!parsed.ok) return `the ${interaction} is not usable: ${parsed.reason}`;
  const like = parsed.value;
  if (like.type !== interaction) return `a ${activity.type} whose instrument is a ${like.type}`;
  if (like.actor !== activity.actor) return `the ${interaction} is not the requester's`;
  if (like.object?.id !== target) return `the ${interaction} is not of the post asked about`;
  if (!like.id || hostOf(like.id) !== hostOf(activity.actor)) return `the ${interaction}'s id is not on the requester's server`;
  return { interaction, id: like.id, like };
}

/** Whether `actor` may do `interaction` with our post, by the policy it publishes and by who may see it. */
async function allowed(s: Services, post: typeof objects.$inferSelect, interaction: Interaction, actor: string): Promise<boolean> {
  const note = normalizeObject(JSON.parse(post.document));
  if (!note.ok) return false;
  const mentioned = note.value.tag.some((t) => t.type === "Mention" && t.href === actor);
  const addressed = mentioned || [...note.value.to, ...note.value.cc].includes(actor);
  // Public in a policy means "whoever can see the post" (GoToSocial checks visibility first).
  let visible = post.visibility === "public" || post.visibility === "unlisted" || addressed;
  if (!visible && post.visibility === "followers") {
    const [follower] = await s.db
      .select({ id: followers.actorId })
      .from(followers)
      .where(and(eq(followers.actorId, actor), eq(followers.state, "accepted")));
    visible = !!follower;
  }
  // Our Notes publish automatic approval only (notePolicy): anything else is a refusal here.
  return visible && approvalFor(note.value.interactionPolicy, interaction, { actor, author: s.urls.actor, mentioned }).kind === "automatic";
}

async function accept(s: Services, request: AnsweredRequest, authorization: string): Promise<void> {
  await sendTo(s, request.actor, "Accept", answeredRequestObject(request), undefined, { "@context": GTS_CONTEXT, result: authorization });
}

async function reject(s: Services, request: AnsweredRequest): Promise<void> {
  await sendTo(s, request.actor, "Reject", answeredRequestObject(request), undefined, { "@context": GTS_CONTEXT });
}

/** Records the interaction through the handler its plain activity has. */
async function record(s: Services, activity: NormalizedActivity, asked: Asked): Promise<HandlerResult> {
  if (asked.like) return reactionReceived(asked.like, s);
  const reply = asked.reply!;
  // The reply as the Create GoToSocial would have sent: the request's signer is its author (checked).
  return postReceived({ ...activity, type: "Create", object: { id: reply.id, embedded: reply }, objects: [{ id: reply.id, embedded: reply }], instrument: null }, s);
}

/** Inbox: LikeRequest, ReplyRequest, AnnounceRequest. */
export async function interactionRequested(activity: NormalizedActivity, s: Services): Promise<HandlerResult> {
  const interaction = interactionOfRequest(activity.type);
  if (!interaction) return ignored(`${activity.type} is not an interaction request`);
  const target = activity.object?.id;
  if (!target || !s.urls.isLocal(target)) return ignored(`a ${activity.type} for a post that is not ours`);
  if (!activity.id || hostOf(activity.id) !== hostOf(activity.actor)) return ignored(`a ${activity.type} whose id is not on its actor's server`);
  const [post] = await s.db.select().from(objects).where(eq(objects.id, target));
  if (!post || post.deletedAt !== null) return ignored(`a ${activity.type} for a post we do not have`);
  const asked = askedInteraction(activity, interaction, target);
  if (typeof asked === "string") return ignored(asked);
  const request: AnsweredRequest = { id: activity.id, interaction, actor: activity.actor, target, interactionId: asked.id };

  const [known] = await s.db
    .select()
    .from(interactionRequests)
    .where(and(eq(interactionRequests.targetAuthor, s.urls.actor), or(eq(interactionRequests.id, activity.id), eq(interactionRequests.interactionId, asked.id))))
    .limit(1);
  if (known) {
    const answered = JSON.parse(known.activity) as Partial<AnsweredRequest>;
    if (answered.actor !== activity.actor || known.interactionId !== asked.id || !known.authorization) return ignored(`a ${activity.type} for an interaction answered for someone else`);
    await accept(s, request, known.authorization);
    return done;
  }

  if (!(await allowed(s, post, interaction, activity.actor))) {
    await reject(s, request);
    s.log("interaction.refused", { id: activity.id, interaction, target });
    return done;
  }
  const recorded = await record(s, activity, asked);
  const authorization = interactionAuthorizationUrl(s.urls, newId());
  const at = s.now();
  const stored = await s.db
    .insert(interactionRequests)
    .values({ id: activity.id, interaction, interactionId: asked.id, target, targetAuthor: s.urls.actor, activity: JSON.stringify(request), state: "accepted", authorization, createdAt: at, answeredAt: at })
    .onConflictDoNothing()
    .returning({ id: interactionRequests.id });
  // A concurrent copy of this request answered it first.
  if (stored.length === 0) return ignored("already answered");
  await accept(s, request, authorization);
  s.log("interaction.authorized", { id: activity.id, interaction, target, authorization, recorded: recorded.outcome });
  return done;
}
