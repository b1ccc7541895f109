// The parts of RFC 8941 structured fields that RFC 9421 needs: dictionaries whose members are
// byte sequences or inner lists of strings, each with parameters. Malformed input gives null.
import { base64ToBytes, bytesToBase64 } from "../encoding.ts";

export type BareItem = string | number | boolean | Uint8Array | { token: string };
export type Parameters = Map<string, BareItem>;
export interface Item {
  value: BareItem;
  params: Parameters;
}
export interface InnerList {
  items: Item[];
  params: Parameters;
}
export type Member = (Item & { kind: "item" }) | (InnerList & { kind: "list" });

class Parser {
  i = 0;
  constructor(readonly s: string) {}
  peek() {
    return this.s[this.i];
  }
  skipSpaces() {
    while (this.s[this.i] === " ") this.i++;
  }
  skipOws() {
    while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++;
  }
  key(): string {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(this.s.slice(this.i));
    if (!m) throw new SyntaxError("key");
    this.i += m[0].length;
    return m[0];
  }
  bareItem(): BareItem {
    const c = this.peek();
    if (c === '"') {
      let out = "";
      this.i++;
      while (this.i < this.s.length) {
        const ch = this.s[this.i++]!;
        if (ch === "\\") {
          const next = this.s[this.i++];
          if (next !== '"' && next !== "\\") throw new SyntaxError("escape");
          out += next;
        } else if (ch === '"') return out;
        else if (ch < " " || ch > "~") throw new SyntaxError("string char");
        else out += ch;
      }
      throw new SyntaxError("unterminated string");
    }
    if (c === ":") {
      const end = this.s.indexOf(":", this.i + 1);
      if (end < 0) throw new SyntaxError("byte sequence");
      const bytes = base64ToBytes(this.s.slice(this.i + 1, end));
      if (!bytes) throw new SyntaxError("base64");
      this.i = end + 1;
      return bytes;
    }
    if (c === "?") {
      const v = this.s[this.i + 1];
      if (v !== "0" && v !== "1") throw new SyntaxError("boolean");
      this.i += 2;
      return v === "1";
    }
    const num = /^-?\d{1,15}(\.\d{1,3})?/.exec(this.s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      return Number(num[0]);
    }
    const token = /^[A-Za-z*][A-Za-z0-9:/!#$%&'*+\-.^_`|~]*/.exec(this.s.slice(this.i));
    if (token) {
      this.i += token[0].length;
      return { token: token[0] };
    }
    throw new SyntaxError("item");
  }
  params(): Parameters {
    const params: Parameters = new Map();
    while (this.peek() === ";") {
      this.i++;
      this.skipSpaces();
      const key = this.key();
      let value: BareItem = true;
      if (this.peek() === "=") {
        this.i++;
        value = this.bareItem();
      }
      params.set(key, value);
    }
    return params;
  }
  member(): Member {
    if (this.peek() === "(") {
      this.i++;
      const items: Item[] = [];
      for (;;) {
        this.skipSpaces();
        if (this.peek() === ")") {
          this.i++;
          return { kind: "list", items, params: this.params() };
        }
        const value = this.bareItem();
        items.push({ value, params: this.params() });
        const c = this.peek();
        if (c !== " " && c !== ")") throw new SyntaxError("inner list");
      }
    }
    const value = this.bareItem();
    return { kind: "item", value, params: this.params() };
  }
}

export function parseDictionary(header: string): Map<string, Member> | null {
  const p = new Parser(header.trim());
  const out = new Map<string, Member>();
  try {
    while (p.i < p.s.length) {
      const key = p.key();
      let member: Member;
      if (p.peek() === "=") {
        p.i++;
        member = p.member();
      } else {
        member = { kind: "item", value: true, params: p.params() };
      }
      out.set(key, member);
      p.skipOws();
      if (p.i >= p.s.length) break;
      if (p.peek() !== ",") return null;
      p.i++;
      p.skipOws();
      if (p.i >= p.s.length) return null;
    }
  } catch {
    return null;
  }
  return out;
}

export function serializeBareItem(value: BareItem): string {
  if (typeof value === "string") return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "?1" : "?0";
  if (value instanceof Uint8Array) return `:${bytesToBase64(value)}:`;
  return value.token;
}

export function serializeParams(params: Parameters): string {
  let out = "";
  for (const [key, value] of params) out += value === true ? `;${key}` : `;${key}=${serializeBareItem(value)}`;
  return out;
}

export function serializeInnerList(list: InnerList): string {
  const items = list.items.map((item) => serializeBareItem(item.value) + serializeParams(item.params));
  return `(${items.join(" ")})${serializeParams(list.params)}`;
}
