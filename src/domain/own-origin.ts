// We never store or deliver to an inbox on our own origin (docs/inbox.md, rule 6).
import { hostOf } from "../federation/normalize.ts";
import type { Services } from "../services.ts";

/**
 * Whether an id or inbox is on our host (name and port, as Mastodon's local-domain check), at
 * either scheme. Another port on the same name is another server (loopback peers in local dev).
 */
export function onOurOrigin(s: Pick<Services, "urls">, iri: string | null | undefined): boolean {
  if (!iri) return false;
  const host = hostOf(iri);
  return s.urls.isLocal(iri) || (host !== null && host === hostOf(s.urls.origin));
}
