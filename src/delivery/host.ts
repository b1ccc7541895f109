// One Durable Object per remote server origin, holding that server's delivery retry state.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config.ts";

export class DeliveryHost extends DurableObject<Env> {}
