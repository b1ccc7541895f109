// `@user@host` → actor, through the host's WebFinger and then the actor cache.
import type { Database } from "../db/client.ts";
import { type FetchContext, type FetchResult, readBounded, safeFetch } from "./fetch.ts";
import { getRemoteActor, type RemoteActor } from "./remote-actors.ts";

const WEBFINGER_MAX_BYTES = 100_000;

export async function resolveHandle(db: Database, ctx: FetchContext, handle: string): Promise<FetchResult<RemoteActor>> {
  const match = /^@?([^@\s]+)@([^@\s]+)$/.exec(handle.trim());
  if (!match) return { ok: false, reason: `"${handle}" is not @user@host` };
  const [, user, host] = match;
  const scheme = ctx.policy.localDev && /^(localhost|127\.)/.test(host!) ? "http" : "https";
  const url = `${scheme}://${host}/.well-known/webfinger?resource=acct:${user}@${host}`;
  const fetched = await safeFetch(url, { headers: { Accept: "application/jrd+json, application/json" } }, ctx.policy);
  if (!fetched.ok) return fetched;
  if (fetched.value.status !== 200) {
    await fetched.value.body?.cancel();
    return { ok: false, status: fetched.value.status, reason: `WebFinger for ${handle} answered ${fetched.value.status}` };
  }
  const body = await readBounded(fetched.value, WEBFINGER_MAX_BYTES);
  if (!body.ok) return body;
  let jrd: { links?: { rel?: string; type?: string; href?: string }[] };
  try {
    jrd = JSON.parse(new TextDecoder().decode(body.value));
  } catch {
    return { ok: false, reason: `WebFinger for ${handle} is not JSON` };
  }
  const self = jrd.links?.find(
    (l) => l.rel === "self" && (l.type === "application/activity+json" || l.type?.startsWith("application/ld+json")) && l.href,
  );
  if (!self?.href) return { ok: false, reason: `WebFinger for ${handle} has no ActivityPub self link` };
  return getRemoteActor(db, ctx, self.href);
}
