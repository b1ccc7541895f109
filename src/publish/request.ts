// What every publishing endpoint needs from the request: the publishing context and a JSON body.
import type { AppContext } from "../context.ts";
import { handlerContext } from "../federation/inbox/process.ts";
import type { PublishContext } from "./compose.ts";

export type Json = Record<string, unknown>;

export async function publishContext(c: AppContext): Promise<PublishContext> {
  return { ...(await handlerContext(c.env)), env: c.env };
}

/** The body as a JSON object, or null when it is not one. */
export async function readJsonObject(c: AppContext): Promise<Json | null> {
  try {
    const body: unknown = await c.req.json();
    return body && typeof body === "object" && !Array.isArray(body) ? (body as Json) : null;
  } catch {
    return null;
  }
}
