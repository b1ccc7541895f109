// The Hono environment shared by every route: bindings, plus the validated config and database.
import type { Context } from "hono";
import type { Config, Env } from "./config.ts";
import type { Database } from "./db/client.ts";
import type { LocalUrls } from "./federation/urls.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: { config: Config; db: Database; urls: LocalUrls };
}

export type AppContext = Context<AppEnv>;
