// `@user@host` → actor, through the host's WebFinger and then the actor cache; and the interaction
// templates a visitor's own server offers (remote follow, FEP-3b86 intents).
import type { Database } from "../db/client.ts";
import { type FetchContext, type FetchResult, readBounded, safeFetch } from "./fetch.ts";
import { getRemoteActor, type RemoteActor } from "./remote-actors.ts";

const WEBFINGER_MAX_BYTES = 100_000;

interface Jrd {
  links?: { rel?: string; type?: string; href?: string; template?: string }[];
}

/** The WebFinger document of `@user@host`, through the safe fetcher. */
async function fetchWebfinger(ctx: FetchContext, handle: string): Promise<FetchResult<Jrd>> {
  const match = /^@?([^@\s]+)@([^@\s/?#]+)$/.exec(handle.trim());
  if (!match) return { ok: false, reason: `"${handle}" is not @user@host` };
  const [, user, host] = match;
  const scheme = ctx.policy.localDev && /^(localhost|127\.)/.test(host!) ? "http" : "https";
  const url = `${scheme}://${host}/.well-known/webfinger?resource=acct:${encodeURIComponent(user!)}@${host}`;
  const fetched = await safeFetch(url, { headers: { Accept: "application/jrd+json, application/json" } }, ctx.policy);
  if (!fetched.ok) return fetched;
  if (fetched.value.status !== 200) {
    await fetched.value.body?.cancel();
    return { ok: false, status: fetched.value.status, reason: `WebFinger for ${handle} answered ${fetched.value.status}` };
  }
  const body = await readBounded(fetched.value, WEBFINGER_MAX_BYTES);
  if (!body.ok) return body;
  try {
    const jrd = JSON.parse(new TextDecoder().decode(body.value)) as Jrd;
    return { ok: true, value: jrd && typeof jrd === "object" ? jrd : {} };
  } catch {
    return { ok: false, reason: `WebFinger for ${handle} is not JSON` };
  }
}

export async function resolveHandle(db: Database, ctx: FetchContext, handle: string): Promise<FetchResult<RemoteActor>> {
  const jrd = await fetchWebfinger(ctx, handle);
  if (!jrd.ok) return jrd;
  const self = (Array.isArray(jrd.value.links) ? jrd.value.links : []).find(
    (l) => l.rel === "self" && (l.type === "application/activity+json" || l.type?.startsWith("application/ld+json")) && l.href,
  );
  if (!self?.href) return { ok: false, reason: `WebFinger for ${handle} has no ActivityPub self link` };
  return getRemoteActor(db, ctx, self.href);
}

export const OSTATUS_SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe";
export const INTENT_REL = "https://w3id.org/fep/3b86/";

/**
 * The interaction templates of `@user@host`'s server: rel → template, for the OStatus subscribe
 * link and the FEP-3b86 intents (`https://w3id.org/fep/3b86/Follow` …). Only http(s) templates count.
 */
export async function interactionTemplates(ctx: FetchContext, handle: string): Promise<FetchResult<Map<string, string>>> {
  const jrd = await fetchWebfinger(ctx, handle);
  if (!jrd.ok) return jrd;
  const out = new Map<string, string>();
  for (const link of Array.isArray(jrd.value.links) ? jrd.value.links : []) {
    if (typeof link?.rel !== "string" || typeof link.template !== "string" || !/^https?:\/\//i.test(link.template)) continue;
    if ((link.rel === OSTATUS_SUBSCRIBE || link.rel.startsWith(INTENT_REL)) && !out.has(link.rel)) out.set(link.rel, link.template);
  }
  return { ok: true, value: out };
}

/**
 * Fills a URI template's `{name}` values (percent-encoded), and empties the ones not given, as
 * FEP-3b86 asks. The result must still be an http(s) URL.
 */
export function fillTemplate(template: string, values: Record<string, string>): string | null {
  const filled = template.replace(/\{([^{}]*)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ""));
  try {
    const url = new URL(filled);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}
