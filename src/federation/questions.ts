// The poll part of our Question on the wire, as Mastodon's NoteSerializer writes it: the options
// as `oneOf` (single choice) or `anyOf` (multiple), each a named Note whose `replies.totalItems`
// is its count; `endTime`, and `closed` (the same time) once it has ended; `votersCount`.
// Written by the post that makes the poll, by the Update that carries new counts, and by the
// object route, which serves the counts as they are now.

export interface QuestionTally {
  options: string[];
  counts: number[];
  multiple: boolean;
  expiresAt: number | null;
  votersCount: number | null;
  /** Shown as `closed` once the poll has ended. */
  ended: boolean;
}

export function questionFields(t: QuestionTally): Record<string, unknown> {
  const choices = t.options.map((name, i) => ({ type: "Note", name, replies: { type: "Collection", totalItems: t.counts[i] ?? 0 } }));
  const end = t.expiresAt === null ? null : new Date(t.expiresAt).toISOString();
  return {
    [t.multiple ? "anyOf" : "oneOf"]: choices,
    ...(end ? { endTime: end } : {}),
    ...(end && t.ended ? { closed: end } : {}),
    ...(t.votersCount !== null ? { votersCount: t.votersCount } : {}),
  };
}

/** `document` (a stored Question of ours) with the poll fields replaced by `t`'s. */
export function withTally(document: Record<string, unknown>, t: QuestionTally): Record<string, unknown> {
  const { oneOf: _one, anyOf: _any, endTime: _end, closed: _closed, votersCount: _voters, ...rest } = document;
  return { ...rest, type: "Question", ...questionFields(t) };
}
