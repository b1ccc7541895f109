// The ActivityStreams constants every layer names: media type, context, the public collection.
export const ACTIVITY_JSON = "application/activity+json";
export const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";
export const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
