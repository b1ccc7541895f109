// One signed POST of one activity to one inbox. The body bytes are signed and sent as they are.
// A 400/401 is answered by an immediate second knock with the other signature scheme (Mastodon
// main does the same, draft-cavage first, app/lib/request.rb); callers remember per host which
// scheme got through.
import { type FetchPolicy, safeFetch } from "../federation/fetch.ts";
import { type SignatureScheme, type SigningKey, signRequest } from "../federation/signatures/index.ts";
import { ACTIVITY_JSON } from "../federation/vocabulary.ts";
import { VERSION } from "../version.ts";
import { POST_TIMEOUT_MS } from "./limits.ts";

export interface PostResult {
  inbox: string;
  /** The HTTP status, absent when there was no answer. */
  status?: number;
  /** Why it did not succeed. */
  error?: string;
  /** The scheme of the answer kept: the second knock's when it got past 400/401. */
  scheme: SignatureScheme;
}

const SIGNATURE_REFUSED = new Set([400, 401]);

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
  if (first.status === undefined || !SIGNATURE_REFUSED.has(first.status)) return { inbox, ...first, scheme: preferred };
  const other = preferred === "draft-cavage" ? "rfc9421" : "draft-cavage";
  const second = await postOnce(inbox, body, key, other, policy);
  if (second.status === undefined || SIGNATURE_REFUSED.has(second.status)) return { inbox, ...first, scheme: preferred };
  return { inbox, ...second, scheme: other };
}

/** Runs `work` over `items` with at most `limit` in flight, in order of `items`. */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}
