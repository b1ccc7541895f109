// draft-cavage-http-signatures-12, as Mastodon speaks it (app/lib/signature_parser.rb,
// app/lib/signed_request.rb): `Signature: keyId=…,algorithm=…,headers=…,signature=…`.

export interface CavageSignature {
  keyId: string;
  algorithm: string;
  headers: string[];
  signature: string;
  /** The `created`/`expires` parameters as sent: the signing string repeats them verbatim. */
  created: string | null;
  expires: string | null;
}

/** Parses the Signature header; tolerates Mastodon's legacy `Signature ` prefix. Null when malformed. */
export function parseCavageHeader(value: string): CavageSignature | null {
  const text = value.replace(/^Signature\s+/i, "");
  const params = new Map<string, string>();
  for (const m of text.matchAll(/([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,]*))/g)) {
    params.set(m[1]!.toLowerCase(), m[2] ?? m[3]!.trim());
  }
  const keyId = params.get("keyid");
  const signature = params.get("signature");
  if (!keyId || !signature) return null;
  const algorithm = (params.get("algorithm") ?? "hs2019").toLowerCase();
  const defaultHeaders = algorithm === "hs2019" ? "(created)" : "date";
  return {
    keyId,
    algorithm,
    headers: (params.get("headers") ?? defaultHeaders).toLowerCase().split(/\s+/).filter(Boolean),
    signature,
    created: params.get("created") || null,
    expires: params.get("expires") || null,
  };
}

export interface SigningInput {
  method: string;
  /** Path plus `?query` as sent. */
  target: string;
  headers: Headers;
  created?: string | null;
  expires?: string | null;
}

/** The signing string, or null when a listed header is missing. */
export function cavageSigningString(names: string[], input: SigningInput): string | null {
  const lines: string[] = [];
  for (const name of names) {
    if (name === "(request-target)") lines.push(`(request-target): ${input.method.toLowerCase()} ${input.target}`);
    else if (name === "(created)") {
      if (input.created == null) return null;
      lines.push(`(created): ${input.created}`);
    } else if (name === "(expires)") {
      if (input.expires == null) return null;
      lines.push(`(expires): ${input.expires}`);
    } else {
      const value = input.headers.get(name);
      if (value === null) return null;
      lines.push(`${name}: ${value.trim()}`);
    }
  }
  return lines.join("\n");
}
