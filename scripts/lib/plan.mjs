// PLAN in wrangler.toml → the queue consumer settings of that plan, written into the
// [[queues.consumers]] section of wrangler.toml before `wrangler deploy` reads it. The settings
// come from src/delivery/limits.ts (the one module the Worker sizes itself by; Node strips its types).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const KEYS = ["max_batch_size", "max_batch_timeout", "max_concurrency", "max_retries"];

/** @returns {Promise<{ plan: string, consumer: Record<string, number | null> }>} */
export async function planSettings(root, value) {
  const limits = await import(pathToFileURL(path.join(root, "src", "delivery", "limits.ts")).href);
  const plan = (value ?? "").trim().toLowerCase() || "free";
  if (!limits.PLAN_NAMES.includes(plan)) throw new Error(`PLAN must be "free" or "paid", not "${value}"`);
  return { plan, consumer: limits.limitsFor(plan).consumer };
}

/**
 * Sets the consumer keys of the first [[queues.consumers]] table of `text` (a null removes the
 * key); returns the new text and the keys that changed.
 */
export function withConsumerSettings(text, consumer) {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === "[[queues.consumers]]");
  if (start < 0) throw new Error("wrangler.toml has no [[queues.consumers]] section");
  let end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  if (end < 0) end = lines.length;
  const body = lines.slice(start + 1, end);
  const changed = [];
  for (const key of KEYS) {
    const at = body.findIndex((l) => new RegExp(`^\\s*${key}\\s*=`).test(l));
    const want = consumer[key];
    const current = at >= 0 ? Number(body[at].split("=")[1].split("#")[0].trim()) : null;
    if (current === want) continue;
    changed.push(`${key} = ${want ?? "(unset)"}`);
    if (want === null) body.splice(at, 1);
    else if (at >= 0) body[at] = `${key} = ${want}`;
    else {
      const queueLine = body.findIndex((l) => /^\s*queue\s*=/.test(l));
      body.splice(queueLine + 1 + KEYS.indexOf(key), 0, `${key} = ${want}`);
    }
  }
  return { text: [...lines.slice(0, start + 1), ...body, ...lines.slice(end)].join("\n"), changed };
}

/** Rewrites wrangler.toml when its consumer settings differ from the plan's; returns what changed. */
export function writeConsumerSettings(file, consumer) {
  const { text, changed } = withConsumerSettings(readFileSync(file, "utf8"), consumer);
  if (changed.length > 0) writeFileSync(file, text);
  return changed;
}
