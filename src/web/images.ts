// The images served when the owner has none: Mastodon clients need avatar and header URLs that
// load (several crash on null), so a plain grey square stands in.
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { MISSING_IMAGE_PATH } from "../federation/urls.ts";

const MISSING_PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAGAAAABgCAIAAABt+uBvAAAAj0lEQVR42u3QMQ0AAAgDsPmXwI0AJOKAk6tJFTTVwyEKBAkSJEiQIEGCECRIkCBBggQJQpAgQYIECRIkCEGCBAkSJEiQIEEIEiRIkCBBggQhSJAgQYIECRKEIEGCBAkSJEiQIAQJEiRIkCBBghAkSJAgQYIECUKQIEGCBAkSJEgQggQJEiRIkCBBCBIk6M8CcjB8DLJbY5YAAAAASUVORK5CYII="), (ch) => ch.charCodeAt(0));

export const images = new Hono<AppEnv>().get(MISSING_IMAGE_PATH, (c) =>
  c.body(MISSING_PNG, 200, { "Content-Type": "image/png", "Cache-Control": "public, max-age=604800", "Access-Control-Allow-Origin": "*" }),
);
