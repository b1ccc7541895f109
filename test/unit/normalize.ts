/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { base58btcEncode, multibaseToEd25519 } from "../../src/federation/encoding.ts";
import {
  hasActivityStreamsContext,
  hostOf,
  isPublic,
  type Normalized,
  type NormalizedActivity,
  type NormalizedActor,
  type NormalizedObject,
  normalizeActivity,
  normalizeActor,
  normalizeCollection,
  normalizeDocument,
  normalizeKeys,
  normalizeObject,
  type Parsed,
  PUBLIC_COLLECTION,
  type Ref,
} from "../../src/federation/normalize.ts";

const FIXTURES = import.meta.glob<Record<string, unknown>>("../fixtures/activitypub/*.json", {
  eager: true,
  import: "default",
});
const SOURCES = import.meta.glob<string>("../fixtures/activitypub/SOURCES.md", {
  eager: true,
  query: "?raw",
  import: "default",
});

const sampleNames = Object.keys(FIXTURES)
  .map((path) => path.split("/").pop()!)
  .filter((name) => !name.startsWith("sigvec-"))
  .sort();

function fixture(name: string): Record<string, unknown> {
  const json = FIXTURES[`../fixtures/activitypub/${name}`];
  if (!json) throw new Error(`no fixture ${name}`);
  return structuredClone(json);
}

function ok<T>(result: Parsed<T>): T {
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result.value;
}

const activity = (name: string) => ok(normalizeActivity(fixture(name)));
const object = (name: string) => ok(normalizeObject(fixture(name)));
const actor = (name: string) => ok(normalizeActor(fixture(name)));
// The hostile-input tests hold every entry point to the same promise: a reason, never a throw.
const EVERY_NORMALISER = [
  normalizeActivity,
  normalizeObject,
  normalizeActor,
  normalizeCollection,
  normalizeKeys,
  normalizeDocument,
];

function embeddedObject(ref: Ref | null): NormalizedObject {
  if (ref?.embedded?.kind !== "object") throw new Error(`expected an embedded object in ${JSON.stringify(ref?.id)}`);
  return ref.embedded;
}

function embeddedActivity(ref: Ref | null): NormalizedActivity {
  if (ref?.embedded?.kind !== "activity")
    throw new Error(`expected an embedded activity in ${JSON.stringify(ref?.id)}`);
  return ref.embedded;
}

function embeddedActor(ref: Ref | null): NormalizedActor {
  if (ref?.embedded?.kind !== "actor") throw new Error(`expected an embedded actor in ${JSON.stringify(ref?.id)}`);
  return ref.embedded;
}

// Decided from `type` here, independently of the normaliser's own type tables.
const ACTOR_TYPES = ["Person", "Service", "Application", "Group", "Organization"];
const OBJECT_TYPES = ["Note", "Page", "Article", "Question", "Tombstone", "QuoteAuthorization"];
const COLLECTION_TYPES = ["OrderedCollection", "Collection"];

function normaliserFor(json: Record<string, unknown>): (json: unknown) => Parsed<Normalized> {
  const type = String(json.type);
  if (ACTOR_TYPES.includes(type)) return normalizeActor;
  if (OBJECT_TYPES.includes(type)) return normalizeObject;
  if (COLLECTION_TYPES.includes(type)) return normalizeCollection;
  return normalizeActivity;
}

/** Keys only: Fedify's key fixture has no inbox, so it is not a usable actor (Mastodon agrees). */
const KEY_ONLY_FIXTURES = ["fedify-fixture-person-publickey-array.json"];

describe("the fixture set", () => {
  it("holds every sample SOURCES.md lists, and nothing it does not", () => {
    const sources = Object.values(SOURCES)[0] ?? "";
    const listed = [...sources.matchAll(/^- `([^`]+\.json)`/gm)]
      .map((m) => m[1]!)
      .filter((n) => !n.startsWith("sigvec-"));
    expect(listed.length).toBeGreaterThan(60);
    expect(sampleNames).toEqual([...listed].sort());
  });

  it.each(sampleNames)("%s normalises with the function its type calls for", (name) => {
    const json = fixture(name);
    const normalise = normaliserFor(json);
    if (KEY_ONLY_FIXTURES.includes(name)) {
      expect(normalise(json)).toEqual({ ok: false, reason: "actor inbox is missing or not an http(s) IRI" });
      expect(normalizeKeys(json).ok).toBe(true);
      return;
    }
    const value = ok(normalise(json));
    expect(value.raw).toEqual(json);
    expect(ok(normalizeDocument(json)).kind).toBe(value.kind);
    if (value.kind === "activity" && typeof json.actor === "string") expect(value.actor).toBe(json.actor);
    if (value.kind !== "activity") expect(value.id).toBe(json.id);
  });

  it("has an ActivityStreams @context everywhere except where SOURCES.md says it is missing or odd", () => {
    const without = sampleNames.filter((name) => !hasActivityStreamsContext(fixture(name)));
    expect(without).toEqual([
      "lemmy-accept.json",
      "lemmy-comment.json",
      "lemmy-follow.json",
      "lemmy-group.json",
      "lemmy-like.json",
      "lemmy-page.json",
      "lemmy-person.json",
      "mastodon-real-delete-actor.json",
    ]);
  });
});

describe("actors", () => {
  it("reads Mastodon's current actor: keys, endpoints, aliases, emoji and profile fields", () => {
    const alice = actor("mastodon-actor.json");
    expect(alice).toMatchObject({
      kind: "actor",
      id: "https://mastodon.example/users/alice",
      type: "Person",
      preferredUsername: "alice",
      name: "Alice :blobcat:",
      url: "https://mastodon.example/@alice",
      inbox: "https://mastodon.example/users/alice/inbox",
      sharedInbox: "https://mastodon.example/inbox",
      followers: "https://mastodon.example/users/alice/followers",
      featured: "https://mastodon.example/users/alice/collections/featured",
      alsoKnownAs: ["https://old.example/users/alice"],
      movedTo: null,
      manuallyApprovesFollowers: false,
      ed25519Keys: [],
      fields: [{ name: "Website", value: expect.stringContaining("alice.example") }],
      tag: [{ type: "Emoji", name: "blobcat", iconUrl: expect.stringMatching(/blobcat\.png$/) }],
    });
    expect(alice.rsaKeys).toEqual([
      {
        id: "https://mastodon.example/users/alice#main-key",
        owner: alice.id,
        pem: expect.stringContaining("BEGIN PUBLIC KEY"),
      },
    ]);
    expect(alice.icon).toMatch(/avatars\/.*\.png$/);
    expect(alice.published).toEqual(new Date("2022-11-05T00:00:00Z"));
  });

  it("takes Misskey's top-level sharedInbox and tolerates a publicKey of type Key", () => {
    const json = fixture("misskey-actor.json");
    delete json.endpoints;
    const misskey = ok(normalizeActor(json));
    expect(misskey.sharedInbox).toBe("https://misskey.io/inbox");
    expect(misskey.rsaKeys.map((k) => k.id)).toEqual(["https://misskey.io/users/83ssedkv53#main-key"]);
    expect(misskey.url).toBe("https://misskey.io/@aimu");
  });

  it("reads Fedify's publicKey array, defaulting the missing owner to the actor", () => {
    const keys = ok(normalizeKeys(fixture("fedify-fixture-person-publickey-array.json")));
    expect(keys.rsaKeys.map(({ id, owner }) => ({ id, owner }))).toEqual([
      { id: "https://example.com/key", owner: "https://example.com/person" },
      { id: "https://example.com/key2", owner: "https://example.com/person" },
    ]);
    const withInbox = { ...fixture("fedify-fixture-person-publickey-array.json"), inbox: "https://example.com/inbox" };
    expect(ok(normalizeActor(withInbox)).rsaKeys).toHaveLength(2);
  });

  it("gives the multikey-only actor an Ed25519 key and no RSA key", () => {
    const alice = actor("fedify-fixture-actor-multikey-only.json");
    expect(alice.rsaKeys).toEqual([]);
    expect(alice.preferredUsername).toBeNull();
    const multibase = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    expect(alice.ed25519Keys).toEqual([
      {
        id: "https://server.example/users/alice#ed25519-key",
        controller: "https://server.example/users/alice",
        multibase,
        publicKey: multibaseToEd25519(multibase),
      },
    ]);
    expect(alice.ed25519Keys[0]!.publicKey).toHaveLength(32);
    expect(ok(normalizeKeys(fixture("fedify-fixture-actor-multikey-only.json"))).ed25519Keys).toHaveLength(1);
  });

  it("skips Multikeys that are not Ed25519 and keys with non-http ids", () => {
    const secp256k1Multibase = `z${base58btcEncode(new Uint8Array([0xe7, 0x01, ...new Uint8Array(33).fill(2)]))}`;
    const json = {
      ...fixture("fedify-fixture-actor-multikey-only.json"),
      assertionMethod: [
        {
          id: "https://server.example/users/alice#secp256k1",
          type: "Multikey",
          publicKeyMultibase: secp256k1Multibase,
        },
        {
          id: "urn:example:key",
          type: "Multikey",
          publicKeyMultibase: "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        },
      ],
      publicKey: {
        id: "did:example:1",
        owner: "https://server.example/users/alice",
        publicKeyPem: "-----BEGIN PUBLIC KEY-----",
      },
    };
    const alice = ok(normalizeActor(json));
    expect(alice.ed25519Keys).toEqual([]);
    expect(alice.rsaKeys).toEqual([]);
    expect(normalizeKeys(json)).toEqual({ ok: false, reason: "document has no usable public key" });
  });

  it("reads a standalone key document, which must name its owner", () => {
    const key = {
      id: "https://example.com/key",
      type: "CryptographicKey",
      owner: "https://example.com/person",
      publicKeyPem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    };
    expect(ok(normalizeKeys(key)).rsaKeys).toEqual([{ id: key.id, owner: key.owner, pem: key.publicKeyPem }]);
    const { owner: _owner, ...ownerless } = key;
    expect(normalizeKeys(ownerless).ok).toBe(false);
  });

  it("keeps GoToSocial's fragment-less key id and reads its move fields", () => {
    expect(actor("gotosocial-actor.json").rsaKeys[0]!.id).toBe("http://localhost:8080/users/the_mighty_zork/main-key");
    expect(actor("gotosocial-actor.json").sharedInbox).toBe("http://localhost:8080/sharedInbox");
    const moved = actor("gotosocial-actor-moved.json");
    expect(moved.movedTo).toBe("http://localhost:8080/users/1happyturtle");
    expect(moved.alsoKnownAs).toEqual(["http://localhost:8080/users/1happyturtle"]);
    expect(moved.sharedInbox).toBeNull();
  });

  it("picks the widest of PeerTube's icon array", () => {
    expect(actor("peertube-person.json").icon).toBe(
      "https://tilvids.com/lazy-static/avatars/bdaa7218-ba3c-43ba-abd3-cfd081394c18.jpg",
    );
  });

  it("reads Lemmy's Group, Pleroma's litepub actor, Friendica's fields and the academy's space-separated PEM", () => {
    expect(actor("lemmy-group.json")).toMatchObject({
      type: "Group",
      preferredUsername: "tenforward",
      sharedInbox: "https://enterprise.lemmy.ml/inbox",
    });
    const pleroma = actor("pleroma-actor.json");
    expect(pleroma.tag.map((t) => t.type === "Emoji" && t.name)).toEqual(["anarchy", "bzh", "gentoo"]);
    expect(pleroma.alsoKnownAs).toEqual([]);
    const friendica = actor("friendica-person.json");
    expect(friendica.manuallyApprovesFollowers).toBe(true);
    expect(friendica.fields.map((f) => f.name)).toEqual([
      "Mobilizon",
      "Lemmy",
      "Funkwhale",
      "Peertube",
      "Pixelfed",
      "about:",
    ]);
    expect(friendica.icon).toBe("https://soc.schuerz.at/photo/profile/jakob.png?ts=1630598950");
    expect(actor("mastodon-real-actor-activitypub-academy.json").rsaKeys[0]!.pem).toMatch(
      /^-----BEGIN PUBLIC KEY----- MIIB/,
    );
  });

  it("drops a profile url on another host and accepts url/icon in their other spellings", () => {
    const base = fixture("mastodon-actor.json");
    expect(ok(normalizeActor({ ...base, url: "https://elsewhere.example/@alice" })).url).toBeNull();
    const spelled = ok(
      normalizeActor({
        ...base,
        url: [
          { type: "Link", mediaType: "application/json", href: "https://mastodon.example/api/alice" },
          { type: "Link", mediaType: "text/html", href: "https://mastodon.example/@alice" },
        ],
        icon: "https://files.mastodon.example/a.png",
        image: [{ type: "Image", url: { type: "Link", href: "https://files.mastodon.example/h.png" } }],
        inbox: ["https://mastodon.example/users/alice/inbox"],
        followers: { id: "https://mastodon.example/users/alice/followers" },
        type: ["Person", "Service"],
      }),
    );
    expect(spelled).toMatchObject({
      url: "https://mastodon.example/@alice",
      icon: "https://files.mastodon.example/a.png",
      image: "https://files.mastodon.example/h.png",
      inbox: "https://mastodon.example/users/alice/inbox",
      followers: "https://mastodon.example/users/alice/followers",
      type: "Person",
    });
  });
});

describe("objects", () => {
  it("reads GoToSocial's string to/cc and single-object tag", () => {
    const note = object("gotosocial-note.json");
    expect(note.to).toEqual([PUBLIC_COLLECTION]);
    expect(note.cc).toEqual([
      "http://localhost:8080/users/admin/followers",
      "http://localhost:8080/users/the_mighty_zork",
    ]);
    expect(note.tag).toEqual([
      { type: "Mention", href: "http://localhost:8080/users/the_mighty_zork", name: "@the_mighty_zork@localhost:8080" },
    ]);
    expect(note.language).toBe("en");
    expect(note.summary).toBeNull();
  });

  it("reads a Mastodon Question as a poll", () => {
    const question = embeddedObject(activity("mastodon-create-question.json").object);
    expect(question.type).toBe("Question");
    expect(question.poll).toEqual({
      multiple: false,
      options: [
        { name: "Tabs", votes: 1 },
        { name: "Spaces", votes: 2 },
      ],
      endTime: new Date("2026-08-21T15:00:00Z"),
      closed: false,
      votersCount: 3,
    });
    const anyOf = ok(
      normalizeObject({
        id: "https://misskey.example/notes/1",
        type: "Question",
        _misskey_content: "poll",
        closed: true,
        anyOf: [
          { type: "Note", name: "a" },
          { type: "Note", nameMap: { en: "b" }, replies: { totalItems: -4 } },
          { type: "Note" },
        ],
      }),
    );
    expect(anyOf.poll).toEqual({
      multiple: true,
      options: [
        { name: "a", votes: 0 },
        { name: "b", votes: 0 },
      ],
      endTime: null,
      closed: true,
      votersCount: null,
    });
    expect(object("misskey-note.json").poll).toBeNull();
  });

  it("reads Misskey's MFM source and quote, and every quote spelling", () => {
    const note = object("misskey-note.json");
    expect(note.source).toEqual({ content: note.raw._misskey_content, mediaType: "text/x.misskeymarkdown" });
    expect(note.content).toMatch(/^<p>/);
    expect(object("misskey-quote-note.json").quote).toBe("https://misskey.io/notes/8vs6wxufd0");
    const instrument = embeddedObject(activity("mastodon-quote-request.json").instrument);
    expect(instrument.quote).toBe("https://node.example/notes/01J5Z8Q6W3E4R5T6Y7U8I9O0P1");
    for (const key of ["quote", "_misskey_quote", "quoteUrl", "quoteUri"]) {
      const note = ok(normalizeObject({ id: "https://a.example/n/1", type: "Note", [key]: "https://b.example/n/2" }));
      expect(note.quote, key).toBe("https://b.example/n/2");
    }
  });

  it("reads Lemmy's Page: audience, title, Link attachment and language object", () => {
    const page = object("lemmy-page.json");
    expect(page).toMatchObject({
      type: "Page",
      name: "Post title",
      audience: ["https://enterprise.lemmy.ml/c/tenforward"],
      attributedTo: ["https://enterprise.lemmy.ml/u/picard"],
      language: "fr",
      source: { content: "This is a post in the /c/tenforward community", mediaType: "text/markdown" },
    });
    expect(page.attachment).toEqual([
      {
        type: "Link",
        url: "https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png",
        mediaType: null,
        name: null,
        blurhash: null,
        width: null,
        height: null,
        focalPoint: null,
      },
    ]);
    expect(page.tag.map((t) => t.type)).toEqual(["Mention"]);
    expect(object("lemmy-comment.json")).toMatchObject({
      inReplyTo: "https://enterprise.lemmy.ml/post/55143",
      language: "fr",
      updated: new Date("2021-03-01T13:43:03.955Z"),
    });
  });

  it("reads Mastodon media attachments and Pixelfed hashtags", () => {
    const [media] = object("mastodon-real-note-attachment.json").attachment;
    expect(media).toMatchObject({
      type: "Document",
      mediaType: "image/jpeg",
      width: 1500,
      height: 1095,
      focalPoint: [0, 0],
      blurhash: "USQv:h-W-qI-^,W;RPs=^-R%NZxbo#sDobSc",
    });
    expect(media!.name).toMatch(/^The KDE dragons/);
    const pixelfed = object("pixelfed-note.json");
    expect(pixelfed.tag).toEqual([
      { type: "Hashtag", name: "mazda", href: "https://pixelfed.social/discover/tags/mazda" },
      { type: "Hashtag", name: "zoomzoom", href: "https://pixelfed.social/discover/tags/zoomzoom" },
    ]);
    expect(pixelfed.attachment).toHaveLength(1);
    expect(pixelfed.attachment[0]!.type).toBe("Image");
    expect(pixelfed.published).toEqual(new Date("2018-06-01T05:16:51Z"));
  });

  it("prefers content over contentMap but takes the language from contentMap (Friendica)", () => {
    const note = embeddedObject(activity("friendica-create-note.json").object);
    expect(note.content).toMatch(/^<span class="h-card">/);
    expect(note.language).toBe("de");
    expect(note.summary).toBeNull();
    expect(note.inReplyTo).toBe("https://lemmy.schuerz.at/post/25360");
    const mapOnly = ok(
      normalizeObject({
        id: "https://a.example/1",
        type: "Note",
        contentMap: { nl: "<p>hoi</p>" },
        summaryMap: { nl: "cw" },
      }),
    );
    expect(mapOnly).toMatchObject({ content: "<p>hoi</p>", summary: "cw", language: "nl" });
  });

  it("reads a Pleroma Note that carries an `actor` as an object, with a string source", () => {
    const note = embeddedObject(activity("pleroma-create-note.json").object);
    expect(note.type).toBe("Note");
    expect(note.source).toEqual({ content: "@lanodan@ds9.lemmy.ml test", mediaType: null });
    expect(note.to).toEqual(["https://enterprise.lemmy.ml/u/picard", PUBLIC_COLLECTION]);
  });

  it("takes PeerTube-style url arrays (text/html preferred) and puts people before groups", () => {
    const video = ok(
      normalizeObject({
        id: "https://tube.example/videos/watch/1",
        type: "Video",
        name: "A video",
        url: [
          { type: "Link", mediaType: "application/x-mpegURL", href: "https://tube.example/static/1/master.m3u8" },
          { type: "Link", mediaType: "text/html", href: "https://tube.example/w/1" },
        ],
        attributedTo: [
          { type: "Group", id: "https://tube.example/video-channels/chan" },
          { type: "Person", id: "https://tube.example/accounts/someone" },
          "https://tube.example/accounts/someone",
        ],
        attachment: {
          type: "Document",
          url: [{ type: "Link", href: "https://tube.example/1.mp4", mediaType: "video/mp4" }],
        },
      }),
    );
    expect(video.url).toBe("https://tube.example/w/1");
    expect(video.attributedTo).toEqual([
      "https://tube.example/accounts/someone",
      "https://tube.example/video-channels/chan",
    ]);
    expect(video.attachment).toEqual([
      {
        type: "Document",
        url: "https://tube.example/1.mp4",
        mediaType: "video/mp4",
        name: null,
        blurhash: null,
        width: null,
        height: null,
        focalPoint: null,
      },
    ]);
  });

  it("reads tags in every shape and Pleroma's legacy emoji map, dropping `{}` and unknown tags", () => {
    const note = ok(
      normalizeObject({
        id: "https://pleroma.example/objects/1",
        type: "Note",
        tag: [
          {},
          { type: ["Mention"], href: "https://a.example/users/x" },
          { type: "Mention", href: "mailto:x@a.example", name: "@x" },
          { type: "Hashtag", name: "#" },
          { type: "Hashtag", name: "NoHash" },
          { type: "Emoji", name: ":blob:", icon: { type: "Image", url: "https://pleroma.example/emoji/blob.png" } },
          { type: "Emoji", name: ":noicon:" },
          { type: "CommunityPostTag", id: "https://lemmy.example/c/x/tag/news" },
          "https://a.example/tag-as-string",
        ],
        emoji: {
          blob: "https://pleroma.example/emoji/other-blob.png",
          ":party:": "https://pleroma.example/emoji/party.png",
          bad: "javascript:1",
        },
      }),
    );
    expect(note.tag).toEqual([
      { type: "Mention", href: "https://a.example/users/x", name: null },
      { type: "Hashtag", name: "NoHash", href: null },
      { type: "Emoji", name: "blob", iconUrl: "https://pleroma.example/emoji/blob.png", mediaType: null, id: null },
      { type: "Emoji", name: "party", iconUrl: "https://pleroma.example/emoji/party.png", mediaType: null, id: null },
    ]);
    expect(ok(normalizeObject({ id: "https://pleroma.example/objects/2", type: "Note", emoji: {} })).tag).toEqual([]);
  });

  it("keeps a Tombstone and a poll vote", () => {
    expect(embeddedObject(activity("mastodon-delete-note.json").object)).toMatchObject({
      type: "Tombstone",
      attributedTo: [],
      content: null,
    });
    const vote = activity("mastodon-vote.json");
    expect(vote.to).toEqual(["https://node.example/users/me"]);
    expect(embeddedObject(vote.object)).toMatchObject({
      name: "Option B",
      inReplyTo: "https://node.example/notes/01J5Z9AAAAPOLL000000000000",
      to: ["https://node.example/users/me"],
      content: null,
    });
  });

  it("marks an edit with its updated time", () => {
    const edit = activity("mastodon-update-note.json");
    expect(edit.type).toBe("Update");
    const note = embeddedObject(edit.object);
    expect(note.updated).toEqual(new Date("2026-08-20T10:40:12Z"));
    expect(note.published).toEqual(new Date("2026-08-20T10:15:00Z"));
  });
});

describe("activities", () => {
  it("reads plain Follow/Like/Block/Announce with string objects", () => {
    for (const name of [
      "mastodon-follow.json",
      "mastodon-like.json",
      "mastodon-block.json",
      "mastodon-announce.json",
      "mastodon-real-follow.json",
      "pleroma-follow.json",
      "lemmy-follow.json",
      "mitra-accept.json",
    ]) {
      const act = activity(name);
      expect(act.object, name).toEqual({ id: fixture(name).object });
      expect(act.objects, name).toHaveLength(1);
    }
    const boost = activity("mastodon-announce.json");
    expect(boost.to).toEqual([PUBLIC_COLLECTION]);
    expect(boost.cc).toEqual(["https://node.example/users/me", "https://mastodon.example/users/alice/followers"]);
    expect(boost.published).toEqual(new Date("2026-08-20T10:20:00Z"));
    expect(activity("lemmy-like.json").audience).toEqual(["https://enterprise.lemmy.ml/c/tenforward"]);
  });

  it("embeds the inner activity of Undo, Accept and Reject", () => {
    const undo = activity("mastodon-undo-announce.json");
    const announce = embeddedActivity(undo.object);
    expect(announce).toMatchObject({
      type: "Announce",
      actor: "https://mastodon.example/users/alice",
      object: { id: "https://node.example/notes/01J5Z8Q6W3E4R5T6Y7U8I9O0P1" },
    });
    for (const name of ["mastodon-accept-follow.json", "mastodon-reject-follow.json", "lemmy-accept.json"]) {
      const follow = embeddedActivity(activity(name).object);
      expect(follow.type, name).toBe("Follow");
      expect(follow.id, name).toBe((fixture(name).object as { id: string }).id);
    }
    expect(embeddedActivity(activity("mastodon-real-undo-follow.json").object).object?.id).toBe(
      "https://ds9.lemmy.ml/c/testcom",
    );
  });

  it("unwraps Lemmy's Announce of a whole activity", () => {
    const page = fixture("lemmy-page.json");
    const wrapped = ok(
      normalizeActivity({
        id: "https://enterprise.lemmy.ml/activities/announce/create/1",
        type: "Announce",
        actor: "https://enterprise.lemmy.ml/c/tenforward",
        to: ["https://www.w3.org/ns/activitystreams#Public"],
        cc: ["https://enterprise.lemmy.ml/c/tenforward/followers"],
        object: {
          id: "https://enterprise.lemmy.ml/activities/create/1",
          type: "Create",
          actor: "https://enterprise.lemmy.ml/u/picard",
          to: ["https://www.w3.org/ns/activitystreams#Public"],
          audience: "https://enterprise.lemmy.ml/c/tenforward",
          object: page,
        },
      }),
    );
    const create = embeddedActivity(wrapped.object);
    expect(create).toMatchObject({
      type: "Create",
      actor: "https://enterprise.lemmy.ml/u/picard",
      audience: ["https://enterprise.lemmy.ml/c/tenforward"],
    });
    expect(embeddedObject(create.object)).toMatchObject({ id: page.id, type: "Page", name: "Post title" });
  });

  it("reads Pleroma's EmojiReact and Misskey's custom-emoji Like", () => {
    expect(activity("pleroma-emoji-react.json")).toMatchObject({ type: "EmojiReact", content: "👌", tag: [] });
    const like = activity("misskey-like-custom-emoji.json");
    expect(like).toMatchObject({ type: "Like", content: ":hanapog:" });
    expect(like.tag).toEqual([
      {
        type: "Emoji",
        name: "hanapog",
        id: "https://misskey.local.live/emojis/hanapog",
        mediaType: "image/png",
        iconUrl: "https://misskey.local.live/files/webpublic-8f8a9768-7264-4171-88d6-2356aabeadcd",
      },
    ]);
    const reactionOnly = { ...fixture("misskey-like-custom-emoji.json"), content: undefined };
    expect(ok(normalizeActivity(reactionOnly)).content).toBe(":hanapog:");
    expect(activity("mastodon-like.json").content).toBeNull();
  });

  it("reads Move with its target, and GoToSocial's string `to`", () => {
    expect(activity("mastodon-move.json")).toMatchObject({
      type: "Move",
      actor: "https://mastodon.example/users/alice",
      object: { id: "https://mastodon.example/users/alice" },
      target: { id: "https://new.example/users/alice" },
      to: [],
      cc: [],
    });
    expect(activity("gotosocial-move.json")).toMatchObject({
      target: { id: "https://turnip.farm/users/turniplover6969" },
      to: ["http://fossbros-anonymous.io/users/foss_satan/followers"],
    });
  });

  it("keeps every object of a Flag", () => {
    const flag = activity("mastodon-flag.json");
    expect(flag.actor).toBe("https://mastodon.example/actor");
    expect(flag.content).toBe("Spam links in replies");
    expect(flag.objects.map((r) => r.id)).toEqual([
      "https://node.example/users/me",
      "https://node.example/notes/01J5Z8Q6W3E4R5T6Y7U8I9O0P1",
    ]);
    expect(flag.object?.id).toBe("https://node.example/users/me");
    const real = activity("mastodon-real-flag.json");
    expect(real.objects).toHaveLength(3);
    expect(real.to).toEqual(["https://example.com/users/1"]);
    expect(activity("gotosocial-flag.json").objects).toHaveLength(2);
  });

  it("reads deletes: of an actor, of a Tombstone, id-less from GoToSocial", () => {
    const gone = activity("mastodon-delete-actor.json");
    expect(gone.object?.id).toBe(gone.actor);
    const legacy = activity("mastodon-real-delete-actor.json");
    expect(legacy.object).toEqual({ id: "http://mastodon.example.org/users/admin" });
    expect(embeddedObject(activity("mastodon-real-delete-note.json").object).type).toBe("Tombstone");
    expect(activity("gotosocial-delete-note.json")).toMatchObject({
      id: null,
      to: [PUBLIC_COLLECTION],
      cc: ["http://localhost:8080/users/admin/followers"],
      object: { id: "http://localhost:8080/users/admin/statuses/01F8MH75CBF9JFX4ZAD54N0W0R" },
    });
    expect(activity("pleroma-delete.json").to).toContain(PUBLIC_COLLECTION);
  });

  it("embeds the actor of Update{Person} and the request of GoToSocial's Accept{LikeRequest}", () => {
    const update = activity("mastodon-update-actor.json");
    expect(embeddedActor(update.object)).toMatchObject({ id: update.actor, preferredUsername: "alice" });
    const accept = activity("gotosocial-accept-like.json");
    expect(accept.to).toEqual(["http://fossbros-anonymous.io/users/foss_satan"]);
    expect(accept.result).toEqual({
      id: "http://localhost:8080/users/the_mighty_zork/authorizations/01J1AKMZ8JE5NW0ZSFTRC1JJNE",
    });
    expect(embeddedActivity(accept.object)).toMatchObject({
      type: "LikeRequest",
      instrument: { id: "https://fossbros-anonymous.io/users/foss_satan/likes/01J1AKRRHQ6MDDQHV0TP716T2K" },
    });
  });

  it("reads an unlisted reply (Public in cc) and Mastodon's direct message", () => {
    const reply = activity("mastodon-real-create-reply.json");
    expect(reply.to).toEqual(["https://mastodon.madrid/users/felix/followers"]);
    expect(reply.cc).toContain(PUBLIC_COLLECTION);
    const direct = activity("mastodon-create-direct.json");
    expect(direct.to).toEqual(["https://node.example/users/me"]);
    expect(embeddedObject(direct.object).tag).toEqual([
      { type: "Mention", href: "https://node.example/users/me", name: "@me@node.example" },
    ]);
  });

  it("accepts the other spellings of actor, type and Public, and drops bto/bcc", () => {
    const act = ok(
      normalizeActivity({
        type: ["https://www.w3.org/ns/activitystreams#Like", "Dislike"],
        actor: [
          { type: "Person", id: "https://a.example/users/x", inbox: "https://a.example/inbox" },
          "https://b.example/u",
        ],
        object: { id: "https://b.example/n/1" },
        to: ["as:Public", "Public", { id: "https://a.example/users/x/followers" }, "urn:x", 7],
        cc: "https://www.w3.org/ns/activitystreams#Public",
        bto: ["https://secret.example/u"],
        bcc: "https://secret.example/v",
      }),
    );
    expect(act).toMatchObject({
      type: "Like",
      actor: "https://a.example/users/x",
      object: { id: "https://b.example/n/1" },
    });
    expect(act.to).toEqual([PUBLIC_COLLECTION, "https://a.example/users/x/followers"]);
    expect(act.cc).toEqual([PUBLIC_COLLECTION]);
    expect(JSON.stringify({ ...act, raw: null })).not.toContain("secret.example");
    expect(
      ok(normalizeActivity({ type: "Bite", actor: "https://a.example/u", object: "https://b.example/u" })).type,
    ).toBe("Bite");
  });

  it("reads a featured collection with embedded Notes", () => {
    const featured = ok(normalizeCollection(fixture("mastodon-real-featured-collection.json")));
    expect(featured).toMatchObject({ type: "OrderedCollection", totalItems: 1 });
    expect(featured.items).toHaveLength(1);
    expect(embeddedObject(featured.items[0]!).tag.map((t) => t.type === "Hashtag" && t.name)).toEqual([
      "reddit",
      "fediverse",
      "activitypub",
    ]);
  });
});

describe("helpers", () => {
  it("recognises every spelling of Public", () => {
    expect([PUBLIC_COLLECTION, "as:Public", "Public"].every(isPublic)).toBe(true);
    expect(["https://www.w3.org/ns/activitystreams", "public", "https://a.example/Public"].some(isPublic)).toBe(false);
  });

  it("gives the host of http(s) IRIs only", () => {
    expect(hostOf("https://Mastodon.Example:8443/users/a")).toBe("mastodon.example:8443");
    expect(hostOf("http://localhost:8080/users/a")).toBe("localhost:8080");
    for (const bad of [
      "",
      "mastodon.example",
      "ftp://a.example/x",
      "did:key:z6Mk",
      "https://",
      "javascript:alert(1)",
    ]) {
      expect(hostOf(bad), bad).toBeNull();
    }
  });

  it("finds the ActivityStreams context as a string or in an array, and nowhere else", () => {
    const as = "https://www.w3.org/ns/activitystreams";
    expect(hasActivityStreamsContext({ "@context": as })).toBe(true);
    expect(hasActivityStreamsContext({ "@context": ["https://gotosocial.org/ns", as, { a: "b" }] })).toBe(true);
    expect(hasActivityStreamsContext({ "@context": "http://www.w3.org/ns/activitystreams" })).toBe(true);
    for (const odd of [
      {},
      { "@context": null },
      { "@context": [{ "@vocab": as }] },
      { "@context": 1 },
      { "@context": "https://example.com" },
      null,
      "x",
      [as],
    ]) {
      expect(hasActivityStreamsContext(odd), JSON.stringify(odd)).toBe(false);
    }
  });

  it("turns unparsable dates into null", () => {
    const base = { id: "https://a.example/n/1", type: "Note" };
    for (const published of [
      "1",
      "yesterday",
      "2021-13-45T00:00:00Z",
      "2021-01-01T00:00:00Z".repeat(4),
      1700000000,
      null,
      {},
    ]) {
      expect(ok(normalizeObject({ ...base, published })).published, String(published)).toBeNull();
    }
    expect(ok(normalizeObject({ ...base, published: "2021-03-01T13:42:43.966208Z" })).published).toEqual(
      new Date("2021-03-01T13:42:43.966Z"),
    );
  });
});

describe("malformed input", () => {
  const actorId = "https://a.example/users/x";
  const cases: [string, (json: unknown) => Parsed<unknown>, unknown, RegExp][] = [
    ["null activity", normalizeActivity, null, /not a JSON object/],
    ["number activity", normalizeActivity, 42, /not a JSON object/],
    ["string activity", normalizeActivity, "https://a.example/act/1", /not a JSON object/],
    ["array activity", normalizeActivity, [{ type: "Follow", actor: actorId }], /not a JSON object/],
    ["activity without type", normalizeActivity, { actor: actorId, object: actorId }, /no type/],
    ["activity with a numeric type", normalizeActivity, { type: 5, actor: actorId }, /no type/],
    ["activity without actor", normalizeActivity, { type: "Follow", object: actorId }, /actor/],
    ["activity with a non-http actor", normalizeActivity, { type: "Follow", actor: "acct:x@a.example" }, /actor/],
    ["activity with an {id}-less actor", normalizeActivity, { type: "Follow", actor: { type: "Person" } }, /actor/],
    [
      "activity with a urn id",
      normalizeActivity,
      { id: "urn:uuid:1", type: "Follow", actor: actorId },
      /id is not an http/,
    ],
    ["activity with a numeric id", normalizeActivity, { id: 1, type: "Follow", actor: actorId }, /id is not an http/],
    [
      "a Note as an activity",
      normalizeActivity,
      { id: "https://a.example/n/1", type: "Note", actor: actorId },
      /Note is an object, not an activity/,
    ],
    [
      "a Person as an activity",
      normalizeActivity,
      { id: actorId, type: "Person", actor: actorId },
      /Person is an actor/,
    ],
    ["object without id", normalizeObject, { type: "Note", content: "hi" }, /id is missing/],
    [
      "object with a javascript: id",
      normalizeObject,
      { type: "Note", id: "javascript:alert(1)" },
      /id is missing or not/,
    ],
    ["object without type", normalizeObject, { id: "https://a.example/n/1" }, /no type/],
    [
      "an activity as an object",
      normalizeObject,
      { id: "https://a.example/a/1", type: "Create", actor: actorId },
      /Create is an activity/,
    ],
    [
      "an actor as an object",
      normalizeObject,
      { id: actorId, type: "Service", inbox: `${actorId}/inbox` },
      /Service is an actor/,
    ],
    ["actor without inbox", normalizeActor, { id: actorId, type: "Person" }, /inbox/],
    [
      "actor with a mailto inbox",
      normalizeActor,
      { id: actorId, type: "Person", inbox: "mailto:x@a.example" },
      /inbox/,
    ],
    [
      "actor with a did id",
      normalizeActor,
      { id: "did:key:z6Mk", type: "Person", inbox: `${actorId}/inbox` },
      /id is missing or not/,
    ],
    [
      "actor of unknown type",
      normalizeActor,
      { id: actorId, type: "Robot", inbox: `${actorId}/inbox` },
      /Robot is not an actor type/,
    ],
    [
      "a Note as an actor",
      normalizeActor,
      { id: actorId, type: "Note", inbox: `${actorId}/inbox` },
      /Note is an object, not an actor/,
    ],
    ["collection without id", normalizeCollection, { type: "OrderedCollection", orderedItems: [] }, /id is missing/],
    ["a Note as a collection", normalizeCollection, { id: "https://a.example/n/1", type: "Note" }, /not a collection/],
    ["key document without keys", normalizeKeys, { id: actorId, type: "Person" }, /no usable public key/],
    [
      "key document with a file id",
      normalizeKeys,
      { id: "file:///etc/passwd", publicKeyPem: "-----BEGIN" },
      /id is missing/,
    ],
    ["document that is undefined", normalizeDocument, undefined, /not a JSON object/],
  ];

  it.each(cases)("%s → not ok", (_label, normalise, input, reason) => {
    const result = normalise(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("answers a reason instead of throwing when reading the input throws", () => {
    const hostile = {
      type: "Follow",
      get actor(): string {
        throw new Error("boom");
      },
    };
    expect(normalizeActivity(hostile)).toEqual({ ok: false, reason: "activity could not be read" });
    const trap = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error("trap");
        },
        getOwnPropertyDescriptor: () => {
          throw new Error("trap");
        },
      },
    );
    for (const normalise of EVERY_NORMALISER) {
      expect(normalise(trap).ok).toBe(false);
    }
  });
});

describe("hostile input", () => {
  const actorId = "https://a.example/users/x";

  it("caps addressees, tags, objects and attachments", () => {
    const many = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
    const started = Date.now();
    const act = ok(
      normalizeActivity({
        type: "Flag",
        actor: actorId,
        object: many(100_000, (i) => `https://b.example/n/${i}`),
        to: many(200_000, (i) => `https://c.example/u/${i}`),
        tag: many(100_000, (i) => ({ type: "Hashtag", name: `t${i}` })),
      }),
    );
    expect(act.objects).toHaveLength(100);
    expect(act.to).toHaveLength(1000);
    expect(act.tag).toHaveLength(100);
    const note = ok(
      normalizeObject({
        id: "https://b.example/n/1",
        type: "Note",
        attachment: many(100_000, (i) => ({ type: "Image", url: `https://b.example/m/${i}.png` })),
        cc: many(100_000, () => "https://c.example/same"),
      }),
    );
    expect(note.attachment.length).toBeLessThanOrEqual(20);
    expect(note.cc).toEqual(["https://c.example/same"]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("follows embedding only three levels deep, even through 10 000 nested Undos", () => {
    let nested: Record<string, unknown> = { id: "https://a.example/n/0", type: "Note" };
    for (let i = 1; i <= 10_000; i++)
      nested = { id: `https://a.example/undo/${i}`, type: "Undo", actor: actorId, object: nested };
    const top = ok(normalizeActivity(nested));
    const first = embeddedActivity(top.object);
    const second = embeddedActivity(first.object);
    const third = embeddedActivity(second.object);
    expect(third.object).toEqual({ id: "https://a.example/undo/9996" });
  });

  it("bounds the number of embedded documents when one object is shared many times", () => {
    const note = { id: "https://a.example/n/1", type: "Note", content: "x" };
    const inner = { id: "https://a.example/a/1", type: "Announce", actor: actorId, object: Array(100).fill(note) };
    const middle = { id: "https://a.example/a/2", type: "Undo", actor: actorId, object: Array(100).fill(inner) };
    const top = ok(
      normalizeActivity({ id: "https://a.example/a/3", type: "Undo", actor: actorId, object: Array(100).fill(middle) }),
    );
    let embedded = 0;
    const count = (refs: Ref[]) => {
      for (const ref of refs) {
        if (!ref.embedded) continue;
        embedded++;
        if (ref.embedded.kind === "activity") count(ref.embedded.objects);
      }
    };
    count(top.objects);
    expect(embedded).toBeLessThanOrEqual(200);
    expect(top.objects).toHaveLength(100);
  });

  it("never throws on random junk or on mutated fixtures", () => {
    let seed = 0x2f6b1c3d;
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const keys = [
      "id",
      "type",
      "actor",
      "object",
      "target",
      "to",
      "cc",
      "tag",
      "attachment",
      "url",
      "icon",
      "publicKey",
      "assertionMethod",
      "inbox",
      "endpoints",
      "attributedTo",
      "content",
      "contentMap",
      "published",
      "oneOf",
      "anyOf",
      "emoji",
      "items",
      "orderedItems",
      "@context",
      "__proto__",
      "constructor",
    ];
    const strings = [
      "https://a.example/x",
      "Note",
      "Create",
      "Person",
      "as:Public",
      "",
      "javascript:alert(1)",
      "2021-01-01T00:00:00Z",
      ":e:",
      "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
      "Multikey",
      "-----BEGIN PUBLIC KEY-----",
      "x".repeat(5000),
    ];
    const junk = (depth: number): unknown => {
      const roll = random();
      if (depth > 5 || roll < 0.3) return pick([null, true, false, 0, -1, 1e308, Number.NaN, ...strings]);
      if (roll < 0.5) return Array.from({ length: Math.floor(random() * 6) }, () => junk(depth + 1));
      const obj: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 8); i > 0; i--) obj[pick(keys)] = junk(depth + 1);
      return obj;
    };
    for (let i = 0; i < 3000; i++) {
      const input = random() < 0.5 ? junk(0) : JSON.parse(JSON.stringify(junk(0) ?? null));
      for (const normalise of EVERY_NORMALISER) {
        const result = normalise(input);
        if (!result.ok) expect(result.reason).not.toMatch(/could not be read/);
      }
    }
    for (const name of sampleNames) {
      for (let i = 0; i < 20; i++) {
        const json = fixture(name);
        for (const key of Object.keys(json)) if (random() < 0.3) json[key] = junk(2);
        for (const normalise of EVERY_NORMALISER) {
          const result = normalise(json);
          if (!result.ok) expect(result.reason, name).not.toMatch(/could not be read/);
        }
      }
    }
  });
});
