// The owner's passkeys as JSON (/api/roost/passkeys, owner token): list and delete. Adding one takes a browser, so it is
// done on the passkeys page (/oauth/passkeys, src/oauth/passkeys.tsx).
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { algorithmName, deletePasskey, listPasskeys, transportsOf } from "../domain/passkeys.ts";
import { jsonError } from "../http.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const ownerPasskeys = new Hono<AppEnv>()
  .get("/", async (c) =>
    c.json({
      passkeys: (await listPasskeys(c.var.services)).map((p) => ({
        id: p.id,
        name: p.name,
        algorithm: algorithmName(p.algorithm),
        transports: transportsOf(p),
        signCount: p.signCount,
        createdAt: iso(p.createdAt),
        lastUsedAt: iso(p.lastUsedAt),
      })),
    }),
  )
  .delete("/:id{[A-Za-z0-9_-]+}", async (c) => {
    if (!(await deletePasskey(c.var.services, c.req.param("id")))) return jsonError(c, 404, "no such passkey");
    return c.json({ id: c.req.param("id"), deleted: true });
  });
