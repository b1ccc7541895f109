// Our stored notification types under the names Mastodon clients know. Moves and reports have no
// Mastodon type: they stay in the owner API (the client API leaves them out, and nothing pushes them).
export const MASTODON_TYPES: Record<string, string> = {
  follow: "follow",
  follow_request: "follow_request",
  reply: "mention",
  mention: "mention",
  like: "favourite",
  reaction: "favourite",
  announce: "reblog",
  update: "update",
  status: "status",
};
