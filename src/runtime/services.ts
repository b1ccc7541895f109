// Builds the Services object from the bindings: once per request (src/app.ts), per queue message
// (src/runtime/queue.ts) and per Durable Object call (src/runtime/delivery-host.ts).
// Throws ConfigError when a setting is invalid.
import { loadConfig, type Profile, profileDefaults, type Settings } from "../config.ts";
import { storedProfile } from "../db/queries/profile.ts";
import { database } from "../db/client.ts";
import { meteredD1 } from "../db/metered.ts";
import type { DeliveryHostApi } from "../delivery/host-api.ts";
import type { FanoutSenderApi } from "../delivery/sender-api.ts";
import { sendImmediately } from "../delivery/immediate.ts";
import { type StreamHubApi, streamPublisher } from "../delivery/stream.ts";
import { queuedOutbox } from "../delivery/outbox.ts";
import { usageMeter } from "../delivery/usage.ts";
import { getActorKeys } from "../federation/keys.ts";
import { localUrls } from "../federation/urls.ts";
import { imagesResizer, r2MediaStore } from "./media.ts";
import { type Log, log as defaultLog } from "../log.ts";
import type { Services } from "../services.ts";
import type { JobQueue } from "../delivery/jobs.ts";

/** What the services are built from: the settings and the bindings (src/runtime/bindings.ts names their exact types). */
export interface ServiceBindings extends Settings {
  DB: D1Database;
  QUEUE: JobQueue;
  DELIVERY_HOST: { idFromName(name: string): DurableObjectId; get(id: DurableObjectId): unknown };
  FANOUT_SENDER: { idFromName(name: string): DurableObjectId; get(id: DurableObjectId): unknown };
  POST_SCHEDULER: { idFromName(name: string): DurableObjectId; get(id: DurableObjectId): unknown };
  STREAM_HUB: { idFromName(name: string): DurableObjectId; get(id: DurableObjectId): unknown };
  MEDIA: R2Bucket;
  IMAGES?: ImagesBinding;
}

export function createServices(env: ServiceBindings, log: Log = defaultLog): Services {
  const config = loadConfig(env);
  const urls = localUrls(config);
  const now = () => Date.now();
  // The meter writes through the binding as it is; everything else goes through the metered one,
  // so every statement's rows read and written are counted (src/db/metered.ts).
  const usage = usageMeter(database(env.DB), now);
  const db = database(meteredD1(env.DB, (rows) => usage.add({ d1RowsRead: rows.rowsRead, d1RowsWritten: rows.rowsWritten })));
  let profile: Promise<Profile> | null = null;
  const keys = () => getActorKeys(db, log);
  const signingKey = async () => ({ keyId: urls.rsaKeyId, privateKey: (await keys()).rsa.privateKey });
  // Every message sent costs 3 queue operations (write, read, delete): counted here, where they leave.
  const jobs: JobQueue = {
    send: (body, options) => {
      usage.add({ queueOperations: 3 });
      return env.QUEUE.send(body, options);
    },
    sendBatch: (messages, options) => {
      const list = [...messages];
      usage.add({ queueOperations: 3 * list.length });
      return env.QUEUE.sendBatch(list, options);
    },
  };
  // Every call of a Durable Object is one request.
  const counted = <T extends object>(stub: T): T =>
    new Proxy(stub, {
      get(target, name) {
        const value = Reflect.get(target, name) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          usage.add({ durableObjectRequests: 1 });
          return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
        };
      },
    });
  const services: Services = {
    config,
    db,
    urls,
    profile: () => (profile ??= storedProfile(db).then((stored) => ({ ...profileDefaults(config), ...(stored as Partial<Profile>) }))),
    keys,
    signingKey,
    fetcher: { policy: { localDev: config.localDev }, signer: signingKey },
    // One-recipient activities sent with `immediate` go out from this invocation (src/delivery/immediate.ts).
    outbox: queuedOutbox(db, jobs, log, now, (activity, document, inbox) => sendImmediately(services, activity, document, inbox)),
    jobs,
    // The stub's RPC methods are the class's methods; their declared types are the API's.
    deliveryHost: (host) => counted(env.DELIVERY_HOST.get(env.DELIVERY_HOST.idFromName(host)) as unknown as DeliveryHostApi),
    fanoutSender: (name) => counted(env.FANOUT_SENDER.get(env.FANOUT_SENDER.idFromName(name)) as unknown as FanoutSenderApi),
    // One object for the one owner: its alarm is the earliest scheduled post's time.
    postScheduler: () => counted(env.POST_SCHEDULER.get(env.POST_SCHEDULER.idFromName("owner")) as unknown as { wake(at: number): Promise<void> }),
    // One hub for the one owner: every socket and every event meet in the same object.
    stream: streamPublisher(db, () => counted(env.STREAM_HUB.get(env.STREAM_HUB.idFromName("owner")) as unknown as StreamHubApi), log),
    usage,
    media: r2MediaStore(env.MEDIA),
    images: env.IMAGES ? imagesResizer(env.IMAGES) : null,
    log,
    now,
  };
  return services;
}
