// Remote interaction: a visitor of our pages follows us, or replies to, boosts or likes one of our
// posts, from their own server. We look up their server's templates in their WebFinger — a
// FEP-3b86 intent for the action when offered, else the OStatus subscribe template Mastodon
// serves (`authorize_interaction?uri={uri}`) — and send them there with our account or post filled in.
import { fillTemplate, INTENT_REL, interactionTemplates, OSTATUS_SUBSCRIBE } from "../federation/lookup.ts";
import type { Services } from "../services.ts";

export type Intent = "follow" | "reply" | "boost" | "like";
export const INTENTS: readonly Intent[] = ["follow", "reply", "boost", "like"];

// The FEP-3b86 activity of each action and the template parameter our id goes in.
const FEP: Record<Intent, { activity: string; parameter: string }> = {
  follow: { activity: "Follow", parameter: "object" },
  reply: { activity: "Create", parameter: "inReplyTo" },
  boost: { activity: "Announce", parameter: "object" },
  like: { activity: "Like", parameter: "object" },
};

export type InteractionTarget = { ok: true; url: string; via: "intent" | "subscribe" } | { ok: false; reason: string };

/**
 * Where to send the visitor `handle` to `intent` on `object` (our actor for follow, one of our
 * posts otherwise). The subscribe template gets our handle (`user@domain`, as Mastodon's remote
 * follow fills it) for a follow, the post's URL for the rest.
 */
export async function remoteInteraction(s: Services, handle: string, intent: Intent, object: string): Promise<InteractionTarget> {
  const templates = await interactionTemplates(s.fetcher, handle);
  if (!templates.ok) return { ok: false, reason: templates.reason };
  const fep = FEP[intent];
  const intentTemplate = templates.value.get(`${INTENT_REL}${fep.activity}`);
  if (intentTemplate) {
    const url = fillTemplate(intentTemplate, { [fep.parameter]: object });
    if (url) return { ok: true, url, via: "intent" };
  }
  const subscribe = templates.value.get(OSTATUS_SUBSCRIBE);
  if (subscribe) {
    const uri = intent === "follow" ? `${s.config.username}@${s.config.handleDomain}` : object;
    const url = fillTemplate(subscribe, { uri });
    if (url) return { ok: true, url, via: "subscribe" };
  }
  return { ok: false, reason: `${handle.trim()}'s server offers no way to follow or interact from a link` };
}
