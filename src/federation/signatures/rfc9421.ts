// RFC 9421 HTTP Message Signatures: `Signature-Input` + `Signature`, the signature base, and
// the components ActivityPub servers cover (Mastodon: @method @target-uri content-digest).
import {
  type InnerList,
  type Item,
  parseDictionary,
  serializeBareItem,
  serializeInnerList,
  serializeParams,
} from "./structured-fields.ts";

export interface MessageForSignature {
  method: string;
  url: string;
  headers: Headers;
}

export interface Rfc9421Signature {
  label: string;
  input: InnerList;
  signature: Uint8Array;
  components: string[];
  keyId: string | null;
  created: number | null;
  expires: number | null;
  alg: string | null;
}

/** Every label present in both headers; null when either header is malformed. */
export function parseRfc9421Headers(signatureInput: string, signature: string): Rfc9421Signature[] | null {
  const inputs = parseDictionary(signatureInput);
  const signatures = parseDictionary(signature);
  if (!inputs || !signatures) return null;
  const out: Rfc9421Signature[] = [];
  for (const [label, member] of inputs) {
    const sig = signatures.get(label);
    if (member.kind !== "list" || !sig || sig.kind !== "item" || !(sig.value instanceof Uint8Array)) continue;
    if (!member.items.every((i) => typeof i.value === "string")) return null;
    const param = (name: string) => member.params.get(name);
    const num = (v: unknown) => (typeof v === "number" ? v : null);
    out.push({
      label,
      input: member,
      signature: sig.value,
      components: member.items.map((i) => i.value as string),
      keyId: typeof param("keyid") === "string" ? (param("keyid") as string) : null,
      created: num(param("created")),
      expires: num(param("expires")),
      alg: typeof param("alg") === "string" ? (param("alg") as string) : null,
    });
  }
  return out;
}

function componentValue(item: Item, message: MessageForSignature, url: URL): string | null {
  const name = item.value as string;
  if (name.startsWith("@")) {
    switch (name) {
      case "@method":
        return message.method.toUpperCase();
      case "@target-uri":
        return url.href;
      case "@authority":
        return url.host.toLowerCase();
      case "@scheme":
        return url.protocol.slice(0, -1);
      case "@path":
        return url.pathname;
      case "@query":
        return url.search || "?";
      case "@request-target":
        return url.pathname + url.search;
      case "@query-param": {
        const wanted = item.params.get("name");
        if (typeof wanted !== "string") return null;
        for (const pair of url.search.slice(1).split("&")) {
          const [k = "", v = ""] = pair.split("=");
          if (decodeURIComponent(k) === wanted) return encodeURIComponent(decodeURIComponent(v));
        }
        return null;
      }
      default:
        return null;
    }
  }
  if (item.params.size > 0) return null;
  const value = message.headers.get(name);
  return value === null ? null : value.trim();
}

/** The signature base (RFC 9421 §2.5), or null when a covered component is missing or unsupported. */
export function signatureBase(input: InnerList, message: MessageForSignature): string | null {
  const url = new URL(message.url);
  const lines: string[] = [];
  for (const item of input.items) {
    const value = componentValue(item, message, url);
    if (value === null) return null;
    lines.push(`${serializeBareItem(item.value)}${serializeParams(item.params)}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(input)}`);
  return lines.join("\n");
}

export function buildSignatureInput(components: string[], params: { created: number; keyId: string }): InnerList {
  return {
    items: components.map((value) => ({ value, params: new Map() })),
    params: new Map<string, string | number>([
      ["created", params.created],
      ["keyid", params.keyId],
    ]),
  };
}
