// The whole D1 schema. `npm run db:generate` turns changes here into a SQL migration.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch() * 1000)`;

/** Our own key pairs: one RSA (HTTP signatures) and one Ed25519 (object proofs). Never leave the server. */
export const keys = sqliteTable("keys", {
  kind: text("kind", { enum: ["rsa", "ed25519"] }).primaryKey(),
  /** RSA: SPKI PEM; Ed25519: publicKeyMultibase. */
  publicKey: text("public_key").notNull(),
  /** PKCS#8, base64. */
  privateKey: text("private_key").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/** Remote actors we have fetched, with the keys they sign with. */
export const remoteActors = sqliteTable(
  "remote_actors",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    preferredUsername: text("preferred_username"),
    name: text("name"),
    url: text("url"),
    inbox: text("inbox").notNull(),
    sharedInbox: text("shared_inbox"),
    /** JSON array of {id, pem} RSA keys (publicKey). */
    rsaKeys: text("rsa_keys").notNull().default("[]"),
    /** JSON array of {id, multibase} Ed25519 keys (assertionMethod Multikey). */
    ed25519Keys: text("ed25519_keys").notNull().default("[]"),
    /** JSON array of actor ids. */
    alsoKnownAs: text("also_known_as").notNull().default("[]"),
    movedTo: text("moved_to"),
    /** The normalised document as fetched, JSON. */
    document: text("document").notNull(),
    fetchedAt: integer("fetched_at").notNull(),
  },
);

/** People following us. `accepted` rows feed delivery_targets through triggers. */
export const followers = sqliteTable(
  "followers",
  {
    actorId: text("actor_id").primaryKey(),
    inbox: text("inbox").notNull(),
    sharedInbox: text("shared_inbox"),
    /** The id of their latest Follow; echoed in our Accept/Reject. */
    followActivityId: text("follow_activity_id").notNull(),
    state: text("state", { enum: ["pending", "accepted"] }).notNull(),
    /** Set when they announced a Move; their new account's Follow arrives separately. */
    movedTo: text("moved_to"),
    createdAt: integer("created_at").notNull().default(now),
  },
  // Keyset pages of the collections and the client API (migration 0005; 0013 dropped the shorter followers_state).
  (t) => [index("followers_keyset").on(t.state, t.createdAt, t.actorId)],
);

/**
 * Distinct inboxes of accepted followers (shared inbox where offered), reference-counted by
 * triggers on `followers`, so fan-out reads one row per server instead of one per follower.
 */
export const deliveryTargets = sqliteTable("delivery_targets", {
  inbox: text("inbox").primaryKey(),
  followerCount: integer("follower_count").notNull(),
});

/** Accounts we follow (or asked to follow). */
export const following = sqliteTable("following", {
  actorId: text("actor_id").primaryKey(),
  inbox: text("inbox").notNull(),
  followActivityId: text("follow_activity_id").notNull(),
  state: text("state", { enum: ["pending", "accepted"] }).notNull(),
  createdAt: integer("created_at").notNull().default(now),
  /** The follow's options (Mastodon's `reblogs`, `notify`): their boosts in home; a notification per new post. */
  showReblogs: integer("show_reblogs", { mode: "boolean" }).notNull().default(true),
  notify: integer("notify", { mode: "boolean" }).notNull().default(false),
});

/** Our own objects (Note, Question, …). A deleted object keeps its row as a Tombstone. */
export const objects = sqliteTable(
  "objects",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    visibility: text("visibility", { enum: ["public", "unlisted", "followers", "direct"] }).notNull(),
    inReplyTo: text("in_reply_to"),
    /** The ActivityStreams object as served, JSON (without likes/shares, which are counted live). */
    document: text("document").notNull(),
    published: integer("published").notNull(),
    updated: integer("updated"),
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("objects_published").on(t.published)],
);

/** Activities we sent, in order; the public ones make up the outbox. */
export const activities = sqliteTable(
  "activities",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    objectId: text("object_id"),
    visibility: text("visibility", { enum: ["public", "unlisted", "followers", "direct"] }).notNull(),
    /** The signed activity as delivered, JSON. */
    document: text("document").notNull(),
    published: integer("published").notNull(),
  },
);

/**
 * Every activity received, stored before the inbox answers 2xx. The primary key (actor, activity
 * id — or `digest:<sha256>` without one) makes redelivery a no-op, and keying on the actor means
 * nobody can pre-claim another server's activity id. The body is kept only while `queued`;
 * afterwards the row is what idempotency needs (actor, id, digest, time) and is pruned after
 * the retention in src/inbox/prune.ts.
 */
export const inboxActivities = sqliteTable(
  "inbox_activities",
  {
    actorId: text("actor_id").notNull(),
    id: text("id").notNull(),
    type: text("type").notNull(),
    /** base64 SHA-256 of the body as received. */
    digest: text("digest"),
    body: text("body"),
    state: text("state", { enum: ["queued", "done", "ignored", "failed"] }).notNull(),
    error: text("error"),
    receivedAt: integer("received_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.actorId, t.id] }), index("inbox_activities_received").on(t.receivedAt)],
);

/** Remote objects that concern us: replies to our posts, mentions of us. */
export const remoteObjects = sqliteTable(
  "remote_objects",
  {
    id: text("id").primaryKey(),
    actorId: text("actor_id").notNull(),
    type: text("type").notNull(),
    inReplyTo: text("in_reply_to"),
    document: text("document").notNull(),
    published: integer("published"),
    updated: integer("updated"),
  },
  (t) => [index("remote_objects_actor").on(t.actorId), index("remote_objects_reply").on(t.inReplyTo)],
);

/** Likes, boosts and emoji reactions of our objects, one row per remote activity. */
export const reactions = sqliteTable(
  "reactions",
  {
    activityId: text("activity_id").primaryKey(),
    type: text("type", { enum: ["Like", "Announce", "EmojiReact"] }).notNull(),
    actorId: text("actor_id").notNull(),
    objectId: text("object_id").notNull(),
    /** The emoji of a reaction, if any. */
    content: text("content"),
    /** A custom emoji's image (the sender's URL), for EmojiReact rows (migration 0031). */
    emojiUrl: text("emoji_url"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    index("reactions_object").on(t.objectId, t.type),
    index("reactions_actor").on(t.actorId),
    // One reaction per actor per emoji per post (partial: only EmojiReact rows).
    uniqueIndex("reactions_one_emoji").on(t.objectId, t.actorId, t.content).where(sql`type = 'EmojiReact'`),
  ],
);

export const notifications = sqliteTable(
  "notifications",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    type: text("type", {
      enum: ["follow", "follow_request", "like", "announce", "reaction", "mention", "reply", "update", "move", "report", "status", "poll", "quote", "quoted_update"],
    }).notNull(),
    actorId: text("actor_id").notNull(),
    objectId: text("object_id"),
    activityId: text("activity_id").notNull(),
    /** Extra detail (report text, emoji, new account), JSON. */
    detail: text("detail"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("notifications_actor").on(t.actorId), index("notifications_created").on(t.createdAt)],
);

/** Blocked actors (`kind = actor`, value = actor id) and domains (`kind = domain`, value = host). */
export const blocks = sqliteTable(
  "blocks",
  {
    kind: text("kind", { enum: ["actor", "domain"] }).notNull(),
    value: text("value").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.kind, t.value] })],
);

/**
 * Servers whose delivery Durable Object holds a backlog or has given them up as unavailable.
 * Fan-out reads this once per post so new deliveries queue behind older ones instead of
 * overtaking them. Written only by the host's Durable Object.
 */
export const deliveryHosts = sqliteTable("delivery_hosts", {
  host: text("host").primaryKey(),
  state: text("state", { enum: ["backlog", "unavailable"] }).notNull(),
  since: integer("since").notNull(),
});

/** One row per fanned-out activity: how many inboxes it went to. Successes write nothing else. */
export const fanouts = sqliteTable("fanouts", {
  activityId: text("activity_id").primaryKey(),
  targets: integer("targets").notNull(),
  batches: integer("batches").notNull(),
  createdAt: integer("created_at").notNull().default(now),
  /** Batch numbers whose deliver message has run, JSON: a redelivered message is skipped, and batches − done are in flight. */
  doneBatches: text("done_batches").notNull().default("[]"),
  /** Inboxes not sent to because their server is unavailable, JSON: given up before sending. */
  skipped: text("skipped").notNull().default("[]"),
  /** When every deliver message was enqueued; null while the fan-out runs, so a redelivered fanout job resumes it. */
  queuedAt: integer("queued_at"),
});

/** Hosts that refused our draft-cavage signature and verified RFC 9421 instead. */
export const signatureSchemes = sqliteTable("signature_schemes", {
  host: text("host").primaryKey(),
  scheme: text("scheme", { enum: ["rfc9421"] }).notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** Deliveries that did not succeed at the first try, one row per (activity, inbox): where to look. */
export const deliveryFailures = sqliteTable(
  "delivery_failures",
  {
    activityId: text("activity_id").notNull(),
    inbox: text("inbox").notNull(),
    host: text("host").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.activityId, t.inbox] })],
);

// --- client API ---

/** Apps registered through POST /api/v1/apps; the secret is kept as its SHA-256. */
export const oauthApps = sqliteTable("oauth_apps", {
  id: integer("id").primaryKey(),
  clientId: text("client_id").notNull().unique("oauth_apps_client_id"),
  clientSecretHash: text("client_secret_hash").notNull(),
  name: text("name").notNull(),
  website: text("website"),
  /** Newline-separated, compared as exact strings (custom schemes and OOB included). */
  redirectUris: text("redirect_uris").notNull(),
  /** Space-separated. */
  scopes: text("scopes").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/** Authorization codes: single use, ten minutes. */
export const oauthCodes = sqliteTable("oauth_codes", {
  codeHash: text("code_hash").primaryKey(),
  appId: integer("app_id").notNull(),
  redirectUri: text("redirect_uri").notNull(),
  scopes: text("scopes").notNull(),
  /** PKCE S256 challenge, when the app sent one. */
  codeChallenge: text("code_challenge"),
  expiresAt: integer("expires_at").notNull(),
});

/** Access tokens (SHA-256). `actsAsOwner` is 0 for client_credentials tokens, which may only read public data. */
export const oauthTokens = sqliteTable("oauth_tokens", {
  id: integer("id").primaryKey(),
  tokenHash: text("token_hash").notNull().unique("oauth_tokens_hash"),
  appId: integer("app_id").notNull(),
  scopes: text("scopes").notNull(),
  actsAsOwner: integer("acts_as_owner", { mode: "boolean" }).notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/** Stable numeric ids for remote accounts (the owner is 1). */
export const accountIds = sqliteTable("account_ids", {
  id: integer("id").primaryKey(),
  actorId: text("actor_id").notNull().unique("account_ids_actor"),
});

/**
 * Every status the client API shows: our posts and boosts (`local`), remote posts that reached us
 * (replies, mentions, and posts and boosts of accounts we follow: `home`). The id is a 53-bit
 * snowflake of the arrival time; content stays in `objects` / `remote_objects`.
 */
export const statuses = sqliteTable(
  "statuses",
  {
    id: integer("id").primaryKey(),
    /** The Note's id, or the Announce's id for a boost. */
    uri: text("uri").notNull().unique("statuses_uri"),
    /** The author, or the booster. */
    actorId: text("actor_id").notNull(),
    /** For a boost: the boosted Note's id. */
    reblogOfUri: text("reblog_of_uri"),
    local: integer("local", { mode: "boolean" }).notNull(),
    visibility: text("visibility", { enum: ["public", "unlisted", "followers", "direct"] }).notNull(),
    inReplyTo: text("in_reply_to"),
    published: integer("published").notNull(),
    home: integer("home", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("statuses_home").on(t.home, t.id),
    index("statuses_actor").on(t.actorId, t.id),
    index("statuses_reply").on(t.inReplyTo),
    index("statuses_reblog").on(t.reblogOfUri),
    index("statuses_reply_order").on(t.inReplyTo, t.local, t.id),
  ],
);

/** The owner's bookmarks; the id orders the list. */
export const bookmarks = sqliteTable("bookmarks", {
  id: integer("id").primaryKey(),
  statusUri: text("status_uri").notNull().unique("bookmarks_status"),
});

/** `Idempotency-Key` of a status post → the status it made, kept an hour. */
export const idempotencyKeys = sqliteTable("idempotency_keys", {
  key: text("key").primaryKey(),
  statusUri: text("status_uri").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** One row (id 1): the owner's profile fields changed at runtime, JSON; the [vars] give the rest. */
export const profile = sqliteTable("profile", {
  id: integer("id").primaryKey(),
  data: text("data").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

// --- free plan ---

/**
 * Counts the public GETs show, kept by the triggers of migrations/0005_free_plan_counters.sql
 * (followers, following, outbox, local_posts), and `public_version`, bumped by every change a
 * public document shows: the Cache API key of those documents includes it.
 */
export const counters = sqliteTable("counters", {
  name: text("name").primaryKey(),
  n: integer("n").notNull(),
});

/** What Roost counted it spent per UTC day (src/delivery/usage.ts): the budget meter. */
export const usage = sqliteTable("usage", {
  day: text("day").primaryKey(),
  queueOperations: integer("queue_operations").notNull().default(0),
  doRequests: integer("do_requests").notNull().default(0),
  d1RowsRead: integer("d1_rows_read").notNull().default(0),
  d1RowsWritten: integer("d1_rows_written").notNull().default(0),
});

// --- inbox hardening ---

/** Every key id of a cached remote actor: a key id without a fragment is found by index. */
export const remoteActorKeys = sqliteTable(
  "remote_actor_keys",
  {
    keyId: text("key_id").primaryKey(),
    actorId: text("actor_id").notNull(),
  },
  (t) => [index("remote_actor_keys_actor").on(t.actorId)],
);

/** When a key was last fetched, and until when a failed fetch (unknown, 404, 410) is remembered. */
export const keyFetches = sqliteTable("key_fetches", {
  keyId: text("key_id").primaryKey(),
  fetchedAt: integer("fetched_at").notNull(),
  failedUntil: integer("failed_until"),
  /** The HTTP status of the failed fetch (410: the account is gone). */
  failedStatus: integer("failed_status"),
});

/** The last Move recorded per account (one per 7 days, as Mastodon's cooldown). */
export const accountMoves = sqliteTable("account_moves", {
  actorId: text("actor_id").primaryKey(),
  target: text("target").notNull(),
  movedAt: integer("moved_at").notNull(),
});

/** When we last sent an Accept to a follower: a repeated Follow re-sends it at most once an hour. */
export const followAccepts = sqliteTable("follow_accepts", {
  actorId: text("actor_id").primaryKey(),
  sentAt: integer("sent_at").notNull(),
});

// --- mutes ---

/** Muted accounts: out of home and, with hideNotifications, out of notifications; until expiresAt (null: until unmuted). */
export const mutes = sqliteTable("mutes", {
  actorId: text("actor_id").primaryKey(),
  hideNotifications: integer("hide_notifications", { mode: "boolean" }).notNull(),
  expiresAt: integer("expires_at"),
  createdAt: integer("created_at").notNull(),
});

// --- edit history and thread fetches ---

/**
 * Earlier versions of a status (its current one is in objects / remote_objects), oldest first by
 * id; at most 19 a status (src/domain/status-edits.ts). Triggers (migrations/0012_status_edits.sql)
 * delete them with the status's index entry or its remote object.
 */
export const statusEdits = sqliteTable(
  "status_edits",
  {
    id: integer("id").primaryKey(),
    statusUri: text("status_uri").notNull(),
    /** HTML as received (remote: sanitised when shown) or as we rendered it. */
    content: text("content").notNull(),
    spoilerText: text("spoiler_text"),
    sensitive: integer("sensitive", { mode: "boolean" }).notNull(),
    /** Our posts: the text as written. */
    source: text("source"),
    /** The version's attachments (normalised), JSON. */
    media: text("media").notNull().default("[]"),
    /** When this version was published or made (its `updated`). */
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("status_edits_status").on(t.statusUri, t.id)],
);

/** Missing thread parents a queued fetch was asked for: none other is queued before `retryAfter`. */
export const threadFetches = sqliteTable("thread_fetches", {
  uri: text("uri").primaryKey(),
  retryAfter: integer("retry_after").notNull(),
  failure: text("failure"),
});

// --- account extras ---

/** The owner's private notes on accounts (relationship `note`). */
export const accountNotes = sqliteTable("account_notes", {
  actorId: text("actor_id").primaryKey(),
  comment: text("comment").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** The owner's pinned posts (the featured collection); the id orders them, newest pin first. */
export const pins = sqliteTable("pins", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  statusUri: text("status_uri").notNull().unique("pins_status"),
});

/** Read markers of the `home` and `notifications` timelines. */
export const markers = sqliteTable("markers", {
  timeline: text("timeline", { enum: ["home", "notifications"] }).primaryKey(),
  lastReadId: integer("last_read_id").notNull(),
  version: integer("version").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Muted conversations, by the thread's top post: no notifications from within them. */
export const conversationMutes = sqliteTable("conversation_mutes", {
  rootUri: text("root_uri").primaryKey(),
  createdAt: integer("created_at").notNull(),
});

// --- lists and filters ---

/** The owner's lists (Mastodon's): which replies a list timeline shows, and whether its members leave home. */
export const lists = sqliteTable("lists", {
  id: integer("id").primaryKey(),
  title: text("title").notNull(),
  repliesPolicy: text("replies_policy", { enum: ["followed", "list", "none"] }).notNull().default("list"),
  exclusive: integer("exclusive", { mode: "boolean" }).notNull().default(false),
});

/** A list's members; they leave every list when unfollowed (a trigger on `following`). The id is when one was added. */
export const listAccounts = sqliteTable(
  "list_accounts",
  {
    id: integer("id").primaryKey(),
    listId: integer("list_id").notNull(),
    actorId: text("actor_id").notNull(),
  },
  (t) => [uniqueIndex("list_accounts_member").on(t.listId, t.actorId), index("list_accounts_actor").on(t.actorId)],
);

/** The owner's filters (v2; a v1 filter is one keyword of one). `context` is a JSON array; `expiresAt` null means never. */
export const filters = sqliteTable("filters", {
  id: integer("id").primaryKey(),
  title: text("title").notNull(),
  context: text("context").notNull(),
  action: text("action", { enum: ["warn", "hide", "blur"] }).notNull().default("warn"),
  expiresAt: integer("expires_at"),
});

export const filterKeywords = sqliteTable(
  "filter_keywords",
  {
    id: integer("id").primaryKey(),
    filterId: integer("filter_id").notNull(),
    keyword: text("keyword").notNull(),
    wholeWord: integer("whole_word", { mode: "boolean" }).notNull().default(true),
  },
  (t) => [index("filter_keywords_filter").on(t.filterId)],
);

export const filterStatuses = sqliteTable(
  "filter_statuses",
  {
    id: integer("id").primaryKey(),
    filterId: integer("filter_id").notNull(),
    statusId: integer("status_id").notNull(),
  },
  (t) => [uniqueIndex("filter_statuses_status").on(t.filterId, t.statusId)],
);

// --- passkeys ---

/** The owner's WebAuthn credentials (migration 0010). */
export const passkeys = sqliteTable("passkeys", {
  /** The credential id, base64url. */
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** The credential public key as a JWK (JSON), ready for crypto.subtle.importKey. */
  publicKey: text("public_key").notNull(),
  /** COSE algorithm: -7 ES256, -257 RS256, -8 EdDSA. */
  algorithm: integer("algorithm").notNull(),
  signCount: integer("sign_count").notNull(),
  /** JSON array of the transports the browser reported (usb, nfc, ble, internal, hybrid…). */
  transports: text("transports").notNull(),
  createdAt: integer("created_at").notNull(),
  lastUsedAt: integer("last_used_at"),
});

/** Challenges already used, kept until they expire so none is accepted twice. */
export const passkeyChallenges = sqliteTable("passkey_challenges", {
  challenge: text("challenge").primaryKey(),
  expiresAt: integer("expires_at").notNull(),
});

// --- web push ---

/** One Web Push subscription per access token (migrations/0016_push.sql; a trigger drops it with its token). */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: integer("id").primaryKey(),
    tokenId: integer("token_id").notNull(),
    endpoint: text("endpoint").notNull(),
    /** base64url, as the app sent them. */
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    /** true: aes128gcm (RFC 8291); false: aesgcm. */
    standard: integer("standard", { mode: "boolean" }).notNull(),
    /** JSON {type: boolean}. */
    alerts: text("alerts").notNull(),
    policy: text("policy", { enum: ["all", "followed", "follower", "none"] }).notNull(),
    /** The subscribing token, sealed under a key derived from OWNER_TOKEN (src/domain/push.ts). */
    sealedToken: text("sealed_token").notNull(),
    createdAt: integer("created_at").notNull(),
    lastPushAt: integer("last_push_at"),
    lastPushStatus: integer("last_push_status"),
    lastPushError: text("last_push_error"),
  },
  (t) => [uniqueIndex("push_subscriptions_token").on(t.tokenId)],
);

/** The VAPID key pair (row 1), created on first need. */
export const vapidKeys = sqliteTable("vapid_keys", {
  id: integer("id").primaryKey(),
  /** base64url uncompressed P-256 point. */
  publicKey: text("public_key").notNull(),
  /** PKCS#8, base64url. */
  privateKey: text("private_key").notNull(),
  createdAt: integer("created_at").notNull(),
});

// --- media ---

/** The owner's uploads (files in R2 under fileKey/previewKey); statusUri null until a post attaches them. */
export const mediaAttachments = sqliteTable(
  "media_attachments",
  {
    id: integer("id").primaryKey(),
    statusUri: text("status_uri"),
    position: integer("position").notNull().default(0),
    type: text("type", { enum: ["image", "video", "audio"] }).notNull(),
    contentType: text("content_type").notNull(),
    fileKey: text("file_key").notNull(),
    previewKey: text("preview_key"),
    size: integer("size").notNull(),
    width: integer("width"),
    height: integer("height"),
    description: text("description"),
    focusX: real("focus_x"),
    focusY: real("focus_y"),
    blurhash: text("blurhash"),
    /** False while a v2 upload waits for its preview and blurhash (the `media` job). */
    processed: integer("processed", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("media_attachments_status").on(t.statusUri, t.position), index("media_attachments_created").on(t.createdAt)],
);

// --- link preview cards (migration 0020) ---

/** One fetched page per URL (src/domain/cards.ts): `card` is the PreviewCard entity as JSON, null when none. */
export const previewCards = sqliteTable("preview_cards", {
  url: text("url").primaryKey(),
  card: text("card"),
  fetchedAt: integer("fetched_at"),
  /** No fetch of this URL is queued before this time (pending, fresh, or failed recently). */
  retryAfter: integer("retry_after").notNull(),
  failure: text("failure"),
});

/** The first link of a post; removed with the post's index entry by a trigger. */
export const statusCards = sqliteTable("status_cards", {
  statusUri: text("status_uri").primaryKey(),
  url: text("url").notNull(),
}, (t) => [index("status_cards_url").on(t.url)]);
// --- scheduled posts, direct conversations, followed tags (migration 0019) ---

/** Posts to publish at `scheduledAt`: the checked PostInput and the entity's params, as JSON. */
export const scheduledStatuses = sqliteTable(
  "scheduled_statuses",
  {
    id: integer("id").primaryKey(),
    scheduledAt: integer("scheduled_at").notNull(),
    input: text("input").notNull(),
    params: text("params").notNull(),
    /** JSON array of media ids, in order; the rows are held with status_uri `urn:roost:scheduled:<id>`. */
    mediaIds: text("media_ids").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("scheduled_statuses_due").on(t.scheduledAt)],
);

/** The owner's direct conversations (Mastodon's AccountConversation): a thread top and the other participants. */
export const directConversations = sqliteTable(
  "direct_conversations",
  {
    id: integer("id").primaryKey(),
    rootUri: text("root_uri").notNull(),
    /** Sorted JSON array of the other participants' actor ids. */
    participants: text("participants").notNull(),
    lastStatusId: integer("last_status_id").notNull(),
    unread: integer("unread", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [uniqueIndex("direct_conversations_key").on(t.rootUri, t.participants), index("direct_conversations_last").on(t.lastStatusId)],
);

/** Which statuses are in which conversation (triggers keep both tables in step with `statuses`). */
export const directConversationStatuses = sqliteTable(
  "direct_conversation_statuses",
  {
    statusUri: text("status_uri").notNull(),
    conversationId: integer("conversation_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.statusUri, t.conversationId] }), index("direct_conversation_statuses_conversation").on(t.conversationId)],
);

/** Hashtags the owner follows; `name` lowercased. */
export const followedTags = sqliteTable(
  "followed_tags",
  {
    name: text("name").primaryKey(),
    id: integer("id").notNull(),
    displayName: text("display_name").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("followed_tags_id").on(t.id)],
);
// --- streaming ---

/** What the stream hub has open (row id 1), written by it; read by publishers before calling it (docs/streaming.md). */
export const streamListeners = sqliteTable("stream_listeners", {
  id: integer("id").primaryKey(),
  /** JSON array of subscription keys with a socket. */
  streams: text("streams").notNull(),
  /** JSON array of token ids with a socket (0: the owner token). */
  tokens: text("tokens").notNull(),
  sockets: integer("sockets").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
// --- portability (migrations/0023_portability.sql) ---

/** An alias's followers collection as read so far: expected = its totalItems. */
export const aliasSnapshots = sqliteTable("alias_snapshots", {
  alias: text("alias").primaryKey(),
  expected: integer("expected"),
  listed: integer("listed").notNull().default(0),
  state: text("state", { enum: ["listing", "done", "failed"] }).notNull(),
  error: text("error"),
  updatedAt: integer("updated_at").notNull(),
});

/** The followers an alias's collection listed. */
export const aliasFollowers = sqliteTable(
  "alias_followers",
  {
    alias: text("alias").notNull(),
    actorId: text("actor_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.alias, t.actorId] }), index("alias_followers_actor").on(t.actorId)],
);

/** The Move we sent last (row 1); movedTo itself lives in the profile row. */
export const outgoingMoves = sqliteTable("outgoing_moves", {
  id: integer("id").primaryKey(),
  target: text("target").notNull(),
  activityId: text("activity_id").notNull(),
  sentAt: integer("sent_at").notNull(),
});

/** CSV imports (Mastodon's bulk imports), applied by `import` jobs. */
export const imports = sqliteTable("imports", {
  id: integer("id").primaryKey(),
  type: text("type", { enum: ["following", "blocking", "muting", "domain_blocking", "bookmarks", "lists"] }).notNull(),
  mode: text("mode", { enum: ["merge", "overwrite"] }).notNull(),
  state: text("state", { enum: ["queued", "running", "finished"] }).notNull(),
  total: integer("total").notNull(),
  processed: integer("processed").notNull().default(0),
  imported: integer("imported").notNull().default(0),
  failed: integer("failed").notNull().default(0),
  createdAt: integer("created_at").notNull(),
  finishedAt: integer("finished_at"),
});

/** One row per CSV line of an import; actorId is what it resolved to (an actor id, or a bookmarked post's URI). */
export const importRows = sqliteTable(
  "import_rows",
  {
    importId: integer("import_id").notNull(),
    line: integer("line").notNull(),
    data: text("data").notNull(),
    state: text("state", { enum: ["pending", "done", "failed"] }).notNull().default("pending"),
    error: text("error"),
    actorId: text("actor_id"),
  },
  (t) => [primaryKey({ columns: [t.importId, t.line] }), index("import_rows_state").on(t.importId, t.state, t.line)],
);

// --- polls (migrations/0018_polls.sql) ---

/** A poll of a status, ours or remote; `options` and `counts` are JSON arrays in the options' order. */
export const polls = sqliteTable("polls", {
  statusUri: text("status_uri").primaryKey(),
  local: integer("local", { mode: "boolean" }).notNull(),
  options: text("options").notNull(),
  counts: text("counts").notNull(),
  multiple: integer("multiple", { mode: "boolean" }).notNull(),
  hideTotals: integer("hide_totals", { mode: "boolean" }).notNull().default(false),
  expiresAt: integer("expires_at"),
  votersCount: integer("voters_count"),
  /** Remote polls: the owner's choices (JSON array of indexes). */
  ownVotes: text("own_votes"),
  /** Ours: when the Update{Question} with new counts is due. */
  updateDue: integer("update_due"),
  /** When the end was handled (notification made). */
  endedAt: integer("ended_at"),
  updatedAt: integer("updated_at").notNull(),
});

/** Votes in our polls: one row per voter and choice. */
export const pollVotes = sqliteTable(
  "poll_votes",
  {
    statusUri: text("status_uri").notNull(),
    voterId: text("voter_id").notNull(),
    choice: integer("choice").notNull(),
    activityId: text("activity_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.statusUri, t.voterId, t.choice] })],
);

// --- replies collections and FEP-7aa9 (migration 0024) ---

/** Public and unlisted replies per post, kept by triggers on `statuses`: the `replies` totalItems. */
export const replyCounts = sqliteTable("reply_counts", {
  uri: text("uri").primaryKey(),
  n: integer("n").notNull(),
});

/** An accepted FeatureRequest: served as its FeatureAuthorization (src/federation/featuring.ts). */
export const featureAuthorizations = sqliteTable(
  "feature_authorizations",
  {
    id: text("id").primaryKey(),
    actorId: text("actor_id").notNull(),
    collectionId: text("collection_id").notNull(),
    requestId: text("request_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("feature_authorizations_collection").on(t.collectionId)],
);

/** The owner's interactions waiting for a GoToSocial-style approval (migrations/0030, src/domain/interaction-requests.ts). */
export const interactionRequests = sqliteTable(
  "interaction_requests",
  {
    id: text("id").primaryKey(),
    interaction: text("interaction", { enum: ["Like", "Reply", "Announce"] }).notNull(),
    interactionId: text("interaction_id").notNull(),
    target: text("target").notNull(),
    targetAuthor: text("target_author").notNull(),
    activity: text("activity").notNull(),
    state: text("state", { enum: ["pending", "accepted", "rejected"] }).notNull().default("pending"),
    authorization: text("authorization"),
    createdAt: integer("created_at").notNull(),
    answeredAt: integer("answered_at"),
  },
  (t) => [
    uniqueIndex("interaction_requests_interaction").on(t.interactionId),
    index("interaction_requests_target").on(t.target, t.interaction),
    // Migration 0032: the authorizations we serve, and the clean-up of answered rows.
    index("interaction_requests_authorization").on(t.authorization),
    index("interaction_requests_answered").on(t.answeredAt),
  ],
);

/** Remote posts whose replies collection was read: the debounce and the daily bound (src/domain/reply-fetch.ts). */
export const replyFetches = sqliteTable(
  "reply_fetches",
  {
    uri: text("uri").primaryKey(),
    fetchedAt: integer("fetched_at").notNull(),
    fetched: integer("fetched").notNull().default(0),
  },
  (t) => [index("reply_fetches_time").on(t.fetchedAt)],
);
// --- web pages ---

/** Profile field links checked for a rel="me" link back (migrations/0022_web_pages.sql, src/domain/link-verification.ts). */
export const profileLinks = sqliteTable("profile_links", {
  url: text("url").primaryKey(),
  verifiedAt: integer("verified_at"),
  checkedAt: integer("checked_at").notNull(),
});

// --- quote posts ---

/** FEP-044f: one row per quoting post, whoever wrote it (migrations/0029_quotes.sql, src/domain/quotes.ts). */
export const quotes = sqliteTable(
  "quotes",
  {
    id: text("id").primaryKey(),
    statusUri: text("status_uri").notNull(),
    quotedUri: text("quoted_uri").notNull(),
    actorId: text("actor_id").notNull(),
    quotedActorId: text("quoted_actor_id"),
    state: text("state", { enum: ["pending", "accepted", "rejected", "revoked", "deleted"] }).notNull().default("pending"),
    /** The QuoteAuthorization: ours (/users/<name>/quote_authorizations/<id>) or the quoted author's. */
    approvalUri: text("approval_uri"),
    /** The QuoteRequest: the id we sent, or the one we were sent (answered again on the owner's decision). */
    requestId: text("request_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("quotes_status").on(t.statusUri), index("quotes_quoted").on(t.quotedUri, t.state), index("quotes_approval").on(t.approvalUri), index("quotes_request").on(t.requestId), index("quotes_updated").on(t.updatedAt)],
);

// --- custom emoji (migration 0031) ---

/** The owner's custom emoji: the image in R2 under `key` (src/domain/custom-emoji.ts). */
export const customEmojis = sqliteTable("custom_emojis", {
  shortcode: text("shortcode").primaryKey(),
  key: text("key").notNull(),
  mediaType: text("media_type").notNull(),
  category: text("category"),
  visibleInPicker: integer("visible_in_picker", { mode: "boolean" }).notNull().default(true),
  updatedAt: integer("updated_at").notNull(),
});

// --- account archives (migrations/0028_archives.sql, docs/portability.md) ---

/** An archive export or import, worked through by `archive` jobs; `cursor` is the job's resumable state (JSON). */
export const archives = sqliteTable("archives", {
  id: integer("id").primaryKey(),
  kind: text("kind", { enum: ["export", "import"] }).notNull(),
  state: text("state", { enum: ["queued", "running", "finished", "failed"] }).notNull(),
  key: text("key").notNull(),
  size: integer("size"),
  cursor: text("cursor").notNull().default("{}"),
  total: integer("total").notNull().default(0),
  processed: integer("processed").notNull().default(0),
  imported: integer("imported").notNull().default(0),
  skipped: integer("skipped").notNull().default(0),
  failed: integer("failed").notNull().default(0),
  failures: text("failures").notNull().default("[]"),
  error: text("error"),
  createdAt: integer("created_at").notNull(),
  finishedAt: integer("finished_at"),
});

/** An uploaded archive's central directory: where each entry is. */
export const archiveEntries = sqliteTable(
  "archive_entries",
  {
    archiveId: integer("archive_id").notNull(),
    name: text("name").notNull(),
    method: integer("method").notNull(),
    compressedSize: integer("compressed_size").notNull(),
    size: integer("size").notNull(),
    offset: integer("offset").notNull(),
  },
  (t) => [primaryKey({ columns: [t.archiveId, t.name] })],
);

/** An imported post: the archive's id for it → ours, written with the post. */
export const archivePosts = sqliteTable("archive_posts", {
  sourceUri: text("source_uri").primaryKey(),
  objectId: text("object_id").notNull(),
  archiveId: integer("archive_id").notNull(),
  state: text("state", { enum: ["done"] }).notNull(),
});
