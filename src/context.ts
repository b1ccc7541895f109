// The Hono environment of every route: the request's Services (src/services.ts) on c.var.
// Routes never read bindings; src/app.ts builds the services from them once per request.
import type { Context } from "hono";
import type { Services } from "./services.ts";

export interface AppEnv {
  Variables: { services: Services };
}

export type AppContext = Context<AppEnv>;
