// Rule 8 (docs/inbox.md): the fetcher's address policy, table-driven, plus the per-hop re-check
// of a redirect through the real fetcher.
import { describe, expect, it } from "vitest";
import { refusedUrl, safeFetch } from "../../src/federation/fetch.ts";
import { peer } from "../helpers.ts";

const PROD = { localDev: false };
const DEV = { localDev: true };

const refusedInProduction: [string, string][] = [
  ["http://example.com/", "plain http"],
  ["ftp://example.com/", "scheme"],
  ["https://0.0.0.0/", "this network 0/8"],
  ["https://0.1.2.3/", "this network 0/8"],
  ["https://10.1.2.3/", "10/8"],
  ["https://100.64.0.1/", "CGNAT 100.64/10"],
  ["https://100.127.255.254/", "CGNAT 100.64/10"],
  ["https://127.0.0.1/", "loopback"],
  ["https://2130706433/", "loopback, decimal form"],
  ["https://0x7f.1/", "loopback, hex short form"],
  ["https://169.254.169.254/", "link-local (metadata)"],
  ["https://172.16.0.1/", "172.16/12"],
  ["https://172.31.255.255/", "172.16/12"],
  ["https://192.0.0.8/", "IETF 192.0.0/24"],
  ["https://192.0.2.1/", "TEST-NET-1"],
  ["https://192.168.1.1/", "192.168/16"],
  ["https://198.18.0.1/", "benchmarking 198.18/15"],
  ["https://198.19.255.1/", "benchmarking 198.18/15"],
  ["https://198.51.100.7/", "TEST-NET-2"],
  ["https://203.0.113.9/", "TEST-NET-3"],
  ["https://224.0.0.1/", "multicast"],
  ["https://255.255.255.255/", "broadcast"],
  ["https://[::]/", "unspecified"],
  ["https://[::1]/", "loopback"],
  ["https://[::ffff:127.0.0.1]/", "IPv4-mapped loopback"],
  ["https://[::ffff:8.8.8.8]/", "IPv4-mapped, even public"],
  ["https://[::127.0.0.1]/", "IPv4-compatible"],
  ["https://[64:ff9b::a00:1]/", "NAT64 of 10.0.0.1"],
  ["https://[64:ff9b::808:808]/", "NAT64 of a public address"],
  ["https://[64:ff9b:1::1]/", "local-use NAT64"],
  ["https://[2002:a00:1::1]/", "6to4 of 10.0.0.1"],
  ["https://[2002:808:808::1]/", "6to4 of a public address"],
  ["https://[2001:0:4136:e378::1]/", "Teredo"],
  ["https://[2001:db8::1]/", "documentation"],
  ["https://[fec0::1]/", "site-local"],
  ["https://[fc00::1]/", "unique-local"],
  ["https://[fd12:3456::1]/", "unique-local"],
  ["https://[fe80::1]/", "link-local"],
  ["https://[ff02::1]/", "multicast"],
  ["https://localhost/", "localhost"],
  ["https://a.localhost/", "localhost subdomain"],
  ["https://printer.local/", "mDNS"],
  ["https://metadata.google.internal/", "internal"],
  ["https://router.home.arpa/", "home.arpa"],
  ["https://intranet/", "no dot"],
  ["https://localhost./", "trailing dot"],
];

const allowedInProduction = [
  "https://mastodon.social/users/a",
  "https://8.8.8.8/",
  "https://100.63.255.255/",
  "https://100.128.0.1/",
  "https://172.32.0.1/",
  "https://198.20.0.1/",
  "https://[2606:4700::1111]/",
  "https://[2a01:4f8::1]/",
];

describe("rule 8: the address policy", () => {
  it.each(refusedInProduction)("%s is refused (%s)", (url) => {
    expect(refusedUrl(new URL(url), PROD)).toEqual(expect.any(String));
  });

  it.each(allowedInProduction)("%s is allowed", (url) => {
    expect(refusedUrl(new URL(url), PROD)).toBeNull();
  });

  it.each(["http://localhost:3000/", "http://127.0.0.1:8787/", "http://[::1]:8080/", "https://a.localhost/"])("LOCAL_DEV admits loopback %s", (url) => {
    expect(refusedUrl(new URL(url), DEV)).toBeNull();
  });

  it.each(["https://10.0.0.1/", "https://192.168.1.1/", "https://169.254.169.254/", "https://[fd00::1]/", "https://[::ffff:10.0.0.1]/", "http://printer.local/"])(
    "LOCAL_DEV still refuses the private address %s",
    (url) => {
      expect(refusedUrl(new URL(url), DEV)).toEqual(expect.any(String));
    },
  );

  it("a redirect to a private address is refused at that hop, before anything is fetched from it", async () => {
    const start = `https://redirect.test/to-private/${crypto.randomUUID()}`;
    await peer("https://remote.test/__setup", { routes: { [start]: { status: 302, headers: { Location: "https://169.254.169.254/latest/meta-data/" } } } });
    const result = await safeFetch(start, { method: "GET" }, PROD);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/^redirected to https:\/\/169\.254\.169\.254\/.*private/) });
  });
});
