// WebFinger (RFC 7033) and host-meta: how `@user@domain` becomes our actor URL.
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { Config } from "../config.ts";
import type { AppEnv } from "../context.ts";
import { jsonError } from "../http.ts";
import { ACTIVITY_JSON } from "./vocabulary.ts";
import { escapeHtml } from "../text/html.ts";
import { httpIri } from "./normalize.ts";
import type { LocalUrls } from "./urls.ts";

type WebfingerResult = { ok: true; jrd: Record<string, unknown> } | { ok: false; status: 400 | 404; error: string };

/**
 * Answers for `acct:user@handle-domain`, `acct:user@web-host` (Mastodon asks the actor's host
 * first when the handle domain differs) and the actor or profile URL. The subject is always the
 * canonical handle, so Mastodon's round-trip check lands on `user@handle-domain`.
 */
function resolveWebfinger(resource: string | undefined, config: Config, urls: LocalUrls): WebfingerResult {
  if (!resource) return { ok: false, status: 400, error: "the resource parameter is required" };
  const subject = `acct:${config.username}@${config.handleDomain}`;
  const webHost = new URL(config.origin).host;
  let matches: boolean;
  if (/^acct:/i.test(resource)) {
    const acct = resource.slice(5).replace(/^@/, "");
    const at = acct.lastIndexOf("@");
    if (at <= 0 || at === acct.length - 1) return { ok: false, status: 400, error: `"${resource}" is not user@domain` };
    const user = acct.slice(0, at).toLowerCase();
    const host = acct.slice(at + 1).toLowerCase();
    matches = user === config.username.toLowerCase() && (host === config.handleDomain || host === webHost);
  } else if (httpIri(resource)) {
    matches = resource === urls.actor || resource === urls.profile;
  } else {
    return { ok: false, status: 400, error: `"${resource}" is neither an acct: URI nor an http(s) URL` };
  }
  if (!matches) return { ok: false, status: 404, error: `no account for ${resource}` };
  return {
    ok: true,
    jrd: {
      subject,
      aliases: [urls.actor, urls.profile],
      links: [
        { rel: "self", type: ACTIVITY_JSON, href: urls.actor },
        { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: urls.profile },
        { rel: "http://ostatus.org/schema/1.0/subscribe", template: `${config.origin}/authorize_interaction?uri={uri}` },
        // FEP-3b86 Activity Intents: where a page elsewhere sends our owner to act from here. Only
        // Follow has a page of ours (the subscribe form, which takes an actor URL or a handle);
        // reply, like and boost have none to link to yet.
        { rel: "https://w3id.org/fep/3b86/Follow", template: `${config.origin}/authorize_interaction?uri={object}` },
      ],
    },
  };
}

export const webfinger = new Hono<AppEnv>()
  .use("/.well-known/webfinger", cors({ origin: "*" }))
  .get("/.well-known/webfinger", async (c) => {
    const result = resolveWebfinger(c.req.query("resource"), c.var.services.config, c.var.services.urls);
    if (!result.ok) return jsonError(c, result.status, result.error);
    // After a move (docs/portability.md) the new account is linked under the movedTo term's IRI;
    // WebFinger has no registered relation for it, and Mastodon reads the move from the actor.
    const { movedTo } = await c.var.services.profile();
    if (movedTo) (result.jrd.links as unknown[]).push({ rel: "https://www.w3.org/ns/activitystreams#movedTo", type: ACTIVITY_JSON, href: movedTo });
    return c.body(JSON.stringify(result.jrd), 200, {
      "Content-Type": "application/jrd+json; charset=utf-8",
      "Cache-Control": "max-age=3600, public",
    });
  })
  .get("/.well-known/host-meta", (c) => {
    const template = escapeHtml(`${c.var.services.config.origin}/.well-known/webfinger?resource={uri}`);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd" template="${template}"/>\n</XRD>\n`;
    return c.body(xml, 200, { "Content-Type": "application/xrd+xml; charset=utf-8" });
  });
