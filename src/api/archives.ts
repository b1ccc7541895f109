// /api/roost/archives (docs/portability.md): the account archive, owner token only like the rest
// of /api/roost. Mastodon offers its archive in the web settings (settings/export → "Request
// your archive"), never through the client API, so these are Roost's own. The signed-in owner's
// browser downloads the same file at /oauth/archives/:id/download (src/oauth/archives.ts).
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { archiveReport, archiveRow, exportedFile, listArchives, startExport, startImport, type ArchiveStarted } from "../domain/archives.ts";
import { downloadResponse, jsonError } from "../http.ts";
import { boolParam } from "./body.ts";

function started(c: AppContext, result: ArchiveStarted) {
  return result.ok ? c.json(archiveReport(c.var.services, result.row), 202) : jsonError(c, result.status, result.error);
}

export const archiveRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json({ archives: (await listArchives(c.var.services)).map((row) => archiveReport(c.var.services, row)) }))
  .post("/export", async (c) => started(c, await startExport(c.var.services)))
  .post("/import", async (c) => {
    // The zip is the body itself: a multipart form would have to be parsed (and held) whole in the request.
    const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type.startsWith("multipart/") || type.startsWith("application/x-www-form-urlencoded")) {
      return jsonError(c, 415, "send the zip itself as the body (Content-Type: application/zip), not a form");
    }
    // `profile=true`: the archive's name, bio, fields, avatar and header become the profile (one Update{Person}).
    const profile = boolParam(c.req.query(), "profile");
    if (profile === undefined && c.req.query("profile") !== undefined) return jsonError(c, 400, "profile must be true or false");
    const length = c.req.header("Content-Length");
    return started(c, await startImport(c.var.services, c.req.raw.body, length && /^\d+$/.test(length) ? Number(length) : null, { profile }));
  })
  .get("/:id{\\d+}", async (c) => {
    const row = await archiveRow(c.var.services, Number(c.req.param("id")));
    return row ? c.json(archiveReport(c.var.services, row)) : jsonError(c, 404, "no such archive");
  })
  .get("/:id{\\d+}/download", async (c) => {
    const file = await exportedFile(c.var.services, Number(c.req.param("id")), c.req.raw.headers);
    return file ? downloadResponse(file.object, file.row.key.slice(file.row.key.lastIndexOf("/") + 1)) : jsonError(c, 404, "no finished export with that id");
  });
