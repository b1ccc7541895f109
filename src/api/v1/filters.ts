// /api/v1/filters as Mastodon 4 maps them onto v2 filters (api/v1/filters_controller.rb): each v1
// filter is one keyword of a v2 filter; `irreversible` is the `hide` action.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { createV1Filter, removeKeyword, updateV1Filter, type V1Changes, v1Filter, v1Filters } from "../../domain/filters.ts";
import { jsonError } from "../../http.ts";
import { v1FilterEntity } from "../entities/filter.ts";
import { boolParam, type Json, readParams, stringParam } from "../body.ts";
import { requireScope } from "../scopes.ts";
import { contextParam, expiresInParam } from "../v2/filters.ts";

function changesOf(p: Json): V1Changes {
  return { phrase: stringParam(p, "phrase"), context: contextParam(p), irreversible: boolParam(p, "irreversible"), wholeWord: boolParam(p, "whole_word"), expiresIn: expiresInParam(p) };
}

const idOf = (c: AppContext) => Number(c.req.param("id"));

export const filtersV1 = new Hono<AppEnv>()
  .get("/api/v1/filters", requireScope("read:filters"), async (c) => c.json((await v1Filters(c.var.services)).map(v1FilterEntity)))
  .post("/api/v1/filters", requireScope("write:filters"), async (c) => {
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const created = await createV1Filter(c.var.services, changesOf(body.params));
    return created.ok ? c.json(v1FilterEntity(created.filter)) : jsonError(c, created.status, created.error);
  })
  .get("/api/v1/filters/:id{\\d{1,16}}", requireScope("read:filters"), async (c) => {
    const filter = await v1Filter(c.var.services, idOf(c));
    return filter ? c.json(v1FilterEntity(filter)) : jsonError(c, 404, "Record not found");
  })
  .put("/api/v1/filters/:id{\\d{1,16}}", requireScope("write:filters"), async (c) => {
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 422, body.error);
    const updated = await updateV1Filter(c.var.services, idOf(c), changesOf(body.params));
    return updated.ok ? c.json(v1FilterEntity(updated.filter)) : jsonError(c, updated.status, updated.error);
  })
  // Mastodon removes the keyword only; its v2 filter stays.
  .delete("/api/v1/filters/:id{\\d{1,16}}", requireScope("write:filters"), async (c) =>
    (await removeKeyword(c.var.services, idOf(c))) ? c.json({}) : jsonError(c, 404, "Record not found"),
  );
