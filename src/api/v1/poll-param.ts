// The poll of POST /api/v1/statuses (and of an edit), as apps send it. Rules: src/domain/polls.ts.
import type { AppContext } from "../../context.ts";
import { pollOf } from "../../db/queries/polls.ts";
import { checkedPoll, type PollInput } from "../../domain/polls.ts";
import { boolParam, type Json, listParam, stringParam } from "../body.ts";

/**
 * `poll[options][]`, `poll[expires_in]`, `poll[multiple]`, `poll[hide_totals]` (form) or a JSON
 * `poll` object; null when absent. An edit (`editing`: the post's URI) keeps the post's poll:
 * sent again with the same options it is accepted, with others refused (votes would no longer
 * mean what they were cast for).
 */
export async function pollParam(c: AppContext, p: Json, editing?: string): Promise<PollInput | { error: string } | null> {
  const raw = p.poll;
  if (raw === undefined) return null;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { error: "Validation failed: poll must hold options and expires_in" };
  const poll = raw as Json;
  const options = listParam(poll, "options");
  if (editing) {
    const existing = await pollOf(c.var.services.db, editing);
    const same = existing && JSON.stringify(JSON.parse(existing.options)) === JSON.stringify(options.map((o) => o.trim()).filter((o) => o));
    return same ? null : { error: "Validation failed: a post's poll cannot be added or changed by an edit" };
  }
  const checked = checkedPoll({ options, expiresIn: stringParam(poll, "expires_in"), multiple: boolParam(poll, "multiple"), hideTotals: boolParam(poll, "hide_totals") });
  return "error" in checked ? { error: `Validation failed: ${checked.error}` } : checked;
}
