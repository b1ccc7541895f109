// A fediverse account on a real Node HTTP server on loopback, for the node project's tests against
// the Worker on local workerd (LOCAL_DEV lets it fetch http://127.0.0.1): an actor document with
// its RSA key, an inbox that records what arrives and answers `inboxStatus` (a failing server
// answers 503), and a Follow of our actor signed as Mastodon signs it (mastodon-signatures.ts).
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { signAsMastodon } from "./mastodon-signatures.ts";

const AP_TYPE = "application/activity+json";

export interface LoopbackFollower {
  /** http://127.0.0.1:<port> */
  base: string;
  host: string;
  actor: string;
  handle: string;
  /** What POSTs reached the inbox, in order. */
  received: { type?: string; object?: unknown }[];
  /** Signs and sends a Follow of `target` (our actor) to `inbox`; the Worker's answer status. */
  follow(target: string, inbox: string): Promise<number>;
  close(): Promise<void>;
}

export async function startLoopbackFollower(name: string, inboxStatus = 202): Promise<LoopbackFollower> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const received: LoopbackFollower["received"] = [];
  let base = "";
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    const actor = `${base}/users/${name}`;
    if (req.method === "GET" && url.pathname === `/users/${name}`) {
      res.writeHead(200, { "Content-Type": AP_TYPE });
      res.end(
        JSON.stringify({
          "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
          id: actor,
          type: "Person",
          preferredUsername: name,
          name: name[0]!.toUpperCase() + name.slice(1),
          url: `${base}/@${name}`,
          inbox: `${actor}/inbox`,
          followers: `${actor}/followers`,
          publicKey: { id: `${actor}#main-key`, owner: actor, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() },
        }),
      );
      return;
    }
    if (req.method === "POST" && url.pathname === `/users/${name}/inbox`) {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        try {
          received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch {
          received.push({});
        }
        res.writeHead(inboxStatus).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
  const actor = `${base}/users/${name}`;
  return {
    base,
    host,
    actor,
    handle: `@${name}@${host}`,
    received,
    async follow(target, inbox) {
      const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${base}/${randomUUID()}`, type: "Follow", actor, object: target });
      const headers = signAsMastodon({ method: "POST", url: inbox, body, keyId: `${actor}#main-key`, privateKey, variant: "main", date: new Date() });
      // fetch sets Host itself, to the same value that was signed.
      delete headers.Host;
      const res = await fetch(inbox, { method: "POST", headers, body });
      return res.status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
