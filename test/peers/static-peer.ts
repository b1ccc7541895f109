// Scripted answers for attack tests, served at several hosts (STATIC_HOSTS) so redirects can cross
// hosts. Workerd tests script it over HTTP, then let the code under test fetch:
//   POST https://remote.test/__setup {routes: {[url]: Route}}   adds or replaces the answers for those URLs
//   GET  https://remote.test/__hits?url=<url>                    → {hits: Hit[]}: every request for that URL
// Unscripted URLs answer 404. Tests use fresh paths, so files never see each other's routes.

export const STATIC_HOSTS = ["remote.test", "redirect.test", "other.test"];

interface Route {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON, with Content-Type application/activity+json unless `headers` names one. */
  json?: unknown;
  text?: string;
}

interface Hit {
  method: string;
  url: string;
}

const routes = new Map<string, Route>();
const hits = new Map<string, Hit[]>();

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function answer(route: Route): Response {
  const headers = new Headers(route.headers);
  if (route.json !== undefined) {
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/activity+json");
    return new Response(JSON.stringify(route.json), { status: route.status ?? 200, headers });
  }
  return new Response(route.text ?? null, { status: route.status ?? 200, headers });
}

export async function handleStaticPeer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__setup" && request.method === "POST") {
    const setup = (await request.json()) as { routes: Record<string, Route> };
    for (const [target, route] of Object.entries(setup.routes)) routes.set(new URL(target).href, route);
    return json({ ok: true });
  }
  if (url.pathname === "/__hits") {
    const target = new URL(url.searchParams.get("url") ?? "").href;
    return json({ hits: hits.get(target) ?? [] });
  }
  hits.set(url.href, [...(hits.get(url.href) ?? []), { method: request.method, url: url.href }]);
  const route = routes.get(url.href);
  if (!route) return json({ error: "not scripted" }, 404);
  return answer(route);
}

export function registerStaticPeers(register: (host: string, handler: (request: Request) => Promise<Response>) => void): void {
  for (const host of STATIC_HOSTS) register(host, handleStaticPeer);
}
