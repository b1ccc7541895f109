// We never store or deliver to an inbox on our own origin (docs/inbox.md, rule 6).
import { hostOf } from "../federation/normalize.ts";
import type { Services } from "../services.ts";

function hostName(iri: string): string | undefined {
  return hostOf(iri)?.replace(/:\d+$/, "");
}

/** Whether an id or inbox is on our host name, at any scheme or port. */
export function onOurOrigin(s: Pick<Services, "urls">, iri: string | null | undefined): boolean {
  if (!iri) return false;
  return s.urls.isLocal(iri) || (hostName(iri) !== undefined && hostName(iri) === hostName(s.urls.origin));
}
