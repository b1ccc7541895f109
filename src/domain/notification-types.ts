// Our stored notification types under the names Mastodon clients know, as pushed. A Move has no
// Mastodon notification (the account shows `moved`); a report is listed by the client API as
// admin.report (src/api/v1/notifications.ts) and not pushed.
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
  poll: "poll",
  quote: "quote",
  quoted_update: "quoted_update",
};
