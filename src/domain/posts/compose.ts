// The owner's posts: text in, a Note with Mastodon-shaped addressing, tags and HTML out,
// signed with an object proof, stored, and handed to delivery. C2S and the Mastodon API both use it.
import { and, eq, isNull } from "drizzle-orm";
import { objects } from "../../db/schema.ts";
import { actorRecipients, addressing } from "../../federation/addressing.ts";
import { notePolicy } from "../../federation/interaction-policy.ts";
import { NOTE_CONTEXT, tombstone } from "../../federation/notes.ts";
import { emojiTagsFor } from "../../federation/emoji.ts";
import { normalizeObject } from "../../federation/normalize.ts";
import { newId } from "../../federation/urls.ts";
import type { Services } from "../../services.ts";
import { requestCard } from "../cards.ts";
import { attachMedia, attachmentDocument, claimableMedia, deleteMediaOf, type MediaRow, mediaOf } from "../media.ts";
import { renderMarkdown, renderPlainText, scanMarkdown } from "../../text/markdown.ts";
import { unpinDeleted } from "../pins.ts";
import { addDirectPost } from "../direct-conversations.ts";
import { pollOf, tallyOf } from "../../db/queries/polls.ts";
import { newPoll, pollPublished } from "../polls.ts";
import { withTally } from "../../federation/questions.ts";
import { versionWrites } from "../status-edits.ts";
import { askApproval, interactionGate } from "../interaction-requests.ts";
import { indexStatus, unindexStatus } from "../statuses.ts";
import { quoteParts, quotePublished } from "../quotes.ts";
import { authorOf } from "./authors.ts";
import { hashtagHtml, hashtagTag } from "./hashtags.ts";
import type { PostInput } from "./input.ts";
import { signed } from "./signed.ts";
import { mentionHtml, mentionTag, resolveMentions } from "./mentions.ts";

export type Published = { ok: true; objectId: string; activityId: string } | { ok: false; status: 400 | 404 | 409 | 422; error: string };

type Note = Record<string, unknown> & { id: string; to: string[]; cc: string[]; published: string };

/**
 * The Note for `input`. `alsoAddress`: recipients kept from before an edit, so an edit reaches
 * everyone the post first went to (Mastodon keeps dropped mentions as silent ones).
 */
async function buildNote(
  ctx: Services,
  input: PostInput,
  id: string,
  published: Date,
  media: MediaRow[],
  alsoAddress: string[] = [],
  previous: Note | null = null,
): Promise<{ ok: true; note: Note } | { ok: false; error: string }> {
  const scanned = scanMarkdown(input.text);
  const mentions = await resolveMentions(ctx, scanned.mentions);
  const quoting = await quoteParts(ctx, input, previous);
  const recipients = new Set([...[...mentions.values()].map((m) => m.actorId), ...input.addressees, ...alsoAddress, ...(quoting.recipient ? [quoting.recipient] : [])]);
  if (input.inReplyTo) {
    const author = await authorOf(ctx, input.inReplyTo);
    if (!author) return { ok: false, error: `the post replied to (${input.inReplyTo}) could not be found` };
    recipients.add(author);
  }
  recipients.delete(ctx.urls.actor);
  if (input.visibility === "direct" && recipients.size === 0) {
    return { ok: false, error: "a direct post needs someone to address: mention @user@host" };
  }
  const html = (input.format === "plain" ? renderPlainText : renderMarkdown)(input.text, {
    mention: (handle) => {
      const mention = mentions.get(handle);
      return mention ? mentionHtml(mention) : null;
    },
    hashtag: (name) => hashtagHtml(name, ctx.urls.tag(name)),
  });
  const note: Note = {
    id,
    type: "Note",
    attributedTo: ctx.urls.actor,
    ...addressing(input.visibility, ctx.urls.followers, [...recipients]),
    inReplyTo: input.inReplyTo,
    published: published.toISOString(),
    url: ctx.urls.permalink(id.slice(id.lastIndexOf("/") + 1)),
    summary: input.summary,
    sensitive: input.summary !== null || input.sensitive === true,
    content: quoting.fallback + html,
    // The Markdown as written: edits and delete-and-redraft start from it (clients read it back as `text`).
    source: { content: input.text, mediaType: input.format === "plain" ? "text/plain" : "text/markdown" },
    ...(input.language ? { contentMap: { [input.language]: quoting.fallback + html } } : {}),
    tag: [
      ...[...mentions.values()].map(mentionTag),
      ...scanned.hashtags.map((name) => hashtagTag(name, ctx.urls.tag(name))),
      // The owner's custom emoji written as :shortcode: (the text keeps them; apps swap in the images).
      ...(await emojiTagsFor(ctx, [input.text, input.summary, ...(input.poll?.options ?? [])])),
    ],
    ...(media.length > 0 ? { attachment: media.map((m) => attachmentDocument(ctx, m)) } : {}),
    ...quoting.fields,
    // GoToSocial's canLike/canReply/canAnnounce beside FEP-044f's canQuote, in the one policy.
    interactionPolicy: { ...notePolicy(ctx.urls, input.visibility), ...(quoting.fields.interactionPolicy as Record<string, unknown>) },
  };
  return { ok: true, note };
}

/** `mediaHeldBy`: the uploads are held for this post under that marker (a scheduled post's, src/domain/posts/scheduled.ts). */
export async function publishNote(ctx: Services, input: PostInput, options: { mediaHeldBy?: string } = {}): Promise<Published> {
  // A moved account posts from its new home (Mastodon disables a moved login); undoing the move lifts this.
  const { movedTo } = await ctx.profile();
  if (movedTo) return { ok: false, status: 422, error: `this account has moved to ${movedTo}: post from there, or undo the move first` };
  const now = new Date(ctx.now());
  const objectId = ctx.urls.object(newId(now.getTime()));
  const claimed = await claimableMedia(ctx, input.media?.ids ?? [], options.mediaHeldBy ?? null, input.media?.edits);
  if (!claimed.ok) return { ok: false, status: 400, error: claimed.error };
  const built = await buildNote(ctx, input, objectId, now, claimed.media);
  if (!built.ok) return { ok: false, status: 400, error: built.error };
  // The replied-to post's interaction policy (GoToSocial): a reply may have to be approved first, or not be allowed.
  const gate = input.inReplyTo ? await interactionGate(ctx, "Reply", input.inReplyTo) : null;
  if (gate?.approval.kind === "forbidden") return { ok: false, status: 422, error: gate.approval.reason };
  // A poll makes the post a Question (Mastodon's NoteSerializer), its options counted from zero.
  const poll = input.poll ? newPoll(objectId, input.poll, now.getTime()) : null;
  const note: Note = poll ? (withTally(built.note, tallyOf(poll, now.getTime())) as Note) : built.note;
  const activity = await signed(ctx, {
    "@context": NOTE_CONTEXT,
    id: `${objectId}/activity`,
    type: "Create",
    actor: ctx.urls.actor,
    published: note.published,
    to: note.to,
    cc: note.cc,
    object: note,
  });
  await ctx.db.insert(objects).values({
    id: objectId,
    type: String(note.type),
    visibility: input.visibility,
    inReplyTo: input.inReplyTo,
    document: JSON.stringify(note),
    published: now.getTime(),
  });
  if (claimed.media.length > 0) await attachMedia(ctx, objectId, claimed.media);
  if (poll) await pollPublished(ctx, poll);
  if (gate?.approval.kind === "manual") await askApproval(ctx, { interaction: "Reply", target: input.inReplyTo!, author: gate.author, activity });
  else await ctx.outbox.send(activity, { visibility: input.visibility, objectId, published: now.getTime() });
  const indexed = await indexStatus(ctx, { uri: objectId, actorId: ctx.urls.actor, local: true, visibility: input.visibility, inReplyTo: input.inReplyTo, published: now.getTime(), home: true });
  await requestCard(ctx, objectId, cardSource(note));
  if (input.visibility === "direct") await addDirectPost(ctx, indexed, actorRecipients(note.to, note.cc, ctx.urls.followers));
  await ctx.stream.publish({ event: "update", uri: objectId });
  if (input.quote) await quotePublished(ctx, objectId, note, input.quote);
  return { ok: true, objectId, activityId: activity.id };
}

async function ownObject(ctx: Services, objectId: string) {
  const [row] = await ctx.db.select().from(objects).where(and(eq(objects.id, objectId), isNull(objects.deletedAt)));
  return row ?? null;
}

/** New text, content warning and language; visibility and the post replied to stay as they were. */
export async function editNote(ctx: Services, objectId: string, input: PostInput): Promise<Published> {
  const row = await ownObject(ctx, objectId);
  if (!row) return { ok: false, status: 404, error: `no post ${objectId}` };
  const previous = JSON.parse(row.document) as Note;
  const claimed = input.media ? await claimableMedia(ctx, input.media.ids, objectId, input.media.edits) : { ok: true as const, media: await mediaOf(ctx, objectId) };
  if (!claimed.ok) return { ok: false, status: 400, error: claimed.error };
  const built = await buildNote(
    ctx,
    { ...input, visibility: row.visibility, inReplyTo: row.inReplyTo },
    objectId,
    new Date(previous.published),
    claimed.media,
    actorRecipients(previous.to, previous.cc, ctx.urls.followers),
    previous,
  );
  if (!built.ok) return { ok: false, status: 400, error: built.error };
  // As Mastodon, an edit that changes nothing shown is no edit: nothing is stored or sent.
  const shown = (n: Record<string, unknown>) => JSON.stringify([n.content, n.summary ?? null, n.sensitive === true, n.contentMap ? Object.keys(n.contentMap) : null, n.attachment ?? []]);
  if (shown(built.note) === shown(previous)) return { ok: true, objectId, activityId: row.updated ? updateId(objectId, row.updated) : `${objectId}/activity` };
  // Edit activity ids carry the second of the edit; two edits within one second must not collide.
  const updated = new Date(Math.max(Date.now(), (row.updated ?? 0) + 1000));
  // The post's poll stays as it is, with its counts as they are now.
  const poll = await pollOf(ctx.db, objectId);
  const edited = { ...built.note, updated: updated.toISOString() };
  const note = poll ? (withTally(edited, tallyOf(poll, ctx.now())) as Note) : edited;
  const activity = await signed(ctx, {
    "@context": NOTE_CONTEXT,
    id: updateId(objectId, updated.getTime()),
    type: "Update",
    actor: ctx.urls.actor,
    published: note.updated,
    to: note.to,
    cc: note.cc,
    object: note,
  });
  const earlier = {
    content: String(previous.content ?? ""),
    summary: (previous.summary as string | null | undefined) ?? null,
    sensitive: previous.sensitive === true,
    source: (previous.source as { content?: string } | undefined)?.content ?? null,
    media: previousMedia(previous),
    createdAt: row.updated ?? row.published,
  };
  await ctx.db.batch([
    ...versionWrites(ctx, objectId, earlier),
    ctx.db.update(objects).set({ document: JSON.stringify(note), updated: updated.getTime() }).where(eq(objects.id, objectId)),
  ]);
  if (input.media) await attachMedia(ctx, objectId, claimed.media);
  await ctx.outbox.send(activity, { visibility: row.visibility, objectId, published: updated.getTime() });
  await requestCard(ctx, objectId, cardSource(note), { edit: true });
  await ctx.stream.publish({ event: "status.update", uri: objectId });
  return { ok: true, objectId, activityId: activity.id };
}

/** What the link card is chosen from: our HTML, its mentions; our media is on our origin, which is skipped anyway. */
function cardSource(note: Note) {
  const tags = (note.tag as { type: string; href?: string }[]).flatMap((t) => (t.type === "Mention" && t.href ? [{ type: "Mention" as const, href: t.href, name: null }] : []));
  return { html: String(note.content), tags, attachments: [] };
}

/** The attachments of the version an edit replaces, as the history shows them (the one normaliser reads our Note too). */
function previousMedia(previous: Note) {
  const parsed = normalizeObject(previous);
  return parsed.ok ? parsed.value.attachment : [];
}

function updateId(objectId: string, at: number): string {
  return `${objectId}#updates/${Math.floor(at / 1000)}`;
}

export async function deleteNote(ctx: Services, objectId: string): Promise<Published> {
  const row = await ownObject(ctx, objectId);
  if (!row) return { ok: false, status: 404, error: `no post ${objectId}` };
  const now = Date.now();
  const note = JSON.parse(row.document) as Note;
  const { "@context": _context, ...object } = tombstone(objectId, row.type, now);
  const activity = await signed(ctx, {
    "@context": NOTE_CONTEXT,
    id: `${objectId}#delete`,
    type: "Delete",
    actor: ctx.urls.actor,
    to: note.to,
    cc: note.cc,
    object,
  });
  await ctx.db.update(objects).set({ deletedAt: now }).where(eq(objects.id, objectId));
  await unindexStatus(ctx, objectId);
  await unpinDeleted(ctx, objectId);
  // The files go with the post (servers that copied them keep their copies, as with Mastodon).
  await deleteMediaOf(ctx, objectId);
  await ctx.outbox.send(activity, { visibility: row.visibility, objectId, published: now });
  return { ok: true, objectId, activityId: activity.id };
}
