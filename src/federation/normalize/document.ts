// Documents that reference other documents (activities and collections), and the dispatch that
// normalises an embedded document by its kind. Embedding is followed only a few levels deep
// (an Undo of Lemmy's Announce{Create{Page}} needs three) and for a bounded number of documents per call, so
// hostile nesting or fan-out yields bare ids instead of work.
import { normalizeActorDocument } from "./actor.ts";
import { type DocumentKind, primaryType, recognisedType, wrongKind } from "./kinds.ts";
import { MAX_ADDRESSEES, normalizeObjectDocument } from "./object.ts";
import { tags } from "./tags.ts";
import type { Normalized, NormalizedActivity, NormalizedCollection, Parsed, Ref } from "./types.ts";
import {
  asArray, audienceList, dateOrNull, field, firstId, httpIri, idOf, isRecord, type Json, localized,
  nonNegativeIntegerOrNull, stringOrNull,
} from "./values.ts";

const MAX_EMBED_DEPTH = 3;
const MAX_EMBEDDED_DOCUMENTS = 200;
const MAX_OBJECTS = 100;
const MAX_COLLECTION_ITEMS = 500;

/** Embedded documents still allowed in this call; shared by every level. */
export interface EmbedBudget {
  remaining: number;
}

export function newEmbedBudget(): EmbedBudget {
  return { remaining: MAX_EMBEDDED_DOCUMENTS };
}

/** Unknown types count as activities when they look like one (`actor` and `object`), else as objects. */
function kindOf(json: Json): DocumentKind {
  const recognised = recognisedType(json)?.kind;
  if (recognised) return recognised;
  return field(json, "actor") !== undefined && field(json, "object") !== undefined ? "activity" : "object";
}

export function normalizeAt(json: unknown, depth: number, budget: EmbedBudget): Parsed<Normalized> {
  if (!isRecord(json)) return { ok: false, reason: "document is not a JSON object" };
  switch (kindOf(json)) {
    case "activity":
      return activityAt(json, depth, budget);
    case "actor":
      return normalizeActorDocument(json);
    case "collection":
      return collectionAt(json, depth, budget);
    case "object":
      return normalizeObjectDocument(json);
  }
}

function refAt(value: unknown, depth: number, budget: EmbedBudget): Ref | null {
  const id = idOf(value);
  if (id === null) return null;
  if (!isRecord(value) || depth >= MAX_EMBED_DEPTH || budget.remaining <= 0) return { id };
  budget.remaining--;
  const embedded = normalizeAt(value, depth + 1, budget);
  return embedded.ok ? { id, embedded: embedded.value } : { id };
}

function refsAt(value: unknown, depth: number, budget: EmbedBudget, limit: number): Ref[] {
  return asArray(value, limit)
    .map((entry) => refAt(entry, depth, budget))
    .filter((ref): ref is Ref => ref !== null);
}

function firstRefAt(value: unknown, depth: number, budget: EmbedBudget): Ref | null {
  for (const entry of asArray(value, 10)) {
    const ref = refAt(entry, depth, budget);
    if (ref) return ref;
  }
  return null;
}

export function activityAt(json: unknown, depth: number, budget: EmbedBudget): Parsed<NormalizedActivity> {
  if (!isRecord(json)) return { ok: false, reason: "activity is not a JSON object" };
  const type = primaryType(json);
  if (type === null) return { ok: false, reason: "activity has no type" };
  const kind = recognisedType(json)?.kind ?? "activity";
  if (kind !== "activity") return { ok: false, reason: wrongKind(type, kind, "activity") };
  const rawId = field(json, "id");
  const id = rawId === undefined || rawId === null ? null : httpIri(rawId);
  if (id === null && rawId !== undefined && rawId !== null) {
    return { ok: false, reason: "activity id is not an http(s) IRI" };
  }
  const actor = firstId(field(json, "actor"));
  if (actor === null) return { ok: false, reason: "activity actor is missing or not an http(s) IRI" };
  const objects = refsAt(field(json, "object"), depth, budget, MAX_OBJECTS);
  return {
    ok: true,
    value: {
      kind: "activity",
      id,
      type,
      actor,
      object: objects[0] ?? null,
      objects,
      target: firstRefAt(field(json, "target"), depth, budget),
      origin: firstRefAt(field(json, "origin"), depth, budget),
      result: firstRefAt(field(json, "result"), depth, budget),
      instrument: firstRefAt(field(json, "instrument"), depth, budget),
      to: audienceList(field(json, "to"), MAX_ADDRESSEES),
      cc: audienceList(field(json, "cc"), MAX_ADDRESSEES),
      audience: audienceList(field(json, "audience"), MAX_ADDRESSEES),
      published: dateOrNull(field(json, "published")),
      content: localized(json, "content") ?? stringOrNull(field(json, "_misskey_reaction")),
      tag: tags(json),
      raw: json,
    },
  };
}

export function collectionAt(json: unknown, depth: number, budget: EmbedBudget): Parsed<NormalizedCollection> {
  if (!isRecord(json)) return { ok: false, reason: "collection is not a JSON object" };
  const type = primaryType(json);
  if (type === null) return { ok: false, reason: "collection has no type" };
  const kind = recognisedType(json)?.kind;
  if (kind !== "collection") {
    return { ok: false, reason: kind ? wrongKind(type, kind, "collection") : `${type} is not a collection type` };
  }
  const id = httpIri(field(json, "id"));
  if (id === null) return { ok: false, reason: "collection id is missing or not an http(s) IRI" };
  const items = field(json, "orderedItems") ?? field(json, "items");
  return {
    ok: true,
    value: {
      kind: "collection",
      id,
      type,
      totalItems: nonNegativeIntegerOrNull(field(json, "totalItems")),
      items: refsAt(items, depth, budget, MAX_COLLECTION_ITEMS),
      first: idOf(field(json, "first")),
      next: idOf(field(json, "next")),
      partOf: idOf(field(json, "partOf")),
      raw: json,
    },
  };
}
