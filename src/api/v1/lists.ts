// /api/v1/lists (Mastodon's lists_controller.rb and lists/accounts_controller.rb) and
// /api/v1/accounts/:id/lists. The list timeline is in timelines.ts; the rules are src/domain/lists.ts.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { actorForAccountId, actorsForAccountIds } from "../../domain/accounts.ts";
import { addToList, allLists, createList, deleteList, findList, type ListChanges, listMembers, listsOf, removeFromList, updateList } from "../../domain/lists.ts";
import { jsonError } from "../../http.ts";
import { accountsFor } from "../entities/account.ts";
import { listEntity } from "../entities/list.ts";
import { boolParam, type Json, listParam, readParams, stringParam } from "../body.ts";
import { bounds, readPage, setLinks } from "../pagination.ts";
import { requireScope } from "../scopes.ts";

const ID = "{\\d{1,16}}";

function changesOf(p: Json): ListChanges {
  return { title: stringParam(p, "title"), repliesPolicy: stringParam(p, "replies_policy"), exclusive: boolParam(p, "exclusive") };
}

/** The list of `:id`, or the 404 to answer. */
async function listOf(c: AppContext) {
  return (await findList(c.var.services, Number(c.req.param("id")))) ?? jsonError(c, 404, "Record not found");
}

/** `account_ids[]` as actors; an id that names no account makes the whole request 404, as Account.find does. */
async function accountsParam(c: AppContext): Promise<string[] | Response> {
  const body = await readParams(c);
  if (!body.ok) return jsonError(c, 422, body.error);
  const ids = listParam(body.params, "account_ids");
  if (ids.some((id) => !/^\d{1,16}$/.test(id))) return jsonError(c, 404, "Record not found");
  const actors = await actorsForAccountIds(c.var.services, ids.map(Number));
  if (ids.some((id) => !actors.has(Number(id)))) return jsonError(c, 404, "Record not found");
  return ids.map((id) => actors.get(Number(id))!);
}

export const listRoutes = new Hono<AppEnv>()
  .get("/api/v1/lists", requireScope("read:lists"), async (c) => c.json((await allLists(c.var.services)).map(listEntity)))
  .post("/api/v1/lists", requireScope("write:lists"), async (c) => {
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const created = await createList(c.var.services, changesOf(body.params));
    return created.ok ? c.json(listEntity(created.list)) : jsonError(c, created.status, created.error);
  })
  .get(`/api/v1/lists/:id${ID}`, requireScope("read:lists"), async (c) => {
    const list = await listOf(c);
    return list instanceof Response ? list : c.json(listEntity(list));
  })
  .put(`/api/v1/lists/:id${ID}`, requireScope("write:lists"), async (c) => {
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const updated = await updateList(c.var.services, Number(c.req.param("id")), changesOf(body.params));
    return updated.ok ? c.json(listEntity(updated.list)) : jsonError(c, updated.status, updated.error);
  })
  .delete(`/api/v1/lists/:id${ID}`, requireScope("write:lists"), async (c) =>
    (await deleteList(c.var.services, Number(c.req.param("id")))) ? c.json({}) : jsonError(c, 404, "Record not found"),
  )
  .get(`/api/v1/lists/:id${ID}/accounts`, requireScope("read:lists"), async (c) => {
    const list = await listOf(c);
    if (list instanceof Response) return list;
    const s = c.var.services;
    // limit=0 is every member without pagination (Mastodon's `unlimited?`).
    const page = c.req.query("limit") === "0" ? null : readPage(c, { default: 40, max: 80 });
    if (page && "error" in page) return jsonError(c, 400, page.error);
    const members = await listMembers(s, list.id, page ? { ...bounds(page), limit: page.limit } : { lower: null, upper: null, ascending: false, limit: null });
    const accounts = await accountsFor(s, members.map((m) => m.actorId));
    if (page) setLinks(c, page, members.map((m) => m.cursor));
    return c.json(members.map((m) => accounts.get(m.actorId)!));
  })
  .post(`/api/v1/lists/:id${ID}/accounts`, requireScope("write:lists"), async (c) => {
    const list = await listOf(c);
    if (list instanceof Response) return list;
    const actors = await accountsParam(c);
    if (actors instanceof Response) return actors;
    const added = await addToList(c.var.services, list.id, actors);
    return added.ok ? c.json({}) : jsonError(c, added.status, added.error);
  })
  .delete(`/api/v1/lists/:id${ID}/accounts`, requireScope("write:lists"), async (c) => {
    const list = await listOf(c);
    if (list instanceof Response) return list;
    // Unknown ids remove nothing (Mastodon's destroy_all on a where).
    const body = await readParams(c);
    const ids = (body.ok ? listParam(body.params, "account_ids") : []).filter((id) => /^\d{1,16}$/.test(id)).map(Number);
    const actors = await actorsForAccountIds(c.var.services, ids);
    await removeFromList(c.var.services, list.id, [...actors.values()]);
    return c.json({});
  })
  .get(`/api/v1/accounts/:id${ID}/lists`, requireScope("read:lists"), async (c) => {
    const actor = await actorForAccountId(c.var.services, Number(c.req.param("id")));
    if (!actor) return jsonError(c, 404, "Record not found");
    return c.json((await listsOf(c.var.services, actor)).map(listEntity));
  });
