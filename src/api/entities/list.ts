// The List entity (app/serializers/rest/list_serializer.rb).
import type { List } from "../../domain/lists.ts";

export function listEntity(list: List) {
  return { id: String(list.id), title: list.title, replies_policy: list.repliesPolicy, exclusive: list.exclusive };
}
