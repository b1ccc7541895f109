// /api/v1/conversations (Mastodon's conversations_controller.rb): the owner's direct-message
// threads. The rules are src/domain/direct-conversations.ts.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { directConversation, directConversationPage, markConversationRead, removeConversation } from "../../domain/direct-conversations.ts";
import { jsonError } from "../../http.ts";
import { conversationEntities } from "../entities/conversation.ts";
import { bounds, readPage, setLinks } from "../pagination.ts";
import { requireScope } from "../scopes.ts";

const ID = "{\\d{1,16}}";

async function rowOf(c: AppContext) {
  return (await directConversation(c.var.services, c.req.param("id"))) ?? jsonError(c, 404, "Record not found");
}

export const conversationRoutes = new Hono<AppEnv>()
  .get("/api/v1/conversations", requireScope("read:statuses"), async (c) => {
    const page = readPage(c, { default: 20, max: 40 });
    if ("error" in page) return jsonError(c, 400, page.error);
    const rows = await directConversationPage(c.var.services, { ...bounds(page), limit: page.limit });
    setLinks(c, page, rows.map((r) => r.lastStatusId));
    return c.json(await conversationEntities(c.var.services, rows));
  })
  .post(`/api/v1/conversations/:id${ID}/read`, requireScope("write:conversations"), async (c) => {
    const row = await rowOf(c);
    if (row instanceof Response) return row;
    const [entity] = await conversationEntities(c.var.services, [await markConversationRead(c.var.services, row)]);
    return c.json(entity);
  })
  .delete(`/api/v1/conversations/:id${ID}`, requireScope("write:conversations"), async (c) => {
    const row = await rowOf(c);
    if (row instanceof Response) return row;
    await removeConversation(c.var.services, row);
    return c.json({});
  });
