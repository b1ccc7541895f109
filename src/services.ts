// What every use case, handler and job works with, built once per request, queue message or
// Durable Object call by src/runtime/services.ts. Only types live here, so any layer may name it.
import type { Config, Profile } from "./config.ts";
import type { Database } from "./db/client.ts";
import type { DeliveryHostApi } from "./delivery/host-api.ts";
import type { JobQueue } from "./delivery/jobs.ts";
import type { FanoutSenderApi } from "./delivery/sender-api.ts";
import type { StreamPublisher } from "./delivery/stream.ts";
import type { UsageMeter } from "./delivery/usage.ts";
import type { Outbox } from "./delivery/outbox.ts";
import type { FetchContext } from "./federation/fetch.ts";
import type { ActorKeys } from "./federation/keys.ts";
import type { SigningKey } from "./federation/signatures/index.ts";
import type { LocalUrls } from "./federation/urls.ts";
import type { Log } from "./log.ts";
import type { ImageResizer, MediaStore } from "./media/store.ts";

export interface Services {
  config: Config;
  db: Database;
  urls: LocalUrls;
  /** The owner's profile: D1's changes over the [vars], read once per services object. */
  profile(): Promise<Profile>;
  /** Our key pairs, loaded (or created) on first use and kept for the isolate's life. */
  keys(): Promise<ActorKeys>;
  /** Our RSA key as the signer wants it (`#main-key`). */
  signingKey(): Promise<SigningKey>;
  /** What THE fetcher (src/federation/fetch.ts) needs: the address policy and our signer for signed GETs. */
  fetcher: FetchContext;
  /** THE way anything of ours leaves: store the activity, then its fan-out job. */
  outbox: Outbox;
  /** The jobs queue (inbox, fanout, deliver). */
  jobs: JobQueue;
  /** The Durable Object holding one remote server's retry state. */
  deliveryHost(host: string): DeliveryHostApi;
  /** A fan-out sender Durable Object (Free plan: large fan-outs are sent on its alarms). */
  fanoutSender(name: string): FanoutSenderApi;
  /** The Durable Object whose alarm publishes scheduled posts (src/runtime/post-scheduler.ts); `wake` makes sure it fires by `at`. */
  postScheduler(): { wake(at: number): Promise<void> };
  /** Live events for open apps: the owner's stream hub Durable Object, called only while a socket is open (docs/streaming.md). */
  stream: StreamPublisher;
  /** The budget meter: what this invocation spent, added to today's `usage` row by `flush()`. */
  usage: UsageMeter;
  /** Where uploads are kept (the R2 bucket). */
  media: MediaStore;
  /** Previews and blurhash thumbnails (Cloudflare's Images binding); null when it is not bound. */
  images: ImageResizer | null;
  log: Log;
  now(): number;
}
