export const VERSION = "0.1.0";

/** The Mastodon release whose client API we follow; clients gate features on it (Mastodon.py refuses 0.x). */
export const MASTODON_API_VERSION = "4.3.0";
