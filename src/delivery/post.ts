// One signed POST of one activity to one inbox: draft-cavage first, RFC 9421 as the second
// knock when the server answers 400/401 (remembered per host by the caller).
import type { FetchPolicy } from "../federation/fetch.ts";
import { safeFetch } from "../federation/fetch.ts";
import { type SignatureScheme, type SigningKey, signRequest } from "../federation/signatures/index.ts";
import { ACTIVITY_JSON } from "../http.ts";
import { VERSION } from "../version.ts";

export interface PostResult {
  inbox: string;
  status?: number;
  error?: string;
  /** The scheme that finally got a non-400/401 answer. */
  scheme: SignatureScheme;
}

// Mastodon gives a delivery 30 s in all (app/lib/request.rb).
const POST_TIMEOUT_MS = 30_000;

async function postOnce(inbox: string, body: Uint8Array, key: SigningKey, scheme: SignatureScheme, policy: FetchPolicy) {
  const headers = new Headers({ "Content-Type": ACTIVITY_JSON, "User-Agent": `Roost/${VERSION}` });
  await signRequest({ method: "POST", url: inbox, headers, body }, key, scheme);
  const result = await safeFetch(inbox, { method: "POST", headers, body }, policy, { timeoutMs: POST_TIMEOUT_MS });
  if (!result.ok) return { status: result.status, error: result.reason };
  await result.value.body?.cancel();
  return { status: result.value.status, error: result.value.ok ? undefined : `HTTP ${result.value.status}` };
}

export async function postActivity(
  inbox: string,
  body: Uint8Array,
  key: SigningKey,
  policy: FetchPolicy,
  preferred: SignatureScheme = "draft-cavage",
): Promise<PostResult> {
  const first = await postOnce(inbox, body, key, preferred, policy);
  if (preferred === "draft-cavage" && (first.status === 400 || first.status === 401)) {
    const second = await postOnce(inbox, body, key, "rfc9421", policy);
    if (second.status !== 400 && second.status !== 401 && second.status !== undefined) return { inbox, ...second, scheme: "rfc9421" };
  }
  return { inbox, ...first, scheme: preferred };
}

/** Runs `work` over `items` with at most `limit` in flight (Workers allow 6 open connections). */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}
