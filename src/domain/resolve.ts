// An account the owner names (`@user@host` through WebFinger, or an actor URL), read fresh: moving
// and aliasing decide on the account's alsoKnownAs and movedTo as they are now, as Mastodon's
// ResolveAccountService with skip_cache does.
import { resolveHandle } from "../federation/lookup.ts";
import type { FetchResult } from "../federation/fetch.ts";
import { canonicalIri, httpIri } from "../federation/normalize.ts";
import { getRemoteActor, type RemoteActor } from "../federation/remote-actors.ts";
import type { Services } from "../services.ts";

/** A lookup that fetched the actor this recently is fresh enough. */
const JUST_FETCHED_MS = 5_000;

export async function resolveFresh(s: Services, given: string): Promise<FetchResult<RemoteActor>> {
  const name = given.trim();
  if (httpIri(name)) return getRemoteActor(s.db, s.fetcher, canonicalIri(name) ?? name, { refresh: true });
  if (!/^@?[^@\s/]+@[^@\s/]+$/.test(name)) return { ok: false, reason: `"${given}" is neither @user@host nor an actor URL` };
  const found = await resolveHandle(s.db, s.fetcher, name);
  if (!found.ok || Date.now() - found.value.fetchedAt < JUST_FETCHED_MS) return found;
  return getRemoteActor(s.db, s.fetcher, found.value.id, { refresh: true });
}
