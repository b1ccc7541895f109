// THE request-body parser of the owner API and the C2S outbox: a JSON object, or null.
import type { AppContext } from "../context.ts";

export type Json = Record<string, unknown>;

/** The body as a JSON object, or null when it is not one (absent, malformed, an array, a scalar). */
export async function readJsonObject(c: AppContext): Promise<Json | null> {
  try {
    const body: unknown = await c.req.json();
    return body && typeof body === "object" && !Array.isArray(body) ? (body as Json) : null;
  } catch {
    return null;
  }
}
