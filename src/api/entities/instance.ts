// Instance entities, v1 and v2, complete as strict clients decode them (Ice Cubes needs
// contact.email as a string, registrations.enabled and thumbnail; Mastodon.py needs urls and a
// 4.x version; Phanpy enables grouped notifications from api_versions.mastodon ≥ 2, and native
// quote posts from 7, Mastodon 4.5's number for them).
import { MEDIA_LIMITS, SUPPORTED_MIME_TYPES } from "../../domain/media.ts";
import { POLL_LIMITS } from "../../domain/polls.ts";
import { MAX_TEXT } from "../../domain/posts/input.ts";
import type { Profile } from "../../config.ts";
import type { Services } from "../../services.ts";
import { MASTODON_API_VERSION, VERSION } from "../../version.ts";
import { STATUS_MIME_TYPES } from "../v1/content-type.ts";
import type { AccountEntity } from "./account.ts";

export const INSTANCE_VERSION = `${MASTODON_API_VERSION} (compatible; Roost ${VERSION})`;
export const API_VERSIONS = { mastodon: 7 };

function limits() {
  return {
    accounts: { max_featured_tags: 0, max_pinned_statuses: 0 },
    // supported_mime_types: what content_type takes (Pleroma's and GoToSocial's name for it).
    statuses: { max_characters: MAX_TEXT, max_media_attachments: MEDIA_LIMITS.perPost, characters_reserved_per_url: 23, supported_mime_types: Object.keys(STATUS_MIME_TYPES) },
    // What src/domain/media.ts enforces. Video is stored as uploaded (no transcoding), so its
    // frame rate and size are not limited beyond the bytes.
    media_attachments: {
      supported_mime_types: SUPPORTED_MIME_TYPES,
      image_size_limit: MEDIA_LIMITS.imageBytes,
      image_matrix_limit: MEDIA_LIMITS.imageMatrix,
      video_size_limit: MEDIA_LIMITS.videoBytes,
      video_frame_rate_limit: 120,
      video_matrix_limit: 8192 * 4320,
      description_limit: MEDIA_LIMITS.descriptionChars,
    },
    polls: { max_options: POLL_LIMITS.maxOptions, max_characters_per_option: POLL_LIMITS.maxCharactersPerOption, min_expiration: POLL_LIMITS.minExpiration, max_expiration: POLL_LIMITS.maxExpiration },
  };
}

/** Where apps open the streaming WebSocket (src/api/v1/streaming.ts): this origin, as ws:// or wss://. */
const streamingUrl = (s: Services) => s.config.origin.replace(/^http/, "ws");

/** `vapidKey`: the VAPID public key apps subscribe to Web Push with (configuration.vapid.public_key). */
export function instanceV2(s: Services, profile: Profile, contact: AccountEntity, vapidKey: string) {
  const { config, urls } = s;
  const host = new URL(config.origin).host;
  return {
    domain: config.handleDomain,
    title: profile.displayName,
    version: INSTANCE_VERSION,
    source_url: "https://github.com/",
    description: `${profile.displayName}'s own Roost on the fediverse.`,
    usage: { users: { active_month: 1 } },
    thumbnail: { url: profile.headerUrl ?? profile.avatarUrl ?? urls.missingImage },
    icon: [],
    languages: ["en"],
    configuration: {
      urls: { streaming: streamingUrl(s), about: urls.profile, privacy_policy: null, terms_of_service: null },
      vapid: { public_key: vapidKey },
      ...limits(),
      translation: { enabled: false },
      timelines_access: { live_feeds: { local: "public", remote: "public" }, hashtag_feeds: { local: "public", remote: "public" }, trending_link_feeds: { local: "public", remote: "public" } },
    },
    registrations: { enabled: false, approval_required: false, message: null, url: null },
    api_versions: API_VERSIONS,
    contact: { email: "", account: contact },
    rules: [],
    web_host: host,
  };
}

export function instanceV1(s: Services, profile: Profile, contact: AccountEntity, stats: { statuses: number }) {
  const { config, urls } = s;
  return {
    uri: config.handleDomain,
    title: profile.displayName,
    short_description: `${profile.displayName}'s own Roost on the fediverse.`,
    description: `${profile.displayName}'s own Roost on the fediverse.`,
    email: "",
    version: INSTANCE_VERSION,
    urls: { streaming_api: streamingUrl(s) },
    stats: { user_count: 1, status_count: stats.statuses, domain_count: 0 },
    thumbnail: profile.headerUrl ?? profile.avatarUrl ?? urls.missingImage,
    languages: ["en"],
    registrations: false,
    approval_required: false,
    invites_enabled: false,
    configuration: limits(),
    contact_account: contact,
    rules: [],
    api_versions: API_VERSIONS,
  };
}
