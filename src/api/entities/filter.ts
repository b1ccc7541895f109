// Filter entities: v2 Filter, FilterKeyword, FilterStatus and FilterResult
// (app/serializers/rest/filter_serializer.rb and its neighbours), and the v1 Filter
// (rest/v1/filter_serializer.rb: one keyword with its filter's context, expiry and action).
import type { Filter, FilterMatch, FilterStatusRow, KeywordRow, V1Filter } from "../../domain/filters.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const keywordEntity = (k: Pick<KeywordRow, "id" | "keyword" | "wholeWord">) => ({ id: String(k.id), keyword: k.keyword, whole_word: k.wholeWord });

export const filterStatusEntity = (st: Pick<FilterStatusRow, "id" | "statusId">) => ({ id: String(st.id), status_id: String(st.statusId) });

/** With `rules` (the filter endpoints) it carries its keywords and statuses; inside a FilterResult it does not. */
export function filterEntity(f: Filter, options: { rules: boolean }) {
  return {
    id: String(f.id),
    title: f.title,
    context: f.context,
    expires_at: iso(f.expiresAt),
    filter_action: f.action,
    ...(options.rules ? { keywords: f.keywords.map(keywordEntity), statuses: f.statuses.map(filterStatusEntity) } : {}),
  };
}

export function filterResultEntity(m: FilterMatch) {
  return {
    filter: filterEntity(m.filter, { rules: false }),
    keyword_matches: m.keywordMatches,
    status_matches: m.statusMatches?.map(String) ?? null,
  };
}

export function v1FilterEntity({ keyword, filter }: V1Filter) {
  return {
    id: String(keyword.id),
    phrase: keyword.keyword,
    context: filter.context,
    whole_word: keyword.wholeWord,
    expires_at: iso(filter.expiresAt),
    irreversible: filter.action === "hide",
  };
}
