// The owner's posts: text in, a Note with Mastodon-shaped addressing, tags and HTML out,
// stored, signed with an object proof and handed to delivery. C2S and the JSON API both use it.
import { and, eq, isNull } from "drizzle-orm";
import type { Env } from "../config.ts";
import { objects } from "../db/schema.ts";
import { queueActivity, type Visibility } from "../delivery/outbox.ts";
import type { HandlerContext } from "../federation/inbox/context.ts";
import { getActorKeys } from "../federation/keys.ts";
import { resolveHandle } from "../federation/lookup.ts";
import { fetchActivityDocument } from "../federation/fetch.ts";
import { normalizeObject, PUBLIC_COLLECTION } from "../federation/normalize.ts";
import { createProof } from "../federation/proofs.ts";
import { newId } from "../federation/urls.ts";
import { AS_CONTEXT } from "../http.ts";
import { findHashtags, findMentions, type ResolvedMention, renderMarkdown } from "./markdown.ts";

export interface PostInput {
  text: string;
  visibility: Visibility;
  summary: string | null;
  inReplyTo: string | null;
  language: string | null;
}

export type PublishContext = HandlerContext & { env: Env };
export type Published = { ok: true; objectId: string; activityId: string } | { ok: false; status: 400 | 404; error: string };

export const VISIBILITIES: readonly Visibility[] = ["public", "unlisted", "followers", "direct"];
export const NOTE_CONTEXT = [AS_CONTEXT, "https://w3id.org/security/data-integrity/v1", { sensitive: "as:sensitive", Hashtag: "as:Hashtag" }];

/** Mastodon's addressing per visibility (app/lib/activitypub/tag_manager.rb). */
export function addressing(visibility: Visibility, followersUrl: string, mentioned: string[]): { to: string[]; cc: string[] } {
  switch (visibility) {
    case "public":
      return { to: [PUBLIC_COLLECTION], cc: [followersUrl, ...mentioned] };
    case "unlisted":
      return { to: [followersUrl], cc: [PUBLIC_COLLECTION, ...mentioned] };
    case "followers":
      return { to: [followersUrl], cc: mentioned };
    case "direct":
      return { to: mentioned, cc: [] };
  }
}

async function resolveMentions(ctx: PublishContext, text: string): Promise<ResolvedMention[]> {
  const out: ResolvedMention[] = [];
  for (const handle of findMentions(text).slice(0, 20)) {
    const actor = await resolveHandle(ctx.db, ctx.fetch, handle);
    if (!actor.ok) {
      console.log(JSON.stringify({ event: "publish.mention_unresolved", handle, reason: actor.reason }));
      continue;
    }
    out.push({ handle, actorId: actor.value.id, url: actor.value.url ?? actor.value.id, username: actor.value.preferredUsername ?? handle.split("@")[1]! });
  }
  return out;
}

/** The author of the post replied to: ours, or fetched. Null when it cannot be found. */
async function replyAuthor(ctx: PublishContext, inReplyTo: string): Promise<string | null> {
  if (inReplyTo.startsWith(`${ctx.config.origin}/`)) {
    const [row] = await ctx.db.select({ id: objects.id }).from(objects).where(and(eq(objects.id, inReplyTo), isNull(objects.deletedAt)));
    return row ? ctx.urls.actor : null;
  }
  const fetched = await fetchActivityDocument(inReplyTo, ctx.fetch);
  if (!fetched.ok) return null;
  const object = normalizeObject(fetched.value);
  return object.ok ? (object.value.attributedTo[0] ?? null) : null;
}

async function sign(ctx: PublishContext, activity: Record<string, unknown>): Promise<Record<string, unknown>> {
  const keys = await getActorKeys(ctx.db);
  return createProof(activity, { verificationMethod: ctx.urls.ed25519KeyId, privateKey: keys.ed25519.privateKey });
}

export async function buildNote(ctx: PublishContext, input: PostInput, id: string, published: Date) {
  const mentions = await resolveMentions(ctx, input.text);
  const mentioned = mentions.map((m) => m.actorId);
  if (input.inReplyTo) {
    const author = await replyAuthor(ctx, input.inReplyTo);
    if (!author) return null;
    if (author !== ctx.urls.actor && !mentioned.includes(author)) mentioned.push(author);
  }
  const html = renderMarkdown(input.text, new Map(mentions.map((m) => [m.handle, m])), ctx.urls.tag);
  const localId = id.slice(id.lastIndexOf("/") + 1);
  return {
    id,
    type: "Note",
    attributedTo: ctx.urls.actor,
    ...addressing(input.visibility, ctx.urls.followers, mentioned),
    inReplyTo: input.inReplyTo,
    published: published.toISOString(),
    url: ctx.urls.permalink(localId),
    summary: input.summary,
    sensitive: input.summary !== null,
    content: html,
    ...(input.language ? { contentMap: { [input.language]: html } } : {}),
    tag: [
      ...mentions.map((m) => ({ type: "Mention", href: m.actorId, name: m.handle })),
      ...findHashtags(input.text).map((name) => ({ type: "Hashtag", href: ctx.urls.tag(name), name: `#${name}` })),
    ],
  };
}

export async function publishNote(ctx: PublishContext, input: PostInput): Promise<Published> {
  const now = new Date();
  const objectId = ctx.urls.object(newId(now.getTime()));
  const note = await buildNote(ctx, input, objectId, now);
  if (!note) return { ok: false, status: 400, error: `inReplyTo ${input.inReplyTo} could not be found` };
  const activity = await sign(ctx, {
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
    type: "Note",
    visibility: input.visibility,
    inReplyTo: input.inReplyTo,
    document: JSON.stringify(note),
    published: now.getTime(),
  });
  await queueActivity(ctx.env, ctx.db, activity as { id: string; type: string }, { visibility: input.visibility, objectId, published: now.getTime() });
  return { ok: true, objectId, activityId: activity.id as string };
}

async function ownObject(ctx: PublishContext, objectId: string) {
  const [row] = await ctx.db.select().from(objects).where(and(eq(objects.id, objectId), isNull(objects.deletedAt)));
  return row ?? null;
}

export async function editNote(ctx: PublishContext, objectId: string, input: PostInput): Promise<Published> {
  const row = await ownObject(ctx, objectId);
  if (!row) return { ok: false, status: 404, error: `no post ${objectId}` };
  const now = new Date();
  const previous = JSON.parse(row.document) as { published: string };
  const built = await buildNote(ctx, { ...input, visibility: row.visibility, inReplyTo: row.inReplyTo }, objectId, new Date(previous.published));
  if (!built) return { ok: false, status: 400, error: "the post replied to could not be found" };
  const note = { ...built, updated: now.toISOString() };
  const activity = await sign(ctx, {
    "@context": NOTE_CONTEXT,
    id: `${objectId}#updates/${Math.floor(now.getTime() / 1000)}`,
    type: "Update",
    actor: ctx.urls.actor,
    published: note.updated,
    to: note.to,
    cc: note.cc,
    object: note,
  });
  await ctx.db.update(objects).set({ document: JSON.stringify(note), updated: now.getTime() }).where(eq(objects.id, objectId));
  await queueActivity(ctx.env, ctx.db, activity as { id: string; type: string }, { visibility: row.visibility, objectId, published: now.getTime() });
  return { ok: true, objectId, activityId: activity.id as string };
}

export function tombstone(objectId: string, formerType: string, deleted: number) {
  return { "@context": AS_CONTEXT, id: objectId, type: "Tombstone", formerType, deleted: new Date(deleted).toISOString() };
}

export async function deleteNote(ctx: PublishContext, objectId: string): Promise<Published> {
  const row = await ownObject(ctx, objectId);
  if (!row) return { ok: false, status: 404, error: `no post ${objectId}` };
  const now = Date.now();
  const note = JSON.parse(row.document) as { to: string[]; cc: string[] };
  const { "@context": _c, ...object } = tombstone(objectId, row.type, now);
  const activity = await sign(ctx, {
    "@context": NOTE_CONTEXT,
    id: `${objectId}#delete`,
    type: "Delete",
    actor: ctx.urls.actor,
    to: note.to,
    cc: note.cc,
    object,
  });
  await ctx.db.update(objects).set({ deletedAt: now }).where(eq(objects.id, objectId));
  await queueActivity(ctx.env, ctx.db, activity as { id: string; type: string }, { visibility: row.visibility, objectId, published: now });
  return { ok: true, objectId, activityId: activity.id as string };
}
