// In-isolate CPU of the inbox hot path (the #8 checks: depth bound, type filter, canonical ids,
// id host, budget; then JSON parse, normalise, digest, signature verify) for
// bench/inbox.mjs. workerd advances its clock only at I/O, so each batch of requests is
// bracketed by timer ticks and the per-request figure is the batch mean.
import { bytesToBase64, toPem } from "../src/federation/encoding.ts";
import { normalizeActivity } from "../src/federation/normalize.ts";
import { sha256 } from "../src/federation/signatures/digest.ts";
import { hostOf } from "../src/federation/normalize.ts";
import { jsonTooDeep, overBudget, resetBudgets } from "../src/inbox/guards.ts";
import { type VerificationKey, signRequest, verifyRequest } from "../src/federation/signatures/index.ts";

// The receive path's type filter is a Set lookup; the set itself lives in src/inbox/process.ts,
// which imports the handlers and their D1 schema, so the bench uses the same names here.
const HANDLED = new Set(["Follow", "Undo", "Accept", "Reject", "Block", "Like", "Announce", "EmojiReact", "Create", "Update", "Delete", "Move", "Flag"]);

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function activity(i: number, actor: string) {
  return {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id: `${actor}/statuses/${i}/activity`,
    type: "Create",
    actor,
    published: new Date().toISOString(),
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${actor}/followers`, "https://roost.test/users/me"],
    object: {
      id: `${actor}/statuses/${i}`,
      type: "Note",
      attributedTo: actor,
      inReplyTo: "https://roost.test/objects/1",
      content: `<p>Reply number ${i}: ${"lorem ipsum dolor sit amet ".repeat(60)}</p>`,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${actor}/followers`, "https://roost.test/users/me"],
      tag: [{ type: "Mention", href: "https://roost.test/users/me", name: "@me@roost.test" }],
    },
  };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const n = Number(new URL(request.url).searchParams.get("n") ?? "1000");
    const batch = 20;
    const actor = "https://peer.test/users/bench";
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const pem = toPem("PUBLIC KEY", (await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
    const key: VerificationKey = { kind: "rsa", id: `${actor}#main-key`, owner: actor, publicKeyPem: pem };
    const url = "https://roost.test/inbox";
    const requests = [];
    for (let i = 0; i < n; i++) {
      const body = new TextEncoder().encode(JSON.stringify(activity(i, actor)));
      const headers = new Headers({ "Content-Type": "application/activity+json" });
      await signRequest({ method: "POST", url, headers, body }, { keyId: key.id, privateKey: pair.privateKey });
      requests.push({ headers, body });
    }
    const resolve = async () => key;
    const samples: number[] = [];
    for (let b = 0; b < n; b += batch) {
      await tick();
      const t0 = performance.now();
      for (const { headers, body } of requests.slice(b, b + batch)) {
        if (jsonTooDeep(body)) throw new Error("too deep");
        const json = JSON.parse(new TextDecoder().decode(body)) as { type?: unknown };
        if (!HANDLED.has(String(json.type))) throw new Error("unhandled");
        const parsed = normalizeActivity(json);
        if (!parsed.ok) throw new Error(parsed.reason);
        if (parsed.value.id !== null && hostOf(parsed.value.id) !== hostOf(parsed.value.actor)) throw new Error("off-host id");
        resetBudgets();
        if (overBudget(parsed.value.actor, hostOf(parsed.value.actor) ?? "") !== null) throw new Error("over budget");
        const verified = await verifyRequest({ method: "POST", url, headers }, body, resolve);
        if (!verified.ok) throw new Error(verified.reason);
        bytesToBase64(await sha256(body));
      }
      await tick();
      samples.push((performance.now() - t0) / Math.min(batch, n - b));
    }
    return Response.json({ n, batch, bodyBytes: requests[0]!.body.byteLength, samples });
  },
};
