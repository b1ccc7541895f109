// Actors (Person, Service, Application, Group, Organization) with their inboxes and public keys.
import { ed25519Keys, rsaKeys } from "./keys.ts";
import { isActorType, primaryType, recognisedType, wrongKind } from "./kinds.ts";
import { imageUrl, pageUrl } from "./media.ts";
import { tags } from "./tags.ts";
import type { NormalizedActor, Parsed, ProfileField } from "./types.ts";
import {
  asArray, dateOrNull, field, firstId, hostOf, httpIri, idList, isRecord, type Json, localized, stringOrNull,
  typeNames,
} from "./values.ts";

const MAX_ALIASES = 256;
const MAX_FIELDS = 50;

function profileFields(value: unknown): ProfileField[] {
  const fields: ProfileField[] = [];
  for (const entry of asArray(value, MAX_FIELDS)) {
    if (!isRecord(entry) || !typeNames(entry).includes("PropertyValue")) continue;
    const name = stringOrNull(field(entry, "name"));
    const value = stringOrNull(field(entry, "value"));
    if (name !== null && value !== null) fields.push({ name, value });
  }
  return fields;
}

function sharedInbox(json: Json): string | null {
  const endpoints = field(json, "endpoints");
  return (isRecord(endpoints) ? firstId(field(endpoints, "sharedInbox")) : null) ?? firstId(field(json, "sharedInbox"));
}

export function normalizeActorDocument(json: unknown): Parsed<NormalizedActor> {
  if (!isRecord(json)) return { ok: false, reason: "actor is not a JSON object" };
  const type = primaryType(json);
  if (type === null) return { ok: false, reason: "actor has no type" };
  if (!isActorType(type)) {
    const kind = recognisedType(json)?.kind;
    return { ok: false, reason: kind ? wrongKind(type, kind, "actor") : `${type} is not an actor type` };
  }
  const id = httpIri(field(json, "id"));
  if (id === null) return { ok: false, reason: "actor id is missing or not an http(s) IRI" };
  const inbox = firstId(field(json, "inbox"));
  if (inbox === null) return { ok: false, reason: "actor inbox is missing or not an http(s) IRI" };
  const url = pageUrl(field(json, "url"));
  return {
    ok: true,
    value: {
      kind: "actor",
      id,
      type,
      preferredUsername: stringOrNull(field(json, "preferredUsername")),
      name: localized(json, "name"),
      summary: localized(json, "summary"),
      url: url !== null && hostOf(url) === hostOf(id) ? url : null,
      inbox,
      sharedInbox: sharedInbox(json),
      outbox: firstId(field(json, "outbox")),
      followers: firstId(field(json, "followers")),
      following: firstId(field(json, "following")),
      featured: firstId(field(json, "featured")),
      rsaKeys: rsaKeys(field(json, "publicKey"), id),
      ed25519Keys: ed25519Keys(field(json, "assertionMethod"), id),
      alsoKnownAs: idList(field(json, "alsoKnownAs"), MAX_ALIASES),
      movedTo: firstId(field(json, "movedTo")),
      manuallyApprovesFollowers: field(json, "manuallyApprovesFollowers") === true,
      icon: imageUrl(field(json, "icon")),
      image: imageUrl(field(json, "image")),
      published: dateOrNull(field(json, "published")),
      tag: tags(json),
      fields: profileFields(field(json, "attachment")),
      raw: json,
    },
  };
}
