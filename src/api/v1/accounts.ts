// /api/v1/accounts: the owner's credentials, any account by id or handle, its statuses and
// relations, and following, unfollowing, blocking and removing followers through the same use
// cases the C2S outbox and the inbox use.
import { cursorOrder, cursorRange, newestFirst } from "../../db/queries/page.ts";
import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { followers, following, pins, statuses } from "../../db/schema.ts";
import { setAccountNote } from "../../domain/account-notes.ts";
import { actorForAccountId, actorsForAccountIds } from "../../domain/accounts.ts";
import { blockActor, unblockActor } from "../../domain/blocks.ts";
import { changeFollowOptions, followAccount, removeFollower, unfollowAccount } from "../../domain/follows.ts";
import { muteAccount, unmuteAccount } from "../../domain/mutes.ts";
import { type ProfileChanges, updateProfile } from "../../domain/profile.ts";
import { withHashtag } from "../../domain/statuses.ts";
import { resolveHandle } from "../../federation/lookup.ts";
import { QUOTE_POLICIES, type QuotePolicy } from "../../federation/quote-policy.ts";
import { jsonError } from "../../http.ts";
import { accountFor, accountsFor, ownerAccount } from "../entities/account.ts";
import { relationshipsFor } from "../entities/relationship.ts";
import { statusList } from "../entities/status.ts";
import { bodyTooLarge, profileBody, profileImages } from "./media.ts";
import { boolParam, type Json, listParam, readParams, stringParam } from "../body.ts";
import { bounds, readPage, setLinks } from "../pagination.ts";
import { actsAsOwner, requireScope } from "../scopes.ts";

/** The actor behind `:id`, or the 404 to answer. */
async function actorParam(c: AppContext): Promise<string | Response> {
  const raw = c.req.param("id") ?? "";
  const actor = /^\d{1,16}$/.test(raw) ? await actorForAccountId(c.var.services, Number(raw)) : null;
  return actor ?? jsonError(c, 404, "Record not found");
}

/** The relationship with the account of `:id` (whose actor the route already resolved). */
async function relationship(c: AppContext, actorId: string) {
  const [entity] = await relationshipsFor(c.var.services, [{ id: Number(c.req.param("id")), actorId }]);
  return c.json(entity);
}

/**
 * An action on the account of `:id` answered with the relationship after it, as Mastodon's
 * follow/unfollow/block/mute endpoints answer; the action may return a refusal instead.
 */
function onAccount(action: (c: AppContext, actor: string) => Promise<Response | void>) {
  return async (c: AppContext) => {
    const actor = await actorParam(c);
    if (typeof actor !== "string") return actor;
    return (await action(c, actor)) ?? relationship(c, actor);
  };
}

/** Followers or following of the owner, newest first, paged by when each began (ms). */
async function relationList(c: AppContext, table: typeof followers | typeof following) {
  const page = readPage(c, { default: 40, max: 80 });
  if ("error" in page) return jsonError(c, 400, page.error);
  const cursor = bounds(page);
  const rows = await c.var.services.db
    .select({ actorId: table.actorId, createdAt: table.createdAt })
    .from(table)
    .where(and(eq(table.state, "accepted"), cursorRange(table.createdAt, cursor)))
    .orderBy(cursorOrder(table.createdAt, cursor))
    .limit(page.limit);
  newestFirst(rows, cursor);
  const accounts = await accountsFor(c.var.services, rows.map((r) => r.actorId));
  setLinks(c, page, rows.map((r) => r.createdAt));
  return c.json(rows.map((r) => accounts.get(r.actorId)!));
}

const MAX_DISPLAY_NAME = 100;
const MAX_NOTE = 5000;
const MAX_FIELDS = 50;
const PRIVACY = ["public", "unlisted", "private", "direct"] as const;

/** update_credentials' parameters as profile changes; only what was sent changes. */
function profileChanges(p: Json): ProfileChanges | { error: string } {
  const changes: ProfileChanges = {};
  const name = stringParam(p, "display_name");
  if (name !== undefined) {
    if (name.length > MAX_DISPLAY_NAME) return { error: `Validation failed: Display name is too long (maximum is ${MAX_DISPLAY_NAME} characters)` };
    changes.displayName = name;
  }
  const note = stringParam(p, "note");
  if (note !== undefined) {
    if (note.length > MAX_NOTE) return { error: `Validation failed: Bio is too long (maximum is ${MAX_NOTE} characters)` };
    changes.bio = note;
  }
  for (const [param, key] of [["locked", "manuallyApprovesFollowers"], ["bot", "bot"], ["discoverable", "discoverable"]] as const) {
    const value = boolParam(p, param);
    if (value !== undefined) changes[key] = value;
  }
  const fields = p.fields_attributes;
  if (fields !== undefined) {
    const entries = (Array.isArray(fields) ? fields : fields && typeof fields === "object" ? Object.values(fields as Json) : []) as Json[];
    const parsed = entries
      .map((f) => ({ name: stringParam(f ?? {}, "name") ?? "", value: stringParam(f ?? {}, "value") ?? "" }))
      .filter((f) => f.name.trim() || f.value.trim());
    if (parsed.length > MAX_FIELDS) return { error: `Validation failed: at most ${MAX_FIELDS} profile fields` };
    changes.fields = parsed;
  }
  const source = (p.source && typeof p.source === "object" ? p.source : {}) as Json;
  const privacy = stringParam(source, "privacy");
  if (privacy !== undefined) {
    if (!(PRIVACY as readonly string[]).includes(privacy)) return { error: "Validation failed: source[privacy] is not one of public, unlisted, private, direct" };
    changes.defaultVisibility = privacy as (typeof PRIVACY)[number];
  }
  const quotePolicy = stringParam(source, "quote_policy");
  if (quotePolicy !== undefined) {
    if (!(QUOTE_POLICIES as readonly string[]).includes(quotePolicy)) return { error: "Validation failed: source[quote_policy] is not one of public, followers, nobody" };
    changes.defaultQuotePolicy = quotePolicy as QuotePolicy;
  }
  const sensitive = boolParam(source, "sensitive");
  if (sensitive !== undefined) changes.defaultSensitive = sensitive;
  const language = stringParam(source, "language");
  if (language !== undefined) changes.defaultLanguage = /^[a-z]{2,3}$/.test(language) ? language : null;
  return changes;
}

export const accounts = new Hono<AppEnv>()
  .get("/api/v1/accounts/verify_credentials", requireScope("read:accounts"), async (c) => c.json(await ownerAccount(c.var.services, { credential: true })))
  .on(["PATCH", "PUT"], "/api/v1/accounts/update_credentials", requireScope("write:accounts"), async (c) => {
    const tooLarge = bodyTooLarge(c);
    if (tooLarge) return tooLarge;
    const body = await profileBody(c);
    if (body instanceof Response) return body;
    try {
      const changes = profileChanges(body.params);
      if ("error" in changes) return jsonError(c, 422, changes.error);
      const images = await profileImages(c.var.services, body);
      if (!images.ok) return jsonError(c, images.status, images.error);
      await updateProfile(c.var.services, { ...changes, ...images.changes });
    } finally {
      await body.done();
    }
    return c.json(await ownerAccount(c.var.services, { credential: true }));
  })
  .get("/api/v1/accounts/relationships", requireScope("read:follows"), async (c) => {
    const params = await readParams(c);
    const ids = params.ok ? listParam(params.params, "id").filter((id) => /^\d{1,16}$/.test(id)).slice(0, 80) : [];
    const s = c.var.services;
    const actors = await actorsForAccountIds(s, ids.map(Number));
    const known = ids.map(Number).flatMap((id) => (actors.has(id) ? [{ id, actorId: actors.get(id)! }] : []));
    return c.json(await relationshipsFor(s, known));
  })
  .get("/api/v1/accounts/lookup", async (c) => {
    const s = c.var.services;
    const acct = (c.req.query("acct") ?? "").replace(/^@/, "").trim();
    if (!acct) return jsonError(c, 400, "acct is required");
    const [user, host] = acct.split("@");
    if (!host || host === s.config.handleDomain || host === new URL(s.config.origin).host) {
      return user?.toLowerCase() === s.config.username.toLowerCase() ? c.json(await ownerAccount(s)) : jsonError(c, 404, "Record not found");
    }
    const actor = await resolveHandle(s.db, s.fetcher, acct);
    return actor.ok ? c.json(await accountFor(s, actor.value.id)) : jsonError(c, 404, "Record not found");
  })
  .get("/api/v1/accounts/familiar_followers", (c) => c.json([]))
  .get("/api/v1/accounts/:id{\\d+}", async (c) => {
    const actor = await actorParam(c);
    return typeof actor === "string" ? c.json(await accountFor(c.var.services, actor)) : actor;
  })
  .get("/api/v1/accounts/:id{\\d+}/statuses", async (c) => {
    const actor = await actorParam(c);
    if (typeof actor !== "string") return actor;
    const page = readPage(c, { default: 20, max: 40 });
    if ("error" in page) return jsonError(c, 400, page.error);
    const params = await readParams(c);
    const p = params.ok ? params.params : {};
    const s = c.var.services;
    const owner = actor === s.urls.actor;
    const pinned = boolParam(p, "pinned") === true;
    // Media are not kept yet; a remote account's pins live on its server (its featured collection is not fetched).
    if (boolParam(p, "only_media") || (pinned && !owner)) return c.json([]);
    const taggedParam = stringParam(p, "tagged");
    const tagged = taggedParam ? withHashtag(s, taggedParam) : undefined;
    if (tagged === null) return c.json([]);
    const cursor = bounds(page);
    const where = and(
      eq(statuses.actorId, actor),
      eq(statuses.local, owner),
      // Without the owner's token only what is public can be read, as GET /statuses/:id.
      c.var.grant?.actsAsOwner ? undefined : inArray(statuses.visibility, ["public", "unlisted"]),
      tagged,
      boolParam(p, "exclude_replies") ? isNull(statuses.inReplyTo) : undefined,
      boolParam(p, "exclude_reblogs") ? isNull(statuses.reblogOfUri) : undefined,
      cursorRange(statuses.id, cursor),
    );
    // Pinned: newest pin first, the cursors still status ids (as Mastodon pages them); at most five anyway.
    const rows = pinned
      ? (await s.db.select({ status: statuses }).from(statuses).innerJoin(pins, eq(pins.statusUri, statuses.uri)).where(where).orderBy(desc(pins.id)).limit(page.limit)).map((r) => r.status)
      : await s.db.select().from(statuses).where(where).orderBy(cursorOrder(statuses.id, cursor)).limit(page.limit);
    if (!pinned) newestFirst(rows, cursor);
    setLinks(c, page, rows.map((r) => r.id));
    return c.json(await statusList(s, rows, { owner: actsAsOwner(c), context: "account" }));
  })
  .get("/api/v1/accounts/:id{\\d+}/followers", async (c) => {
    const actor = await actorParam(c);
    if (typeof actor !== "string") return actor;
    // Only the owner's own lists are known here; a remote account's are on its server.
    return actor === c.var.services.urls.actor ? relationList(c, followers) : c.json([]);
  })
  .get("/api/v1/accounts/:id{\\d+}/following", async (c) => {
    const actor = await actorParam(c);
    if (typeof actor !== "string") return actor;
    return actor === c.var.services.urls.actor ? relationList(c, following) : c.json([]);
  })
  .post(
    "/api/v1/accounts/:id{\\d+}/follow",
    requireScope("write:follows"),
    onAccount(async (c, actor) => {
      const s = c.var.services;
      if (actor === s.urls.actor) return jsonError(c, 403, "You cannot follow yourself");
      const body = await readParams(c);
      if (!body.ok) return jsonError(c, 422, body.error);
      const options = { reblogs: boolParam(body.params, "reblogs"), notify: boolParam(body.params, "notify") };
      // Following again sends nothing; it changes the options that were sent, as Mastodon does.
      if (await changeFollowOptions(s, actor, options)) return;
      const result = await followAccount(s, actor, options);
      if (!result.ok) return jsonError(c, result.status === 404 ? 404 : 422, result.error);
    }),
  )
  .post(
    "/api/v1/accounts/:id{\\d+}/note",
    requireScope("write:accounts"),
    onAccount(async (c, actor) => {
      const body = await readParams(c);
      if (!body.ok) return jsonError(c, 422, body.error);
      const comment = stringParam(body.params, "comment");
      if (comment === undefined && body.params.comment !== undefined) return jsonError(c, 422, "Validation failed: comment must be text");
      const saved = await setAccountNote(c.var.services, actor, comment ?? "");
      if (!saved.ok) return jsonError(c, 422, `Validation failed: ${saved.error}`);
    }),
  )
  .post("/api/v1/accounts/:id{\\d+}/unfollow", requireScope("write:follows"), onAccount(async (c, actor) => void (await unfollowAccount(c.var.services, actor))))
  .post("/api/v1/accounts/:id{\\d+}/remove_from_followers", requireScope("write:follows"), onAccount(async (c, actor) => void (await removeFollower(c.var.services, actor))))
  .post(
    "/api/v1/accounts/:id{\\d+}/mute",
    requireScope("write:mutes"),
    onAccount(async (c, actor) => {
      if (actor === c.var.services.urls.actor) return jsonError(c, 403, "You cannot mute yourself");
      const body = await readParams(c);
      const p = body.ok ? body.params : {};
      const duration = Number(stringParam(p, "duration") ?? 0);
      await muteAccount(c.var.services, actor, {
        hideNotifications: boolParam(p, "notifications") ?? true,
        durationSeconds: Number.isFinite(duration) && duration > 0 ? Math.min(duration, 10 * 365 * 86_400) : 0,
      });
    }),
  )
  .post("/api/v1/accounts/:id{\\d+}/unmute", requireScope("write:mutes"), onAccount(async (c, actor) => void (await unmuteAccount(c.var.services, actor))))
  .post(
    "/api/v1/accounts/:id{\\d+}/block",
    requireScope("write:blocks"),
    onAccount(async (c, actor) => {
      if (actor === c.var.services.urls.actor) return jsonError(c, 403, "You cannot block yourself");
      await blockActor(c.var.services, actor);
    }),
  )
  .post("/api/v1/accounts/:id{\\d+}/unblock", requireScope("write:blocks"), onAccount(async (c, actor) => void (await unblockActor(c.var.services, actor))));

