// The Hono environment of every route: the request's Services (src/services.ts) on c.var, and for
// the client API the grant of its bearer token. Routes never read bindings; src/app.ts builds the
// services from them once per request.
import type { Context } from "hono";
import type { Grant } from "./domain/oauth.ts";
import type { Services } from "./services.ts";

export interface AppEnv {
  Variables: { services: Services; grant: Grant | null };
}

export type AppContext = Context<AppEnv>;
