// /api/roost portability endpoints (docs/portability.md): aliases and the migration's progress
// (moving here), the move (moving away), CSV exports and imports. Mastodon keeps all of these in
// its web settings (settings/aliases, settings/migration, settings/exports, settings/imports), with
// no client-API endpoint, so they are Roost's own, owner token only, like the rest of /api/roost.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { addAlias, aliasProgress, refreshAlias, removeAlias, type AliasResult } from "../domain/aliases.ts";
import { EXPORT_KINDS, type ExportKind, exportCsv } from "../domain/exports.ts";
import { IMPORT_TYPES, type ImportType, importReport, listImports, startImport } from "../domain/imports.ts";
import { moveAway, moveState, type MoveResult, undoMove } from "../domain/move-out.ts";
import { jsonError } from "../http.ts";
import { fileParam, readParams, stringParam } from "./body.ts";

/** The `account` parameter (body or query), or the 400 to answer. */
async function accountParam(c: AppContext): Promise<string | Response> {
  const body = await readParams(c);
  if (!body.ok) return jsonError(c, 400, body.error);
  const account = stringParam(body.params, "account")?.trim();
  return account ? account : jsonError(c, 400, "account is required: @user@host or an actor URL");
}

function aliasAnswer(c: AppContext, result: AliasResult) {
  return result.ok ? c.json({ alias: result.alias, aliases: result.aliases }) : jsonError(c, result.status, result.error);
}

function moveAnswer(c: AppContext, result: MoveResult) {
  return result.ok ? c.json(result.state) : jsonError(c, result.status, result.error);
}

export const portability = new Hono<AppEnv>()
  .get("/aliases", async (c) => c.json({ aliases: await aliasProgress(c.var.services) }))
  .post("/aliases", async (c) => {
    const account = await accountParam(c);
    return typeof account === "string" ? aliasAnswer(c, await addAlias(c.var.services, account)) : account;
  })
  .delete("/aliases", async (c) => {
    const account = await accountParam(c);
    return typeof account === "string" ? aliasAnswer(c, await removeAlias(c.var.services, account)) : account;
  })
  .post("/aliases/refresh", async (c) => {
    const account = await accountParam(c);
    return typeof account === "string" ? aliasAnswer(c, await refreshAlias(c.var.services, account)) : account;
  })
  .get("/move", async (c) => c.json(await moveState(c.var.services)))
  .post("/move", async (c) => {
    const account = await accountParam(c);
    return typeof account === "string" ? moveAnswer(c, await moveAway(c.var.services, account)) : account;
  })
  .delete("/move", async (c) => moveAnswer(c, await undoMove(c.var.services)))
  .get("/exports/:file{[a-z_]+\\.csv}", async (c) => {
    const kind = c.req.param("file").replace(/\.csv$/, "") as ExportKind;
    if (!EXPORT_KINDS.includes(kind)) return jsonError(c, 404, `no export ${kind}: one of ${EXPORT_KINDS.join(", ")}`);
    return c.body(await exportCsv(c.var.services, kind), 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${kind}.csv"`,
    });
  })
  .post("/imports", async (c) => {
    const body = await readParams(c);
    if (!body.ok) return jsonError(c, 400, body.error);
    const type = stringParam(body.params, "type") as ImportType | undefined;
    if (!type || !IMPORT_TYPES.includes(type)) return jsonError(c, 400, `type must be one of ${IMPORT_TYPES.join(", ")}`);
    const mode = stringParam(body.params, "mode") ?? "merge";
    if (mode !== "merge" && mode !== "overwrite") return jsonError(c, 400, "mode must be merge or overwrite");
    const file = fileParam(body.params, "data") ?? fileParam(body.params, "file");
    if (!file) return jsonError(c, 400, "the CSV file is required (multipart field data or file)");
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(file);
    } catch {
      return jsonError(c, 400, "the file is not UTF-8 text");
    }
    const started = await startImport(c.var.services, type, mode, text);
    if (!started.ok) return c.json({ error: started.error, ...(started.line !== undefined ? { line: started.line } : {}) }, started.status);
    return c.json(await importReport(c.var.services, started.id), 202);
  })
  .get("/imports", async (c) => c.json({ imports: (await listImports(c.var.services)).map((i) => ({ ...i, id: String(i.id) })) }))
  .get("/imports/:id{\\d+}", async (c) => {
    const report = await importReport(c.var.services, Number(c.req.param("id")));
    return report ? c.json(report) : jsonError(c, 404, "no such import");
  });
