// The signed-in owner's browser downloads a finished account archive here: the owner's session
// cookie is scoped to /oauth (src/oauth/common.tsx), so the download the API offers with the owner
// token (/api/roost/archives/:id/download) is offered under /oauth for the session too.
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { exportedFile } from "../domain/archives.ts";
import { downloadResponse, jsonError } from "../http.ts";
import { ownerSession } from "./common.tsx";

export const archiveDownloads = new Hono<AppEnv>().get("/oauth/archives/:id{\\d+}/download", async (c) => {
  if (!(await ownerSession(c))) return jsonError(c, 401, "sign in as the owner first (/oauth/authorize or the passkeys page)");
  const file = await exportedFile(c.var.services, Number(c.req.param("id")), c.req.raw.headers);
  return file ? downloadResponse(file.object, file.row.key.slice(file.row.key.lastIndexOf("/") + 1)) : jsonError(c, 404, "no finished export with that id");
});
