// Settings come from wrangler.toml [vars] and secrets; they are checked once per isolate and
// every later use reads the typed Config, never `env` strings.

/** The plain settings: `[vars]` in wrangler.toml and secrets, as strings. Bindings: src/runtime/bindings.ts. */
export interface Settings {
  USERNAME?: string;
  WEB_ORIGIN?: string;
  HANDLE_DOMAIN?: string;
  DISPLAY_NAME?: string;
  BIO?: string;
  AVATAR_URL?: string;
  HEADER_URL?: string;
  PROFILE_FIELDS?: string;
  ALSO_KNOWN_AS?: string;
  MANUALLY_APPROVES_FOLLOWERS?: string;
  LOCAL_DEV?: string;
  OWNER_TOKEN?: string;
  /** "free" (the default) or "paid": sizes delivery for the Workers plan (src/delivery/limits.ts). */
  PLAN?: string;
  /** Where the media bucket is public (an R2 custom domain or r2.dev URL); empty: the Worker serves /media. */
  MEDIA_URL?: string;
}

/** The Workers plan the node is sized for. */
export type Plan = "free" | "paid";

export interface ProfileField {
  name: string;
  value: string;
}

export interface Config {
  username: string;
  /** Scheme + host (+ port) where the node is served, without a trailing slash. */
  origin: string;
  /** The part after @ in `@username@handleDomain`. */
  handleDomain: string;
  displayName: string;
  /** Plain text; rendered to HTML for the actor. */
  bio: string;
  avatarUrl: string | null;
  headerUrl: string | null;
  fields: ProfileField[];
  alsoKnownAs: string[];
  manuallyApprovesFollowers: boolean;
  /** Development machine: http:// and loopback peers are allowed. */
  localDev: boolean;
  ownerToken: string;
  /** The Workers plan; src/delivery/limits.ts turns it into batch sizes, deadlines and budgets. */
  plan: Plan;
  /** The public base URL of the media bucket, without a trailing slash; null: served by the Worker at /media. */
  mediaUrl: string | null;
}

/**
 * The owner's profile: the [vars] are its first defaults; what the owner changes from an app lives
 * in D1 (Services.profile() merges the two).
 */
export interface Profile
  extends Pick<Config, "displayName" | "bio" | "avatarUrl" | "headerUrl" | "fields" | "alsoKnownAs" | "manuallyApprovesFollowers"> {
  bot: boolean;
  discoverable: boolean;
  /** Posting defaults the apps read (Mastodon's source.privacy, source.sensitive, source.language). */
  defaultVisibility: "public" | "unlisted" | "private" | "direct";
  defaultSensitive: boolean;
  defaultLanguage: string | null;
  /** Who may quote the owner's posts unless a post says otherwise (Mastodon 4.5's source.quote_policy; FEP-044f). */
  defaultQuotePolicy: "public" | "followers" | "nobody";
  /** Where the owner moved to (an actor URL), set by the owner's move (src/domain/move-out.ts); null: not moved. */
  movedTo: string | null;
}

/** The profile the [vars] describe. */
export function profileDefaults(config: Config): Profile {
  return {
    displayName: config.displayName,
    bio: config.bio,
    avatarUrl: config.avatarUrl,
    headerUrl: config.headerUrl,
    fields: config.fields,
    alsoKnownAs: config.alsoKnownAs,
    manuallyApprovesFollowers: config.manuallyApprovesFollowers,
    bot: false,
    discoverable: true,
    defaultVisibility: "public",
    defaultSensitive: false,
    defaultLanguage: null,
    defaultQuotePolicy: "public",
    movedTo: null,
  };
}

/** The placeholder in .dev.vars.example (test/unit/config.ts checks the two stay equal). */
export const EXAMPLE_OWNER_TOKEN = "replace-with-at-least-16-random-characters";

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`configuration: ${setting} ${reason}`);
    this.name = "ConfigError";
  }
}

// Mastodon's rule for remote usernames (app/models/account.rb USERNAME_ONLY_RE).
const USERNAME_RE = /^[a-z0-9_]+([.-]+[a-z0-9_]+)*$/i;
const HOST_RE = /^[a-z0-9.-]+(:\d{1,5})?$/i;

const cache = new WeakMap<object, Config>();

/** The validated configuration for this environment; throws ConfigError naming the bad setting. */
export function loadConfig(env: Settings): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const config = parseConfig(env);
  cache.set(env, config);
  return config;
}

export function parseConfig(env: Settings): Config {
  const username = (env.USERNAME ?? "").trim();
  if (!username) throw new ConfigError("USERNAME", "is missing");
  if (!USERNAME_RE.test(username)) {
    throw new ConfigError("USERNAME", `"${username}" must be letters, digits and _ (with inner . or -)`);
  }

  const localDev = parseBoolean("LOCAL_DEV", env.LOCAL_DEV, false);
  const origin = parseOrigin(env.WEB_ORIGIN, localDev);

  const handleDomain = (env.HANDLE_DOMAIN ?? "").trim().toLowerCase() || new URL(origin).host;
  if (!HOST_RE.test(handleDomain)) {
    throw new ConfigError("HANDLE_DOMAIN", `"${handleDomain}" is not a host name`);
  }

  const ownerToken = (env.OWNER_TOKEN ?? "").trim();
  if (!ownerToken) throw new ConfigError("OWNER_TOKEN", "is missing (a secret: `npx wrangler secret put OWNER_TOKEN`)");
  if (ownerToken.length < 16) throw new ConfigError("OWNER_TOKEN", "must be at least 16 characters");
  // The placeholder in .dev.vars.example is public: anyone could act as the owner with it.
  if (ownerToken === EXAMPLE_OWNER_TOKEN) throw new ConfigError("OWNER_TOKEN", "is the example value from .dev.vars.example; set a random one");

  const plan = parsePlan(env.PLAN);

  return {
    username,
    origin,
    handleDomain,
    displayName: (env.DISPLAY_NAME ?? "").trim() || username,
    bio: env.BIO ?? "",
    avatarUrl: parseOptionalUrl("AVATAR_URL", env.AVATAR_URL),
    headerUrl: parseOptionalUrl("HEADER_URL", env.HEADER_URL),
    fields: parseFields(env.PROFILE_FIELDS),
    alsoKnownAs: parseAlsoKnownAs(env.ALSO_KNOWN_AS),
    manuallyApprovesFollowers: parseBoolean("MANUALLY_APPROVES_FOLLOWERS", env.MANUALLY_APPROVES_FOLLOWERS, false),
    localDev,
    ownerToken,
    plan,
    mediaUrl: parseOptionalUrl("MEDIA_URL", env.MEDIA_URL)?.replace(/\/+$/, "") ?? null,
  };
}

function parsePlan(value: string | undefined): Plan {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "") return "free";
  if (v === "free" || v === "paid") return v;
  throw new ConfigError("PLAN", `must be "free" or "paid", not "${value}"`);
}

function parseBoolean(setting: string, value: string | undefined, fallback: boolean): boolean {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "") return fallback;
  if (v === "true") return true;
  if (v === "false") return false;
  throw new ConfigError(setting, `must be "true" or "false", not "${value}"`);
}

function parseOrigin(value: string | undefined, localDev: boolean): string {
  const raw = (value ?? "").trim();
  if (!raw) throw new ConfigError("WEB_ORIGIN", 'is missing (e.g. "https://social.example.com")');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("WEB_ORIGIN", `"${raw}" is not a URL`);
  }
  if (url.protocol !== "https:" && !(localDev && url.protocol === "http:")) {
    throw new ConfigError("WEB_ORIGIN", `must be https:// (http:// only with LOCAL_DEV = "true"), not "${raw}"`);
  }
  if (url.pathname !== "/" || url.search || url.hash) {
    throw new ConfigError("WEB_ORIGIN", `must be an origin without a path, e.g. "${url.origin}"`);
  }
  return url.origin;
}

function parseOptionalUrl(setting: string, value: string | undefined): string | null {
  const raw = (value ?? "").trim();
  if (!raw) return null;
  try {
    const url = new URL(raw);
    if (url.protocol === "https:" || url.protocol === "http:") return url.href;
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(setting, `"${raw}" is not an http(s) URL`);
}

function parseJson(setting: string, value: string | undefined): unknown {
  const raw = (value ?? "").trim();
  if (!raw) return [];
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError(setting, "is not valid JSON");
  }
}

function parseFields(value: string | undefined): ProfileField[] {
  const parsed = parseJson("PROFILE_FIELDS", value);
  const valid =
    Array.isArray(parsed) &&
    parsed.every((f) => f && typeof f === "object" && typeof f.name === "string" && typeof f.value === "string");
  if (!valid) throw new ConfigError("PROFILE_FIELDS", 'must be a JSON array of {"name": "...", "value": "..."}');
  if (parsed.length > 50) throw new ConfigError("PROFILE_FIELDS", "may hold at most 50 fields");
  return parsed.map((f: ProfileField) => ({ name: f.name, value: f.value }));
}

function parseAlsoKnownAs(value: string | undefined): string[] {
  const parsed = parseJson("ALSO_KNOWN_AS", value);
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === "string")) {
    throw new ConfigError("ALSO_KNOWN_AS", "must be a JSON array of actor URLs");
  }
  for (const id of parsed) {
    try {
      new URL(id);
    } catch {
      throw new ConfigError("ALSO_KNOWN_AS", `"${id}" is not a URL`);
    }
  }
  return parsed;
}
