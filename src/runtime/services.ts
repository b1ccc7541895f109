// Builds the Services object from the bindings: once per request (src/app.ts), per queue message
// (src/runtime/queue.ts) and per Durable Object call (src/runtime/delivery-host.ts).
// Throws ConfigError when a setting is invalid.
import { loadConfig, type Profile, profileDefaults, type Settings } from "../config.ts";
import { storedProfile } from "../db/queries/profile.ts";
import { database } from "../db/client.ts";
import type { DeliveryHostApi } from "../delivery/host-api.ts";
import { queuedOutbox } from "../delivery/outbox.ts";
import { getActorKeys } from "../federation/keys.ts";
import { localUrls } from "../federation/urls.ts";
import { type Log, log as defaultLog } from "../log.ts";
import type { Services } from "../services.ts";
import type { JobQueue } from "../delivery/jobs.ts";

/** What the services are built from: the settings and the three bindings (src/runtime/bindings.ts names their exact types). */
export interface ServiceBindings extends Settings {
  DB: D1Database;
  QUEUE: JobQueue;
  DELIVERY_HOST: { idFromName(name: string): DurableObjectId; get(id: DurableObjectId): unknown };
}

export function createServices(env: ServiceBindings, log: Log = defaultLog): Services {
  const config = loadConfig(env);
  const db = database(env.DB);
  const urls = localUrls(config);
  const now = () => Date.now();
  let profile: Promise<Profile> | null = null;
  const keys = () => getActorKeys(db, log);
  const signingKey = async () => ({ keyId: urls.rsaKeyId, privateKey: (await keys()).rsa.privateKey });
  return {
    config,
    db,
    urls,
    profile: () => (profile ??= storedProfile(db).then((stored) => ({ ...profileDefaults(config), ...(stored as Partial<Profile>) }))),
    keys,
    signingKey,
    fetcher: { policy: { localDev: config.localDev }, signer: signingKey },
    outbox: queuedOutbox(db, env.QUEUE, log, now),
    jobs: env.QUEUE,
    // The stub's RPC methods are the class's methods; their declared types are the API's.
    deliveryHost: (host) => env.DELIVERY_HOST.get(env.DELIVERY_HOST.idFromName(host)) as unknown as DeliveryHostApi,
    log,
    now,
  };
}
