// Posts and other content objects (Note, Article, Page, Question, Tombstone, ...).
import { primaryType, recognisedType, wrongKind } from "./kinds.ts";
import { interactionPolicy } from "./interaction-policy.ts";
import { attachments, pageUrl } from "./media.ts";
import { tags } from "./tags.ts";
import type { NormalizedObject, Parsed, Poll, PollOption, Source } from "./types.ts";
import {
  asArray, audienceList, dateOrNull, field, firstOfMap, httpIri, idOf, isRecord, type Json, localized,
  nonNegativeIntegerOrNull, stringOrNull, typeNames,
} from "./values.ts";

export const MAX_ADDRESSEES = 1000;
const MAX_ATTRIBUTED = 20;
const MAX_POLL_OPTIONS = 500;
const QUOTE_KEYS = ["quote", "_misskey_quote", "quoteUrl", "quoteUri"];
const GROUP_TYPES = ["Group", "Organization"];
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/** Author ids; an embedded Group (a PeerTube channel, a Lemmy community) sorts after the people. */
function attributedTo(value: unknown): string[] {
  const people: string[] = [];
  const groups: string[] = [];
  for (const entry of asArray(value, MAX_ATTRIBUTED)) {
    const id = idOf(entry);
    if (!id || people.includes(id) || groups.includes(id)) continue;
    const isGroup = isRecord(entry) && typeNames(entry).some((t) => GROUP_TYPES.includes(t));
    (isGroup ? groups : people).push(id);
  }
  return [...people, ...groups];
}

function language(json: Json): string | null {
  for (const key of ["contentMap", "summaryMap", "nameMap"]) {
    const first = firstOfMap(field(json, key));
    if (first && LANGUAGE_TAG.test(first.language)) return first.language;
  }
  const lemmy = field(json, "language");
  const identifier = isRecord(lemmy) ? field(lemmy, "identifier") : asArray(lemmy, 1)[0];
  return typeof identifier === "string" && LANGUAGE_TAG.test(identifier) ? identifier : null;
}

function source(json: Json): Source | null {
  const value = field(json, "source");
  if (typeof value === "string") return { content: value, mediaType: null };
  if (isRecord(value) && typeof field(value, "content") === "string") {
    return { content: field(value, "content") as string, mediaType: stringOrNull(field(value, "mediaType")) };
  }
  const mfm = field(json, "_misskey_content");
  return typeof mfm === "string" ? { content: mfm, mediaType: "text/x.misskeymarkdown" } : null;
}

function quote(json: Json): string | null {
  for (const key of QUOTE_KEYS) {
    const id = idOf(field(json, key));
    if (id) return id;
  }
  return null;
}

function pollOption(entry: unknown): PollOption | null {
  if (!isRecord(entry)) return null;
  const name = localized(entry, "name") ?? localized(entry, "content");
  if (name === null) return null;
  const replies = field(entry, "replies");
  const votes = isRecord(replies) ? nonNegativeIntegerOrNull(field(replies, "totalItems")) : null;
  return { name, votes: votes ?? 0 };
}

/** Mastodon reads `oneOf`, else `anyOf`; `closed` may be a time or just `true`. */
function poll(json: Json): Poll {
  const oneOf = field(json, "oneOf");
  const multiple = oneOf === undefined && field(json, "anyOf") !== undefined;
  const options = asArray(multiple ? field(json, "anyOf") : oneOf, MAX_POLL_OPTIONS)
    .map(pollOption)
    .filter((o): o is PollOption => o !== null);
  const closed = field(json, "closed");
  return {
    multiple,
    options,
    endTime: dateOrNull(field(json, "endTime")) ?? dateOrNull(closed),
    closed: closed !== undefined && closed !== null && closed !== false,
    votersCount: nonNegativeIntegerOrNull(field(json, "votersCount")),
  };
}

export function normalizeObjectDocument(json: unknown): Parsed<NormalizedObject> {
  if (!isRecord(json)) return { ok: false, reason: "object is not a JSON object" };
  const type = primaryType(json);
  if (type === null) return { ok: false, reason: "object has no type" };
  const kind = recognisedType(json)?.kind ?? "object";
  if (kind !== "object") return { ok: false, reason: wrongKind(type, kind, "object") };
  const id = httpIri(field(json, "id"));
  if (id === null) return { ok: false, reason: "object id is missing or not an http(s) IRI" };
  return {
    ok: true,
    value: {
      kind: "object",
      id,
      type,
      attributedTo: attributedTo(field(json, "attributedTo")),
      to: audienceList(field(json, "to"), MAX_ADDRESSEES),
      cc: audienceList(field(json, "cc"), MAX_ADDRESSEES),
      audience: audienceList(field(json, "audience"), MAX_ADDRESSEES),
      inReplyTo: idOf(asArray(field(json, "inReplyTo"), 1)[0]),
      content: localized(json, "content"),
      source: source(json),
      language: language(json),
      summary: localized(json, "summary") || null,
      sensitive: field(json, "sensitive") === true,
      published: dateOrNull(field(json, "published")),
      updated: dateOrNull(field(json, "updated")),
      url: pageUrl(field(json, "url")),
      name: localized(json, "name"),
      tag: tags(json),
      attachment: attachments(field(json, "attachment")),
      quote: quote(json),
      poll: type === "Question" ? poll(json) : null,
      interactionPolicy: interactionPolicy(json),
      raw: json,
    },
  };
}
