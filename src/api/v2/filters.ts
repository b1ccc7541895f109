// /api/v2/filters, their keywords and statuses (Mastodon's api/v2/filters_controller.rb,
// filters/keywords_controller.rb, filters/statuses_controller.rb). Rules: src/domain/filters.ts.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import {
  addFilterStatus,
  addKeyword,
  changeKeyword,
  createFilter,
  deleteFilter,
  type FilterChanges,
  filterStatusesOf,
  findFilterStatus,
  findKeyword,
  type KeywordChange,
  loadFilter,
  loadFilters,
  removeFilterStatus,
  removeKeyword,
  updateFilter,
} from "../../domain/filters.ts";
import { jsonError } from "../../http.ts";
import { filterEntity, filterStatusEntity, keywordEntity } from "../entities/filter.ts";
import { boolParam, type Json, listParam, readParams, stringParam } from "../body.ts";
import { requireScope } from "../scopes.ts";

const ID = "{\\d{1,16}}";

/** `context[]` when sent (an empty list included), else undefined: an update leaves it. */
export function contextParam(p: Json): string[] | undefined {
  return p.context === undefined && p["context[]"] === undefined ? undefined : listParam(p, "context");
}

/** `expires_in` seconds; an empty value is "never" (Rails' `present?`); not a number stays NaN for the domain to refuse. */
export function expiresInParam(p: Json): number | null | undefined {
  const raw = stringParam(p, "expires_in");
  if (raw === undefined) return undefined;
  return raw.trim() === "" ? null : /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
}

/** Rails nested attributes: a list, or an object keyed "0", "1"…; an entry with nothing in it is skipped (reject_if: :all_blank). */
function keywordsParam(p: Json): KeywordChange[] | undefined {
  const raw = p.keywords_attributes;
  if (raw === undefined) return undefined;
  const entries = (Array.isArray(raw) ? raw : raw && typeof raw === "object" ? Object.values(raw as Json) : []) as unknown[];
  return entries.flatMap((entry): KeywordChange[] => {
    if (!entry || typeof entry !== "object") return [];
    const e = entry as Json;
    const id = stringParam(e, "id");
    const change: KeywordChange = {
      ...(id !== undefined && id !== "" ? { id: /^\d{1,16}$/.test(id) ? Number(id) : -1 } : {}),
      ...(stringParam(e, "keyword") !== undefined ? { keyword: stringParam(e, "keyword") } : {}),
      ...(boolParam(e, "whole_word") !== undefined ? { wholeWord: boolParam(e, "whole_word") } : {}),
      ...(boolParam(e, "_destroy") ? { destroy: true } : {}),
    };
    return Object.keys(change).length ? [change] : [];
  });
}

function changesOf(p: Json): FilterChanges {
  return { title: stringParam(p, "title"), context: contextParam(p), action: stringParam(p, "filter_action"), expiresIn: expiresInParam(p), keywords: keywordsParam(p) };
}

const idOf = (c: AppContext) => Number(c.req.param("id"));
const notFound = (c: AppContext) => jsonError(c, 404, "Record not found");

async function params(c: AppContext): Promise<Json | Response> {
  const body = await readParams(c);
  return body.ok ? body.params : jsonError(c, 422, body.error);
}

const read = requireScope("read:filters");
const write = requireScope("write:filters");

export const filtersV2 = new Hono<AppEnv>()
  .get("/api/v2/filters", read, async (c) => c.json((await loadFilters(c.var.services)).map((f) => filterEntity(f, { rules: true }))))
  .post("/api/v2/filters", write, async (c) => {
    const p = await params(c);
    if (p instanceof Response) return p;
    const created = await createFilter(c.var.services, changesOf(p));
    return created.ok ? c.json(filterEntity(created.filter, { rules: true })) : jsonError(c, created.status, created.error);
  })
  .get(`/api/v2/filters/:id${ID}`, read, async (c) => {
    const filter = await loadFilter(c.var.services, idOf(c));
    return filter ? c.json(filterEntity(filter, { rules: true })) : notFound(c);
  })
  .put(`/api/v2/filters/:id${ID}`, write, async (c) => {
    const p = await params(c);
    if (p instanceof Response) return p;
    const updated = await updateFilter(c.var.services, idOf(c), changesOf(p));
    return updated.ok ? c.json(filterEntity(updated.filter, { rules: true })) : jsonError(c, updated.status, updated.error);
  })
  .delete(`/api/v2/filters/:id${ID}`, write, async (c) => ((await deleteFilter(c.var.services, idOf(c))) ? c.json({}) : notFound(c)))
  .get(`/api/v2/filters/:id${ID}/keywords`, read, async (c) => {
    const filter = await loadFilter(c.var.services, idOf(c));
    return filter ? c.json(filter.keywords.map(keywordEntity)) : notFound(c);
  })
  .post(`/api/v2/filters/:id${ID}/keywords`, write, async (c) => {
    const p = await params(c);
    if (p instanceof Response) return p;
    const added = await addKeyword(c.var.services, idOf(c), { keyword: stringParam(p, "keyword") ?? "", wholeWord: boolParam(p, "whole_word") });
    return added.ok ? c.json(keywordEntity(added.keyword)) : jsonError(c, added.status, added.error);
  })
  .get(`/api/v2/filter_keywords/:id${ID}`, read, async (c) => {
    const keyword = await findKeyword(c.var.services, idOf(c));
    return keyword ? c.json(keywordEntity(keyword)) : notFound(c);
  })
  .put(`/api/v2/filter_keywords/:id${ID}`, write, async (c) => {
    const p = await params(c);
    if (p instanceof Response) return p;
    const changed = await changeKeyword(c.var.services, idOf(c), { keyword: stringParam(p, "keyword"), wholeWord: boolParam(p, "whole_word") });
    return changed.ok ? c.json(keywordEntity(changed.keyword)) : jsonError(c, changed.status, changed.error);
  })
  .delete(`/api/v2/filter_keywords/:id${ID}`, write, async (c) => ((await removeKeyword(c.var.services, idOf(c))) ? c.json({}) : notFound(c)))
  .get(`/api/v2/filters/:id${ID}/statuses`, read, async (c) => {
    const filter = await loadFilter(c.var.services, idOf(c));
    return filter ? c.json((await filterStatusesOf(c.var.services, filter.id)).map(filterStatusEntity)) : notFound(c);
  })
  .post(`/api/v2/filters/:id${ID}/statuses`, write, async (c) => {
    const p = await params(c);
    if (p instanceof Response) return p;
    const statusId = stringParam(p, "status_id") ?? "";
    if (!/^\d{1,16}$/.test(statusId)) return jsonError(c, 422, "Validation failed: Status must exist");
    const added = await addFilterStatus(c.var.services, idOf(c), Number(statusId));
    return added.ok ? c.json(filterStatusEntity(added.row)) : jsonError(c, added.status, added.error);
  })
  .get(`/api/v2/filter_statuses/:id${ID}`, read, async (c) => {
    const row = await findFilterStatus(c.var.services, idOf(c));
    return row ? c.json(filterStatusEntity(row)) : notFound(c);
  })
  .delete(`/api/v2/filter_statuses/:id${ID}`, write, async (c) => ((await removeFilterStatus(c.var.services, idOf(c))) ? c.json({}) : notFound(c)));
