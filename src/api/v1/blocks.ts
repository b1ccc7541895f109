// Blocked accounts and domains, through the same use cases as the C2S outbox.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { blockDomain, listBlocks, unblockDomain } from "../../domain/blocks.ts";
import { activeMutes } from "../../domain/mutes.ts";
import { jsonError } from "../../http.ts";
import { accountsFor } from "../entities/account.ts";
import { readParams, stringParam } from "../body.ts";
import { requireScope } from "../scopes.ts";

const HOST_RE = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

async function domainParam(c: AppContext) {
  const params = await readParams(c);
  const domain = (params.ok ? stringParam(params.params, "domain") : undefined)?.trim().toLowerCase();
  return domain && HOST_RE.test(domain) ? domain : null;
}

export const blockRoutes = new Hono<AppEnv>()
  .get("/api/v1/blocks", requireScope("read:blocks"), async (c) => {
    const s = c.var.services;
    const actors = (await listBlocks(s)).filter((b) => b.kind === "actor").map((b) => b.value);
    const accounts = await accountsFor(s, actors);
    return c.json(actors.map((a) => accounts.get(a)!));
  })
  .get("/api/v1/mutes", requireScope("read:mutes"), async (c) => {
    const s = c.var.services;
    const actors = (await activeMutes(s)).map((m) => m.actorId);
    const accounts = await accountsFor(s, actors);
    return c.json(actors.map((a) => accounts.get(a)!));
  })
  .get("/api/v1/domain_blocks", requireScope("read:blocks"), async (c) =>
    c.json((await listBlocks(c.var.services)).filter((b) => b.kind === "domain").map((b) => b.value)),
  )
  .post("/api/v1/domain_blocks", requireScope("write:blocks"), async (c) => {
    const domain = await domainParam(c);
    if (!domain) return jsonError(c, 422, "Validation failed: domain must be a host name");
    await blockDomain(c.var.services, domain);
    return c.json({});
  })
  .delete("/api/v1/domain_blocks", requireScope("write:blocks"), async (c) => {
    const domain = await domainParam(c);
    if (!domain) return jsonError(c, 422, "Validation failed: domain must be a host name");
    await unblockDomain(c.var.services, domain);
    return c.json({});
  });
