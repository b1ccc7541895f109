// Custom emoji and emoji reactions in the client API: Mastodon's /api/v1/custom_emojis (the
// owner's emoji), Pleroma/Akkoma's reaction endpoints (/api/v1/pleroma/statuses/:id/reactions)
// and Fedibird's (/api/v1/statuses/:id/emoji_reactions/:emoji). Each write answers the status.
import { and, desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { reactions } from "../../db/schema.ts";
import { customEmojiEntity } from "../../domain/custom-emoji.ts";
import { addEmojiReaction, removeEmojiReaction } from "../../domain/emoji-reactions.ts";
import { ownEmojis } from "../../federation/emoji.ts";
import { jsonError } from "../../http.ts";
import { accountsFor, ownerAccount } from "../entities/account.ts";
import { emojiReactionsFor } from "../entities/reactions.ts";
import { requireScope } from "../scopes.ts";
import { entityResponse, target } from "./statuses.ts";

/** `:emoji` as sent in the path (percent-encoded unicode, or a shortcode with or without colons). */
function emojiParam(c: AppContext): string {
  return c.req.param("emoji") ?? "";
}

/** PUT (react) and DELETE (take it back) of `:emoji` on the status; both answer the status. */
function reaction(change: typeof addEmojiReaction) {
  return async (c: AppContext) => {
    const row = await target(c);
    if (row instanceof Response) return row;
    const result = await change(c.var.services, row.uri, emojiParam(c));
    if (!result.ok) return jsonError(c, result.status, result.error);
    return entityResponse(c, row);
  };
}

const react = reaction(addEmojiReaction);
const unreact = reaction(removeEmojiReaction);

/** Pleroma's reaction list: each emoji with the accounts that used it (the owner's own included). */
async function reactionList(c: AppContext, only?: string) {
  const row = await target(c);
  if (row instanceof Response) return row;
  const s = c.var.services;
  const [listed, actors] = await Promise.all([
    emojiReactionsFor(s, [row.uri]),
    s.db.select({ actorId: reactions.actorId, content: reactions.content }).from(reactions)
      .where(and(eq(reactions.objectId, row.uri), eq(reactions.type, "EmojiReact"))).orderBy(desc(reactions.createdAt)).limit(400),
  ]);
  const accounts = await accountsFor(s, actors.map((a) => a.actorId));
  const owner = await ownerAccount(s);
  const wanted = only?.replace(/^:(.*):$/, "$1");
  return c.json(
    (listed.get(row.uri) ?? [])
      .filter((r) => wanted === undefined || r.name === wanted)
      .map((r) => {
        const named = actors.filter((a) => a.content !== null && (a.content === r.name || a.content === `:${r.name}:`)).map((a) => accounts.get(a.actorId)!);
        const people = r.me ? [owner, ...named] : named;
        return { ...r, accounts: people, account_ids: people.map((a) => a.id) };
      }),
  );
}

export const emojiRoutes = new Hono<AppEnv>()
  .get("/api/v1/custom_emojis", async (c) => {
    const s = c.var.services;
    return c.json((await ownEmojis(s.db)).map((e) => customEmojiEntity(s, e)));
  })
  .get("/api/v1/pleroma/statuses/:id{\\d+}/reactions", requireScope("read:statuses"), (c) => reactionList(c))
  .get("/api/v1/pleroma/statuses/:id{\\d+}/reactions/:emoji", requireScope("read:statuses"), (c) => reactionList(c, emojiParam(c)))
  .put("/api/v1/pleroma/statuses/:id{\\d+}/reactions/:emoji", requireScope("write:statuses"), react)
  .delete("/api/v1/pleroma/statuses/:id{\\d+}/reactions/:emoji", requireScope("write:statuses"), unreact)
  // Fedibird's spelling of the same.
  .put("/api/v1/statuses/:id{\\d+}/emoji_reactions/:emoji", requireScope("write:favourites"), react)
  .delete("/api/v1/statuses/:id{\\d+}/emoji_reactions/:emoji", requireScope("write:favourites"), unreact);
