// Shared helpers for workerd tests: talking to the Worker and to the Node-side peers.
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { vi } from "vitest";
export type { MastodonReceived as Received } from "./peers/reports.ts";

export const ORIGIN = "https://roost.test";
export const ACTOR = `${ORIGIN}/users/me`;
export const OWNER_TOKEN = "test-owner-token-0123456789";
export const AP = "application/activity+json";

export function worker(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(new URL(path, ORIGIN), init));
}

export function owner(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${OWNER_TOKEN}`);
  if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  return worker(path, { ...init, headers });
}

export interface Posted {
  /** The status id. */
  id: string;
  /** The Note's id. */
  uri: string;
  /** The Create's id. */
  activityId: string;
  status: Record<string, any>;
}

/** Posts as the owner through the Mastodon API, as the CLI does; throws unless it is published. */
export async function postStatus(params: Record<string, unknown>): Promise<Posted> {
  const res = await owner("/api/v1/statuses", { method: "POST", body: JSON.stringify(params) });
  if (res.status !== 200) throw new Error(`POST /api/v1/statuses answered ${res.status}: ${await res.text()}`);
  const status = (await res.json()) as Record<string, any>;
  return { id: status.id, uri: status.uri, activityId: `${status.uri}/activity`, status };
}

/** Calls a Node-side peer's control endpoint. */
export async function peer<T = unknown>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Our actor's published key, so a peer can verify what we send it. */
export async function ourPublicKey(): Promise<{ keyId: string; publicKeyPem: string }> {
  const actor = (await (await worker("/users/me", { headers: { Accept: AP } })).json()) as {
    publicKey: { id: string; publicKeyPem: string };
  };
  return { keyId: actor.publicKey.id, publicKeyPem: actor.publicKey.publicKeyPem };
}

export async function count(table: string, where = "1 = 1", ...binds: unknown[]): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).bind(...binds).first<{ n: number }>();
  return row?.n ?? 0;
}

export async function waitFor<T>(check: () => Promise<T | null | undefined | 0 | false>, timeout = 10_000): Promise<T> {
  return vi.waitFor(async () => {
    const value = await check();
    if (!value) throw new Error("not yet");
    return value as T;
  }, { timeout, interval: 50 });
}

export const MASTODON = "https://mastodon.test";

export function follow(actor = "alice", id = `${MASTODON}/${crypto.randomUUID()}`) {
  return { "@context": "https://www.w3.org/ns/activitystreams", id, type: "Follow", actor: `${MASTODON}/users/${actor}`, object: ACTOR };
}

/** Has the Mastodon-style peer sign a POST of `activity` to our inbox, then sends it. */
export async function deliverFromMastodon(
  activity: Record<string, unknown>,
  options: { actor?: string; variant?: "4.5" | "main"; path?: string } = {},
): Promise<Response> {
  const body = JSON.stringify(activity);
  const url = `${ORIGIN}${options.path ?? "/users/me/inbox"}`;
  const { headers } = await peer<{ headers: Record<string, string> }>(`${MASTODON}/__control/sign`, {
    method: "POST",
    url,
    body,
    actor: options.actor ?? "alice",
    variant: options.variant ?? "main",
  });
  return worker(url, { method: "POST", headers, body });
}

