// Filters as Mastodon keeps them (custom_filter.rb and its keywords and statuses): a title, the
// contexts it applies in, an action (warn, hide, blur), an optional expiry, keywords matched in a
// status's text and statuses named by id. A v1 filter is one keyword of one filter (the v1 API
// maps onto these tables; see src/api/v1/filters.ts).
import { count, eq, type SQL, sql } from "drizzle-orm";
import { filterKeywords, filters, filterStatuses, statuses } from "../db/schema.ts";
import { snowflake, snowflakes } from "../db/snowflake.ts";
import type { Services } from "../services.ts";
import { htmlToText } from "../text/html.ts";
import { checkTitle, isRefusal, NOT_FOUND, type Refusal, refuse } from "./refusal.ts";

export const FILTER_CONTEXTS = ["home", "notifications", "public", "thread", "account"] as const;
export type FilterContext = (typeof FILTER_CONTEXTS)[number];
export const FILTER_ACTIONS = ["warn", "hide", "blur"] as const;
export type FilterAction = (typeof FILTER_ACTIONS)[number];

export interface Keyword {
  id: number;
  keyword: string;
  wholeWord: boolean;
}

export interface Filter {
  id: number;
  title: string;
  context: FilterContext[];
  action: FilterAction;
  expiresAt: number | null;
  keywords: Keyword[];
  statuses: { id: number; statusId: number }[];
}

/**
 * One JSON object per filter, its keywords and statuses included (json() around the subqueries:
 * SQLite drops the JSON subtype of a subquery's value), so every reader — the CRUD
 * endpoints and the status entities, which union it into their one statement — reads filters
 * whole in a single statement. `active` leaves out expired filters.
 */
export function filtersJson(now: number, options: { active?: boolean; id?: number } = {}): SQL {
  const conditions = [
    options.active ? sql`(f.expires_at IS NULL OR f.expires_at > ${now})` : undefined,
    options.id !== undefined ? sql`f.id = ${options.id}` : undefined,
  ].filter((c): c is SQL => c !== undefined);
  const where = conditions.length ? sql` WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
  return sql`SELECT json_object(
      'id', f.id, 'title', f.title, 'context', json(f.context), 'action', f.action, 'expiresAt', f.expires_at,
      'keywords', json((SELECT json_group_array(json_object('id', k.id, 'keyword', k.keyword, 'wholeWord', json(CASE k.whole_word WHEN 1 THEN 'true' ELSE 'false' END)))
                        FROM filter_keywords AS k WHERE k.filter_id = f.id)),
      'statuses', json((SELECT json_group_array(json_object('id', fs.id, 'statusId', fs.status_id)) FROM filter_statuses AS fs WHERE fs.filter_id = f.id))
    ) AS doc FROM filters AS f${where} ORDER BY f.id`;
}

export function parseFilter(json: string): Filter {
  const f = JSON.parse(json) as Filter;
  f.keywords.sort((a, b) => a.id - b.id);
  f.statuses.sort((a, b) => a.id - b.id);
  return f;
}

/** Every filter, expired ones included (the CRUD endpoints list them all, as Mastodon does), oldest first. */
export async function loadFilters(s: Services): Promise<Filter[]> {
  const rows = await s.db.all<{ doc: string }>(filtersJson(s.now()));
  return rows.map((r) => parseFilter(r.doc));
}

export async function loadFilter(s: Services, id: number): Promise<Filter | null> {
  const [row] = await s.db.all<{ doc: string }>(filtersJson(s.now(), { id }));
  return row ? parseFilter(row.doc) : null;
}

// --- matching ---

export interface FilterMatch {
  filter: Filter;
  /** The text the keywords matched (Mastodon reports the first match), or null. */
  keywordMatches: string[] | null;
  statusMatches: number[] | null;
}

interface CompiledFilter {
  filter: Filter;
  keywords: RegExp | null;
  statusIds: Set<number>;
}

// Ruby's [[:word:]]: letters, marks, decimal digits, connector punctuation.
const WORD = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";
const STARTS_WITH_WORD = new RegExp(`^[${WORD}]`, "u");
const ENDS_WITH_WORD = new RegExp(`[${WORD}]$`, "u");

function keywordPattern(k: Keyword): string {
  const escaped = k.keyword.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  if (!k.wholeWord) return escaped;
  // A boundary only on a side where the keyword itself begins or ends with a word character, as
  // Mastodon does: "#tag" or "c++" still match at their non-word end.
  return `${STARTS_WITH_WORD.test(k.keyword) ? `(?<![${WORD}])` : ""}${escaped}${ENDS_WITH_WORD.test(k.keyword) ? `(?![${WORD}])` : ""}`;
}

/** Filters ready to match: one case-insensitive expression of all of a filter's keywords. */
export function compileFilters(list: Filter[]): CompiledFilter[] {
  return list.map((filter) => ({
    filter,
    keywords: filter.keywords.length ? new RegExp(filter.keywords.map(keywordPattern).join("|"), "iu") : null,
    statusIds: new Set(filter.statuses.map((st) => st.statusId)),
  }));
}

/** What Mastodon matches keywords in (Status#searchable_text): the content warning, the text, poll options, media descriptions. */
export function searchableText(parts: { summary: string | null; html: string; pollOptions?: string[]; descriptions: (string | null)[] }): string {
  return [parts.summary ?? "", htmlToText(parts.html), ...(parts.pollOptions?.length ? [parts.pollOptions.join("\n\n")] : []), parts.descriptions.filter((d) => d).join("\n\n")].join("\n\n");
}

/** The filters a status matches: `statusIds` are its own id and, for a boost, the boosted status's. */
export function matchFilters(compiled: CompiledFilter[], status: { text: string; statusIds: number[] }): FilterMatch[] {
  return compiled.flatMap((c) => {
    const match = c.keywords?.exec(status.text);
    const statusMatches = status.statusIds.filter((id) => c.statusIds.has(id));
    if (!match && statusMatches.length === 0) return [];
    return [{ filter: c.filter, keywordMatches: match ? [match[0]] : null, statusMatches: statusMatches.length ? statusMatches : null }];
  });
}

/** Whether a `hide` filter of `context` covers the status: it is then left out of what that context shows. */
export function hiddenIn(matches: FilterMatch[], context: FilterContext): boolean {
  return matches.some((m) => m.filter.action === "hide" && m.filter.context.includes(context));
}

// --- changes ---

const MAX_TITLE = 256;
const MAX_KEYWORD = 512;
const MAX_KEYWORDS = 100;

export interface KeywordChange {
  id?: number;
  keyword?: string;
  wholeWord?: boolean;
  destroy?: boolean;
}

export interface FilterChanges {
  title?: string;
  context?: string[];
  action?: string;
  /** Seconds from now; null: never expires. */
  expiresIn?: number | null;
  keywords?: KeywordChange[];
}

function checkKeyword(keyword: string): Refusal | null {
  if (!keyword.trim()) return refuse("Validation failed: Keywords keyword can't be blank");
  if (keyword.length > MAX_KEYWORD) return refuse(`Validation failed: Keywords keyword is too long (maximum is ${MAX_KEYWORD} characters)`);
  return null;
}

/** Mastodon strips the contexts and drops blank ones; none left, or an unknown one, is refused. */
function cleanContext(context: string[]): FilterContext[] | Refusal {
  const cleaned = [...new Set(context.map((c) => c.trim()).filter((c) => c))];
  if (cleaned.length === 0 || cleaned.some((c) => !(FILTER_CONTEXTS as readonly string[]).includes(c))) return refuse("Validation failed: Context None or invalid context supplied");
  return cleaned as FilterContext[];
}

function expiry(s: Services, expiresIn: number | null): number | null | Refusal {
  if (expiresIn === null) return null;
  if (!Number.isFinite(expiresIn) || expiresIn < 0 || expiresIn > 100 * 365 * 86_400) return refuse("Validation failed: expires_in must be a number of seconds");
  return s.now() + Math.round(expiresIn) * 1000;
}

/** The columns a keyword change sets. */
function keywordSet(k: { keyword?: string; wholeWord?: boolean }): Partial<KeywordRow> {
  return { ...(k.keyword !== undefined ? { keyword: k.keyword } : {}), ...(k.wholeWord !== undefined ? { wholeWord: k.wholeWord } : {}) };
}

/** New keywords' rows, checked: an entry without a keyword is refused (Rails skips only entries with nothing in them). */
function newKeywords(s: Services, filterId: number, added: KeywordChange[]): (typeof filterKeywords.$inferInsert)[] | Refusal {
  for (const k of added) {
    const bad = checkKeyword(k.keyword ?? "");
    if (bad) return bad;
  }
  const ids = snowflakes(s.now(), added.length);
  return added.map((k, i) => ({ id: ids[i]!, filterId, keyword: k.keyword!, wholeWord: k.wholeWord ?? true }));
}

/** The filter row's new values, checked; only what `changes` names. */
function filterValues(s: Services, changes: FilterChanges): Partial<typeof filters.$inferInsert> | Refusal {
  const values: Partial<typeof filters.$inferInsert> = {};
  if (changes.title !== undefined) {
    const bad = checkTitle(changes.title, MAX_TITLE);
    if (bad) return bad;
    values.title = changes.title;
  }
  if (changes.context !== undefined) {
    const context = cleanContext(changes.context);
    if (isRefusal(context)) return context;
    values.context = JSON.stringify(context);
  }
  if (changes.action !== undefined) {
    if (!(FILTER_ACTIONS as readonly string[]).includes(changes.action)) return refuse("Validation failed: Filter action is not included in the list");
    values.action = changes.action as FilterAction;
  }
  if (changes.expiresIn !== undefined) {
    const at = expiry(s, changes.expiresIn);
    if (isRefusal(at)) return at;
    values.expiresAt = at;
  }
  return values;
}

/** Creates a filter with its keywords in one batch; title and context are required. */
export async function createFilter(s: Services, changes: FilterChanges): Promise<{ ok: true; filter: Filter } | Refusal> {
  const values = filterValues(s, { ...changes, title: changes.title ?? "", context: changes.context ?? [] });
  if (isRefusal(values)) return values;
  const added = (changes.keywords ?? []).filter((k) => !k.destroy);
  if (added.length > MAX_KEYWORDS) return refuse(`Validation failed: at most ${MAX_KEYWORDS} keywords`);
  const id = snowflake(s.now());
  const keywords = newKeywords(s, id, added);
  if (isRefusal(keywords)) return keywords;
  await s.db.batch([
    s.db.insert(filters).values({ id, title: values.title!, context: values.context!, action: values.action ?? "warn", expiresAt: values.expiresAt ?? null }),
    ...keywords.map((k) => s.db.insert(filterKeywords).values(k)),
  ]);
  await filtersChanged(s);
  return { ok: true, filter: (await loadFilter(s, id))! };
}

/**
 * Changes a filter and, as Rails' nested attributes do, its keywords: with an id a keyword is
 * changed (or removed with `destroy`), without one it is added. All or nothing.
 */
export async function updateFilter(s: Services, id: number, changes: FilterChanges): Promise<{ ok: true; filter: Filter } | Refusal> {
  const current = await loadFilter(s, id);
  if (!current) return NOT_FOUND;
  const values = filterValues(s, changes);
  if (isRefusal(values)) return values;
  const statements = [];
  if (Object.keys(values).length > 0) statements.push(s.db.update(filters).set(values).where(eq(filters.id, id)));
  let held = current.keywords.length;
  for (const k of (changes.keywords ?? []).filter((k) => k.id !== undefined)) {
    if (!current.keywords.some((own) => own.id === k.id)) return NOT_FOUND;
    if (k.destroy) {
      statements.push(s.db.delete(filterKeywords).where(eq(filterKeywords.id, k.id!)));
      held--;
      continue;
    }
    const bad = k.keyword !== undefined ? checkKeyword(k.keyword) : null;
    if (bad) return bad;
    const set = keywordSet(k);
    if (Object.keys(set).length) statements.push(s.db.update(filterKeywords).set(set).where(eq(filterKeywords.id, k.id!)));
  }
  const added = newKeywords(s, id, (changes.keywords ?? []).filter((k) => k.id === undefined && !k.destroy));
  if (isRefusal(added)) return added;
  statements.push(...added.map((k) => s.db.insert(filterKeywords).values(k)));
  if (held + added.length > MAX_KEYWORDS) return refuse(`Validation failed: at most ${MAX_KEYWORDS} keywords`);
  const [first, ...rest] = statements;
  if (first) await s.db.batch([first, ...rest]);
  if (first) await filtersChanged(s);
  return { ok: true, filter: (await loadFilter(s, id))! };
}

export async function deleteFilter(s: Services, id: number): Promise<boolean> {
  return changed(s, (await s.db.delete(filters).where(eq(filters.id, id)).returning({ id: filters.id })).length > 0);
}

// --- keywords and statuses on their own (/api/v2/filters/:id/keywords, /api/v2/filter_keywords/:id, …) ---

export type KeywordRow = typeof filterKeywords.$inferSelect;

/** Adds one keyword to a filter. */
export async function addKeyword(s: Services, filterId: number, keyword: { keyword: string; wholeWord?: boolean }): Promise<{ ok: true; keyword: KeywordRow } | Refusal> {
  const [filter] = await s.db.select({ id: filters.id }).from(filters).where(eq(filters.id, filterId));
  if (!filter) return NOT_FOUND;
  const rows = newKeywords(s, filterId, [keyword]);
  if (isRefusal(rows)) return rows;
  const [held] = await s.db.select({ n: count() }).from(filterKeywords).where(eq(filterKeywords.filterId, filterId));
  if ((held?.n ?? 0) >= MAX_KEYWORDS) return refuse(`Validation failed: at most ${MAX_KEYWORDS} keywords`);
  const [row] = await s.db.insert(filterKeywords).values(rows[0]!).returning();
  await filtersChanged(s);
  return { ok: true, keyword: row! };
}

export async function findKeyword(s: Services, id: number): Promise<KeywordRow | null> {
  const [row] = await s.db.select().from(filterKeywords).where(eq(filterKeywords.id, id));
  return row ?? null;
}

export async function changeKeyword(s: Services, id: number, change: { keyword?: string; wholeWord?: boolean }): Promise<{ ok: true; keyword: KeywordRow } | Refusal> {
  if (change.keyword !== undefined) {
    const bad = checkKeyword(change.keyword);
    if (bad) return bad;
  }
  const set = keywordSet(change);
  const [row] = Object.keys(set).length
    ? await s.db.update(filterKeywords).set(set).where(eq(filterKeywords.id, id)).returning()
    : [await findKeyword(s, id)];
  if (row && Object.keys(set).length) await filtersChanged(s);
  return row ? { ok: true, keyword: row } : NOT_FOUND;
}

export async function removeKeyword(s: Services, id: number): Promise<boolean> {
  return changed(s, (await s.db.delete(filterKeywords).where(eq(filterKeywords.id, id)).returning({ id: filterKeywords.id })).length > 0);
}

export type FilterStatusRow = typeof filterStatuses.$inferSelect;

/** Names a status the filter matches; it must be one the API can show, and only once per filter. */
export async function addFilterStatus(s: Services, filterId: number, statusId: number): Promise<{ ok: true; row: FilterStatusRow } | Refusal> {
  const [filter] = await s.db.select({ id: filters.id }).from(filters).where(eq(filters.id, filterId));
  if (!filter) return NOT_FOUND;
  const [status] = await s.db.select({ id: statuses.id }).from(statuses).where(eq(statuses.id, statusId));
  if (!status) return refuse("Validation failed: Status must exist");
  const [row] = await s.db
    .insert(filterStatuses)
    .values({ id: snowflake(s.now()), filterId, statusId })
    .onConflictDoNothing()
    .returning();
  if (row) await filtersChanged(s);
  return row ? { ok: true, row } : refuse("Validation failed: Status has already been taken");
}

export async function filterStatusesOf(s: Services, filterId: number): Promise<FilterStatusRow[]> {
  return s.db.select().from(filterStatuses).where(eq(filterStatuses.filterId, filterId)).orderBy(filterStatuses.id);
}

export async function findFilterStatus(s: Services, id: number): Promise<FilterStatusRow | null> {
  const [row] = await s.db.select().from(filterStatuses).where(eq(filterStatuses.id, id));
  return row ?? null;
}

export async function removeFilterStatus(s: Services, id: number): Promise<boolean> {
  return changed(s, (await s.db.delete(filterStatuses).where(eq(filterStatuses.id, id)).returning({ id: filterStatuses.id })).length > 0);
}

/** Open apps re-read their filters on `filters_changed` (Mastodon's CustomFilter#invalidate_cache!). */
function filtersChanged(s: Services): Promise<void> {
  return s.stream.publish({ event: "filters_changed" });
}

/** `filters_changed` when a removal removed something; answers whether it did. */
async function changed(s: Services, removed: boolean): Promise<boolean> {
  if (removed) await filtersChanged(s);
  return removed;
}

// --- v1: one keyword of one filter ---

/** A v1 filter: a keyword with its filter's context, expiry and action. */
export interface V1Filter {
  keyword: KeywordRow;
  filter: Filter;
}

export async function v1Filters(s: Services): Promise<V1Filter[]> {
  return (await loadFilters(s)).flatMap((filter) => filter.keywords.map((k) => ({ keyword: { ...k, filterId: filter.id }, filter })));
}

export async function v1Filter(s: Services, keywordId: number): Promise<V1Filter | null> {
  const keyword = await findKeyword(s, keywordId);
  const filter = keyword ? await loadFilter(s, keyword.filterId) : null;
  return keyword && filter ? { keyword, filter } : null;
}

export interface V1Changes {
  phrase?: string;
  context?: string[];
  irreversible?: boolean;
  wholeWord?: boolean;
  expiresIn?: number | null;
}

/** v1 create: a filter titled with the phrase, holding that one keyword (Mastodon's mapping). */
export async function createV1Filter(s: Services, changes: V1Changes): Promise<{ ok: true; filter: V1Filter } | Refusal> {
  const created = await createFilter(s, {
    title: changes.phrase ?? "",
    context: changes.context ?? [],
    action: changes.irreversible ? "hide" : "warn",
    expiresIn: changes.expiresIn ?? null,
    keywords: [{ keyword: changes.phrase ?? "", wholeWord: changes.wholeWord }],
  });
  if (!created.ok) return created;
  const keyword = created.filter.keywords[0]!;
  return { ok: true, filter: { keyword: { ...keyword, filterId: created.filter.id }, filter: created.filter } };
}

/**
 * v1 update: the keyword changes, and so does its filter (title, context, action, expiry) — which
 * Mastodon refuses when the filter holds other keywords too, as a v1 app cannot see them.
 */
export async function updateV1Filter(s: Services, keywordId: number, changes: V1Changes): Promise<{ ok: true; filter: V1Filter } | Refusal> {
  const current = await v1Filter(s, keywordId);
  if (!current) return NOT_FOUND;
  const context = changes.context !== undefined ? cleanContext(changes.context) : undefined;
  if (isRefusal(context)) return context;
  const filterChanges: FilterChanges = {
    ...(changes.phrase !== undefined ? { title: changes.phrase } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(changes.irreversible !== undefined ? { action: changes.irreversible ? "hide" : "warn" } : {}),
    ...(changes.expiresIn !== undefined ? { expiresIn: changes.expiresIn } : {}),
  };
  // Mastodon compares attribute values; a given expiry always moves expires_at.
  const changesFilter =
    (filterChanges.title !== undefined && filterChanges.title !== current.filter.title) ||
    (filterChanges.context !== undefined && JSON.stringify(filterChanges.context) !== JSON.stringify(current.filter.context)) ||
    (filterChanges.action !== undefined && filterChanges.action !== current.filter.action) ||
    (filterChanges.expiresIn !== undefined && (filterChanges.expiresIn !== null || current.filter.expiresAt !== null));
  if (changesFilter && current.filter.keywords.length > 1) {
    return refuse("These parameters cannot be changed from this application because they apply to more than one filter keyword. Use a more recent application or the web interface.");
  }
  const keyword: KeywordChange = { id: keywordId, ...(changes.phrase !== undefined ? { keyword: changes.phrase } : {}), ...(changes.wholeWord !== undefined ? { wholeWord: changes.wholeWord } : {}) };
  const result = await updateFilter(s, current.filter.id, { ...(changesFilter ? filterChanges : {}), keywords: [keyword] });
  if (!result.ok) return result;
  return { ok: true, filter: { keyword: (await findKeyword(s, keywordId))!, filter: result.filter } };
}
