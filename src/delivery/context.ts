// What every delivery step needs, built once per queue message or alarm.
import { type Config, type Env, loadConfig } from "../config.ts";
import { type Database, database } from "../db/client.ts";
import type { FetchContext } from "../federation/fetch.ts";
import { getActorKeys } from "../federation/keys.ts";
import type { SigningKey } from "../federation/signatures/index.ts";
import { type LocalUrls, localUrls } from "../federation/urls.ts";

export interface DeliveryContext {
  env: Env;
  config: Config;
  db: Database;
  urls: LocalUrls;
  key: SigningKey;
  fetch: FetchContext;
}

export async function deliveryContext(env: Env): Promise<DeliveryContext> {
  const config = loadConfig(env);
  const db = database(env.DB);
  const urls = localUrls(config);
  const keys = await getActorKeys(db);
  const key = { keyId: urls.rsaKeyId, privateKey: keys.rsa.privateKey };
  return { env, config, db, urls, key, fetch: { policy: { localDev: config.localDev }, signer: key } };
}
