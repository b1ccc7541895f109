// Which URLs the Worker may fetch (docs/inbox.md, rule 8). Workers cannot resolve DNS, so this
// judges what the URL itself says: the scheme, IP literals and local-only names; Cloudflare's
// egress refuses private addresses behind public names itself. `url.hostname` is what the WHATWG
// parser made of the host: decimal, hex, octal and short IPv4 forms arrive as dotted quads, IPv6
// as bracketed, compressed lower-case hex.
export interface FetchPolicy {
  localDev: boolean;
}

type Range = readonly [base: bigint, prefixBits: number];

function v4(text: string): bigint {
  return text.split(".").reduce((n, part) => (n << 8n) | BigInt(part), 0n);
}

function v6(text: string): bigint {
  const [head = "", tail] = text.split("::");
  const words = (s: string) => (s ? s.split(":").map((w) => BigInt(`0x${w}`)) : []);
  const front = words(head);
  const back = tail === undefined ? [] : words(tail);
  const all = [...front, ...Array<bigint>(8 - front.length - back.length).fill(0n), ...back];
  return all.reduce((n, w) => (n << 16n) | w, 0n);
}

/** IPv4 ranges that are not public unicast (RFC 6890 and the IANA special-purpose registry). */
const NON_PUBLIC_V4: readonly Range[] = [
  [v4("0.0.0.0"), 8], // "this network"
  [v4("10.0.0.0"), 8],
  [v4("100.64.0.0"), 10], // carrier-grade NAT
  [v4("127.0.0.0"), 8],
  [v4("169.254.0.0"), 16], // link-local: cloud metadata services live here
  [v4("172.16.0.0"), 12],
  [v4("192.0.0.0"), 24], // IETF protocol assignments
  [v4("192.0.2.0"), 24], // TEST-NET-1
  [v4("192.88.99.0"), 24], // 6to4 relay anycast
  [v4("192.168.0.0"), 16],
  [v4("198.18.0.0"), 15], // benchmarking
  [v4("198.51.100.0"), 24], // TEST-NET-2
  [v4("203.0.113.0"), 24], // TEST-NET-3
  [v4("224.0.0.0"), 4], // multicast
  [v4("240.0.0.0"), 4], // reserved, and the broadcast address
];

/** IPv6 ranges that are not public unicast, including every form that embeds or translates IPv4. */
const NON_PUBLIC_V6: readonly Range[] = [
  [v6("::"), 96], // unspecified, loopback and the deprecated IPv4-compatible block
  [v6("::ffff:0:0"), 96], // IPv4-mapped
  [v6("64:ff9b::"), 96], // NAT64
  [v6("64:ff9b:1::"), 48], // local-use NAT64
  [v6("100::"), 64], // discard
  [v6("2001::"), 32], // Teredo
  [v6("2001:db8::"), 32], // documentation
  [v6("2002::"), 16], // 6to4
  [v6("fc00::"), 7], // unique local
  [v6("fe80::"), 10], // link-local
  [v6("fec0::"), 10], // deprecated site-local
  [v6("ff00::"), 8], // multicast
];

function inRange(address: bigint, [base, bits]: Range, width: number): boolean {
  const shift = BigInt(width - bits);
  return address >> shift === base >> shift;
}

const LOCAL_NAME = /(^|\.)(localhost|local|internal|home\.arpa|lan|intranet|corp)$/;

function isLoopback(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return inRange(v4(host), [v4("127.0.0.0"), 8], 32);
  return host === "[::1]";
}

/** Why `url` may not be fetched under `policy`, or null when it may. */
export function refusedUrl(url: URL, policy: FetchPolicy): string | null {
  if (url.protocol !== "https:" && url.protocol !== "http:") return `${url.protocol} URLs are not fetched`;
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  // Local dev admits plain http and loopback peers, and nothing else that is private.
  if (policy.localDev && isLoopback(host)) return null;
  if (!policy.localDev && url.protocol === "http:") return "plain http is refused outside local dev";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    return NON_PUBLIC_V4.some((r) => inRange(v4(host), r, 32)) ? `${host} is a private or reserved address` : null;
  }
  if (host.startsWith("[")) {
    return NON_PUBLIC_V6.some((r) => inRange(v6(host.slice(1, -1)), r, 128)) ? `${host} is a private or reserved address` : null;
  }
  if (LOCAL_NAME.test(host)) return `${host} is a local name`;
  // A name without a dot only means something on a local network (search domains, metadata).
  if (!host.includes(".")) return `${host} is not a public host name`;
  return null;
}
