// RFC 8785 JSON Canonicalization Scheme, the hashing input of eddsa-jcs-2022 proofs.
// ECMAScript's JSON.stringify already writes strings and numbers exactly as RFC 8785 asks;
// what remains is sorting object keys by UTF-16 code units, which `<` on strings does.

export function canonicalize(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalize(v)}`).join(",")}}`;
}
