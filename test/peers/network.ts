// The fake internet the Worker sees in tests: requests are routed by host name to peers that
// run here, in Node. Each peer registers itself under its host.

export type PeerHandler = (request: Request) => Promise<Response>;

const peers = new Map<string, PeerHandler>();

export function registerPeer(host: string, handler: PeerHandler): void {
  peers.set(host, handler);
}

export async function outbound(request: Request): Promise<Response> {
  const host = new URL(request.url).host;
  const peer = peers.get(host);
  if (!peer) return new Response(`no test peer at ${host}`, { status: 502 });
  return peer(request);
}

// Registered here rather than by the modules themselves: a peer importing network.ts back
// deadlocks the bundled vitest config (the cycle awaits network.ts's own pending initialization).
registerPeer("mastodon.test", (await import("./mastodon-peer.ts")).handleMastodonPeer);
registerPeer("fedify.test", (await import("./fedify-peer.ts")).handleFedifyPeer);
registerPeer("social.test", (await import("./social-peer.ts")).handleSocialPeer);
registerPeer("gts.test", (await import("./gotosocial-peer.ts")).handleGoToSocialPeer);
registerPeer("push.test", (await import("./push-service.ts")).handlePushService);
(await import("./sink.ts")).registerSink(registerPeer);
(await import("./static-peer.ts")).registerStaticPeers(registerPeer);
