// Media on R2 through the client API: uploads stored without their metadata and served back,
// refusals by size and by what the bytes are, the v2 processing flow, alt text, posts with media,
// the files going with the post, avatars, and remote posts' attachments.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { upsertRemoteActor } from "../src/federation/remote-actors.ts";
import { normalizeActor, normalizeObject } from "../src/federation/normalize.ts";
import { database } from "../src/db/client.ts";
import { pruneStorage } from "../src/domain/maintenance.ts";
import { uploadMedia } from "../src/domain/media.ts";
import { storeRemotePost } from "../src/domain/statuses.ts";
import { createServices } from "../src/runtime/services.ts";
import { ACTOR, AP, count, ORIGIN, OWNER_TOKEN, waitFor, worker } from "./helpers.ts";
import { loggedEvents } from "./log-capture.ts";
import { AVIF_WITH_EXIF, gifWithMetadata, JPEG_SIZE, jpegAsStored, jpegWithGps, PLAIN_GIF, png, TINY_MP4, uploadForm, WEBP_WITH_EXIF } from "./media-fixtures.ts";
import { api, signIn } from "./client-support.ts";
import mastodonNote from "./fixtures/activitypub/mastodon-real-note-attachment.json";
import pixelfedNote from "./fixtures/activitypub/pixelfed-note.json";

type Media = { id: string; type: string; url: string | null; preview_url: string | null; description: string | null; blurhash: string | null; meta: Record<string, any> };

let token: string;
beforeAll(async () => {
  token = await signIn("read write");
});

async function upload(path: "/api/v1/media" | "/api/v2/media", form: FormData): Promise<{ status: number; body: Media & { error?: string } }> {
  const res = await api(token, path, { method: "POST", body: form });
  return { status: res.status, body: await res.json() };
}

/** The bytes the Worker serves at a media URL (ours: https://roost.test/media/…). */
async function served(url: string) {
  expect(url.startsWith(`${ORIGIN}/media/`)).toBe(true);
  const res = await worker(new URL(url).pathname);
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** A digest to compare large files by: vitest's element-by-element diff of 100 KB arrays takes seconds. */
async function digest(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const keyOf = (url: string) => new URL(url).pathname.slice("/media/".length);

describe("uploads are stored without their metadata", () => {
  it("a JPEG with GPS EXIF and a comment is stored and served with only its orientation; a PNG loses its tEXt", async () => {
    const jpeg = await upload("/api/v1/media", uploadForm(jpegWithGps(), "IMG_0001.JPG", "image/jpeg", { description: "A red square" }));
    expect(jpeg.status).toBe(200);
    // Orientation 6 is a quarter turn: as displayed, the 24 × 16 image is 16 wide and 24 high.
    expect(jpeg.body).toMatchObject({ type: "image", description: "A red square", meta: { original: { width: JPEG_SIZE.height, height: JPEG_SIZE.width, aspect: 16 / 24 } } });
    expect(jpeg.body.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{28}$/);
    const { res, bytes } = await served(jpeg.body.url!);
    expect(res.status).toBe(200);
    expect(bytes).toEqual(jpegAsStored());
    expect(res.headers.get("Content-Type")).toBe("image/jpeg");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Content-Security-Policy")).toContain("sandbox");
    expect(res.headers.get("Cache-Control")).toContain("immutable");
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    // A Range request (Safari's video player makes them) gets the part asked for.
    const part = await worker(new URL(jpeg.body.url!).pathname, { headers: { Range: "bytes=0-3" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("Content-Range")).toBe(`bytes 0-3/${bytes.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(0, 4));

    const pngUpload = await upload("/api/v1/media", uploadForm(await png(48, 32, "GPS 52.52 13.40"), "shot.png", "image/png"));
    expect(pngUpload.status).toBe(200);
    expect(pngUpload.body.meta.original).toMatchObject({ width: 48, height: 32 });
    expect((await served(pngUpload.body.url!)).bytes).toEqual(await png(48, 32, null));
  });
});

describe("large uploads go to R2 unread", () => {
  it("a 400 × 400 JPEG with GPS EXIF (v2, alt text after the file) and a PNG with text before and after its data (v1) are cleaned by range reads; the staged bodies are never served and are gone", async () => {
    const noise = await png(400, 400, null);
    const plain = new Uint8Array(await (await env.IMAGES!.input(new Blob([noise]).stream()).output({ format: "image/jpeg" })).response().arrayBuffer());
    expect(plain.length).toBeGreaterThan(64 * 1024); // past the head the request reads back
    const jpeg = await upload("/api/v2/media", uploadForm(jpegWithGps(plain), "IMG_0002.JPG", "image/jpeg", { description: "Noise, rotated" }));
    expect(jpeg.status).toBe(202);
    expect(jpeg.body.description).toBe("Noise, rotated");
    const processed = await waitFor(async () => {
      const res = await api(token, `/api/v1/media/${jpeg.body.id}`);
      return res.status === 200 ? ((await res.json()) as Media) : null;
    });
    expect(await digest((await served(processed.url!)).bytes)).toBe(await digest(jpegAsStored(plain)));
    expect(processed.blurhash).toBeTruthy();

    const pngUpload = await upload("/api/v1/media", uploadForm(await png(200, 200, "GPS 52.52 13.40", "<x:xmpmeta>52.52</x:xmpmeta>"), "shot.png", "image/png", { focus: "0.5,0.5" }));
    expect(pngUpload.status).toBe(200);
    expect(pngUpload.body.meta).toMatchObject({ original: { width: 200, height: 200 }, focus: { x: 0.5, y: 0.5 } });
    expect(await digest((await served(pngUpload.body.url!)).bytes)).toBe(await digest(await png(200, 200, null)));

    // None was read whole; the staged bodies are removed and their keys are not served.
    expect(loggedEvents("media.rewritten_whole")).toEqual([]);
    expect((await env.MEDIA.list({ prefix: "staging/" })).objects).toEqual([]);
    expect((await worker("/media/staging/0123456789abcdef01234567")).status).toBe(404);
  });
});

describe("other containers", () => {
  it("a WebP loses its EXIF chunk and flag, a GIF its comment and XMP extensions, an AVIF its EXIF item's bytes; an MP4 is stored as uploaded", async () => {
    const webp = await upload("/api/v1/media", uploadForm(WEBP_WITH_EXIF, "a.webp", "image/webp"));
    expect(webp.body.meta.original).toMatchObject({ width: 8, height: 6 });
    const stored = (await served(webp.body.url!)).bytes;
    const text = String.fromCharCode(...stored);
    expect(text).not.toContain("EXIF");
    expect(text).not.toContain("Phone");
    expect(stored[20]! & 0x08).toBe(0); // VP8X: no EXIF flag
    expect(new DataView(stored.buffer, stored.byteOffset).getUint32(4, true)).toBe(stored.length - 8);
    expect(text).toContain(String.fromCharCode(...WEBP_WITH_EXIF.subarray(30, 30 + 52))); // the VP8 chunk, as it was

    const gif = await upload("/api/v1/media", uploadForm(gifWithMetadata(), "a.gif", "image/gif"));
    expect(gif.body).toMatchObject({ type: "image", meta: { original: { width: 8, height: 6 } } });
    expect((await served(gif.body.url!)).bytes).toEqual(PLAIN_GIF);

    const avif = await upload("/api/v1/media", uploadForm(AVIF_WITH_EXIF, "a.avif", "image/avif"));
    expect(avif.body.meta.original).toMatchObject({ width: 8, height: 6 });
    expect(avif.body.blurhash).toBeTruthy(); // the blanked file still decodes (the Images binding made its thumbnail)
    const avifStored = (await served(avif.body.url!)).bytes;
    // Same length and boxes (nothing moved); the EXIF payload (after its 4-byte header offset and "Exif") is zeros.
    expect(avifStored.length).toBe(AVIF_WITH_EXIF.length);
    const exifAt = String.fromCharCode(...AVIF_WITH_EXIF).indexOf("Exif\0\0II");
    expect(String.fromCharCode(...avifStored)).not.toContain("Phone");
    expect(avifStored.subarray(exifAt - 4, exifAt + 200).every((b) => b === 0)).toBe(true);
    expect(avifStored.subarray(0, exifAt - 4)).toEqual(AVIF_WITH_EXIF.subarray(0, exifAt - 4));

    const video = await upload("/api/v2/media", uploadForm(TINY_MP4, "clip.txt", "text/plain"));
    expect(video.status).toBe(200);
    expect(video.body).toMatchObject({ type: "video", preview_url: null });
    const clip = await served(video.body.url!);
    expect(clip.bytes).toEqual(TINY_MP4);
    expect(clip.res.headers.get("Content-Type")).toBe("video/mp4");
  });
});

describe("uploads that are refused", () => {
  it("413 for an image over the limit, 422 for a script named photo.jpg (the type is read from the bytes); nothing is stored", async () => {
    const before = await count("media_attachments");
    // The smallest limit (profile images, 8 MB) keeps the test's body small; uploads share the check.
    const huge = new Uint8Array(8 * 1024 * 1024 + 1);
    huge.set([0xff, 0xd8, 0xff, 0xe0]);
    const header = new FormData();
    header.set("header", new File([huge], "big.jpg", { type: "image/jpeg" }));
    const tooLarge = await api(token, "/api/v1/accounts/update_credentials", { method: "PATCH", body: header });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: string }).error).toMatch(/too large.*8 MB/);

    const script = await upload("/api/v2/media", uploadForm(new TextEncoder().encode("#!/bin/sh\nrm -rf ~\n"), "photo.jpg", "image/jpeg"));
    expect(script.status).toBe(422);
    expect(script.body.error).toMatch(/not supported/);

    const broken = await upload("/api/v1/media", uploadForm(jpegWithGps().subarray(0, 200), "cut.jpg", "image/jpeg"));
    expect(broken.status).toBe(422);
    expect(broken.body.error).toMatch(/not a valid JPEG/);
    expect(await count("media_attachments")).toBe(before);

    const instance = (await (await worker("/api/v2/instance")).json()) as { configuration: { media_attachments: Record<string, unknown>; statuses: Record<string, unknown> } };
    expect(instance.configuration.media_attachments).toMatchObject({ image_size_limit: 16 * 1024 * 1024, video_size_limit: 40 * 1024 * 1024, description_limit: 1500 });
    expect(instance.configuration.media_attachments.supported_mime_types).toEqual(expect.arrayContaining(["image/jpeg", "image/png", "image/webp", "image/gif", "image/avif", "video/mp4", "audio/mpeg"]));
    expect(instance.configuration.statuses.max_media_attachments).toBe(4);
  });
});

describe("posting with media", () => {
  it("v2 upload → 202, 206 until processed, 200 with url; alt text by PUT; a post with two media shows them; deleting it removes the files", async () => {
    const first = await upload("/api/v2/media", uploadForm(await png(800, 400, null), "wide.png", "image/png"));
    expect(first.status).toBe(202);
    expect(first.body.url).toBeNull();
    const processed = await waitFor(async () => {
      const res = await api(token, `/api/v1/media/${first.body.id}`);
      expect([200, 206]).toContain(res.status);
      const body = (await res.json()) as Media;
      return res.status === 200 && body.url ? body : null;
    });
    expect(processed.blurhash).toBeTruthy();
    // The preview is the Images binding's: a WebP at most 640 wide.
    expect(processed.preview_url).toMatch(/-small\.webp$/);
    expect(processed.meta).toMatchObject({ original: { width: 800, height: 400 }, small: { width: 640, height: 320 } });
    const preview = await served(processed.preview_url!);
    expect(preview.res.headers.get("Content-Type")).toBe("image/webp");

    const described = await api(token, `/api/v1/media/${first.body.id}`, {
      method: "PUT",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ description: "A wide gradient", focus: "-0.5,0.25" }),
    });
    expect(described.status).toBe(200);
    expect(await described.json()).toMatchObject({ description: "A wide gradient", meta: { focus: { x: -0.5, y: 0.25 } } });
    expect((await api(token, `/api/v1/media/${first.body.id}`, { method: "PUT", body: JSON.stringify({ focus: "2,0" }) })).status).toBe(422);

    const second = await upload("/api/v1/media", uploadForm(jpegWithGps(), "b.jpg", "image/jpeg", { description: "A red square" }));
    const posted = await api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "Two pictures", media_ids: [first.body.id, second.body.id] }) });
    expect(posted.status).toBe(200);
    const status = (await posted.json()) as { id: string; uri: string; media_attachments: Media[] };
    expect(status.media_attachments.map((m) => [m.id, m.description])).toEqual([[first.body.id, "A wide gradient"], [second.body.id, "A red square"]]);
    const reread = (await (await api(token, `/api/v1/statuses/${status.id}`)).json()) as { media_attachments: Media[] };
    expect(reread.media_attachments).toEqual(status.media_attachments);

    // Attached media are no longer the uploader's to reuse or reach by id.
    expect((await api(token, `/api/v1/media/${second.body.id}`)).status).toBe(404);
    const again = await api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "Again", media_ids: [second.body.id] }) });
    expect(again.status).toBe(422);
    const five = await api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "Five", media_ids: ["1", "2", "3", "4", "5"] }) });
    expect(five.status).toBe(422);

    const keys = [processed.url!, processed.preview_url!, status.media_attachments[1]!.url!].map(keyOf);
    for (const key of keys) expect(await env.MEDIA.head(key)).not.toBeNull();
    expect((await api(token, `/api/v1/statuses/${status.id}`, { method: "DELETE" })).status).toBe(200);
    for (const key of keys) expect(await env.MEDIA.head(key)).toBeNull();
    expect(await count("media_attachments", "status_uri = ?", status.uri)).toBe(0);
  });

  it("a v2 upload whose job cannot be queued is processed in the request instead of waiting for ever", async () => {
    const down = () => Promise.reject(new Error("queue unavailable"));
    const s = { ...createServices(env), jobs: { send: down, sendBatch: down } };
    const result = await uploadMedia(s, await png(200, 100, null), { description: "queued nowhere" }, { deferred: true });
    if (!result.ok) throw new Error(result.error);
    expect(result.media).toMatchObject({ processed: true, description: "queued nowhere", blurhash: expect.any(String) });
  });

  it("the daily clean-up removes uploads no post took within a day, and staged bodies a request left", async () => {
    const left = await upload("/api/v1/media", uploadForm(await png(8, 8, null), "left.png", "image/png"));
    await env.MEDIA.put("staging/left-by-a-dead-request", "partial body");
    const s = createServices(env);
    await pruneStorage(s);
    expect(await env.MEDIA.head(keyOf(left.body.url!))).not.toBeNull();
    expect(await env.MEDIA.head("staging/left-by-a-dead-request")).not.toBeNull();
    const report = await pruneStorage({ ...s, now: () => Date.now() + 25 * 3600_000 });
    expect(report.unattachedMedia).toBeGreaterThanOrEqual(1);
    expect(await env.MEDIA.head(keyOf(left.body.url!))).toBeNull();
    expect(await env.MEDIA.head("staging/left-by-a-dead-request")).toBeNull();
  });
});

describe("profile images", () => {
  it("an avatar through update_credentials is stored in R2, stripped, and becomes the actor's icon and the account's avatar", async () => {
    const form = new FormData();
    form.set("avatar", new File([jpegWithGps()], "me.jpg", { type: "image/jpeg" }));
    form.set("display_name", "Owner with a face");
    const res = await worker("/api/v1/accounts/update_credentials", { method: "PATCH", headers: { Authorization: `Bearer ${OWNER_TOKEN}` }, body: form });
    expect(res.status).toBe(200);
    const account = (await res.json()) as { avatar: string; avatar_static: string; display_name: string };
    expect(account.display_name).toBe("Owner with a face");
    expect(account.avatar).toMatch(new RegExp(`^${ORIGIN}/media/profile/avatar-[0-9a-f]{24}\\.jpg$`));
    expect(account.avatar_static).toBe(account.avatar);
    const actor = (await (await worker("/users/me", { headers: { Accept: AP } })).json()) as { id: string; icon: { url: string } };
    expect(actor.id).toBe(ACTOR);
    expect(actor.icon.url).toBe(account.avatar);
    expect((await served(account.avatar)).bytes).toEqual(jpegAsStored());

    const notImage = new FormData();
    notImage.set("header", new File([new TextEncoder().encode("<svg onload=alert(1)>")], "h.png", { type: "image/png" }));
    const refused = await worker("/api/v1/accounts/update_credentials", { method: "PATCH", headers: { Authorization: `Bearer ${OWNER_TOKEN}` }, body: notImage });
    expect(refused.status).toBe(422);
  });
});

describe("remote media", () => {
  it("a Mastodon Document and a Pixelfed Image become media_attachments shown by their remote URLs", async () => {
    const s = createServices(env);
    const shown = [];
    for (const note of [mastodonNote, pixelfedNote] as Record<string, any>[]) {
      const actor = normalizeActor({ id: note.attributedTo, type: "Person", inbox: `${note.attributedTo}/inbox`, preferredUsername: "author" });
      if (!actor.ok) throw new Error(actor.reason);
      await upsertRemoteActor(database(env.DB), actor.value);
      const object = normalizeObject(note);
      if (!object.ok) throw new Error(object.reason);
      const { row } = await storeRemotePost(s, object.value, note.attributedTo, true);
      shown.push(((await (await api(token, `/api/v1/statuses/${row.id}`)).json()) as { media_attachments: Media[] }).media_attachments);
    }
    const [mastodon, pixelfed] = shown;
    const doc = mastodonNote.attachment[0]!;
    expect(mastodon).toEqual([
      expect.objectContaining({
        type: "image",
        url: doc.url,
        remote_url: doc.url,
        description: doc.name,
        blurhash: doc.blurhash,
        meta: { original: { width: 1500, height: 1095, size: "1500x1095", aspect: 1500 / 1095 }, small: expect.any(Object), focus: { x: 0, y: 0 } },
      }),
    ]);
    expect(pixelfed).toEqual([expect.objectContaining({ type: "image", url: pixelfedNote.attachment[0]!.url, description: null, blurhash: null })]);
  });
});

/** A 400 × 400 JPEG of noise, past the 64 KB a streamed body's head holds (made by the Images binding). */
async function largeJpeg(): Promise<Uint8Array<ArrayBuffer>> {
  const noise = await png(400, 400, null);
  const plain = new Uint8Array(await (await env.IMAGES!.input(new Blob([noise]).stream()).output({ format: "image/jpeg" })).response().arrayBuffer());
  expect(plain.length).toBeGreaterThan(64 * 1024);
  return plain;
}

async function stagingLeft(): Promise<string[]> {
  return (await env.MEDIA.list({ prefix: "staging/" })).objects.map((o) => o.key);
}

describe("update_credentials streams a large avatar and header", () => {
  it("both over 64 KB in one body: the staged body is scanned, both are cleaned by ranges (the wide header then scaled from the stored object's stream), the actor points at them, display_name after the files applies", async () => {
    const plain = await largeJpeg();
    const header = await png(1600, 60, "GPS 52.52 13.40");
    expect(header.length).toBeGreaterThan(64 * 1024);
    const form = new FormData();
    form.set("avatar", new File([jpegWithGps(plain)], "me.jpg", { type: "image/jpeg" }));
    form.set("header", new File([header], "banner.png", { type: "image/png" }));
    form.set("display_name", "Owner, streamed");
    form.set("fields_attributes[0][name]", "Site");
    form.set("fields_attributes[0][value]", "https://example.com");
    const staged = loggedEvents("media.body_staged").length;
    const res = await worker("/api/v1/accounts/update_credentials", { method: "PATCH", headers: { Authorization: `Bearer ${OWNER_TOKEN}` }, body: form });
    expect(res.status).toBe(200);
    const account = (await res.json()) as { avatar: string; header: string; display_name: string; fields: { name: string; value: string }[] };
    expect(account.display_name).toBe("Owner, streamed");
    expect(account.fields.map((f) => f.name)).toEqual(["Site"]);
    expect(account.avatar).toMatch(new RegExp(`^${ORIGIN}/media/profile/avatar-[0-9a-f]{24}\\.jpg$`));
    // Wider than 1500 px: scaled by the Images binding to a WebP; the cleaned PNG composed for it is gone.
    expect(account.header).toMatch(new RegExp(`^${ORIGIN}/media/profile/header-[0-9a-f]{24}\\.webp$`));
    expect((await env.MEDIA.head(keyOf(account.header).replace(/\.webp$/, ".png")))).toBeNull();
    // The two windows cannot show where the avatar ends: the staged body was scanned, no image was read whole.
    expect(loggedEvents("media.body_staged").slice(staged)).toEqual([expect.objectContaining({ scanned: true })]);
    expect(loggedEvents("media.rewritten_whole")).toEqual([]);
    // GPS gone: the avatar is the JPEG with only its orientation, the header the PNG without its tEXt.
    expect(await digest((await served(account.avatar)).bytes)).toBe(await digest(jpegAsStored(plain)));
    const banner = await served(account.header);
    expect(banner.res.headers.get("Content-Type")).toBe("image/webp");
    expect(String.fromCharCode(...banner.bytes.subarray(0, 12))).toMatch(/^RIFF.{4}WEBP$/s);
    expect(new TextDecoder().decode(banner.bytes)).not.toContain("GPS");
    const actor = (await (await worker("/users/me", { headers: { Accept: AP } })).json()) as { name: string; icon: { url: string }; image: { url: string } };
    expect(actor).toMatchObject({ name: "Owner, streamed", icon: { url: account.avatar }, image: { url: account.header } });
    expect(await stagingLeft()).toEqual([]);
  });
});

describe("a streamed upload with a large part after the file", () => {
  it("a v2 video with a thumbnail over 64 KB after it: the MP4's own length sends the body to the scan, the file is stored exactly, the thumbnail not in it", async () => {
    // TINY_MP4 and a `free` box of 80 KB: a 80 KB MP4 whose boxes say where it ends.
    const padding = new Uint8Array(80 * 1024);
    new DataView(padding.buffer).setUint32(0, padding.length);
    padding.set(new TextEncoder().encode("free"), 4);
    const video = new Uint8Array([...TINY_MP4, ...padding]);
    const thumbnail = await png(200, 200, "GPS 52.52 13.40");
    const form = uploadForm(video, "clip.mp4", "video/mp4");
    form.set("thumbnail", new File([thumbnail], "poster.png", { type: "image/png" }));
    form.set("description", "A clip");
    const staged = loggedEvents("media.body_staged").length;
    const uploaded = await upload("/api/v2/media", form);
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({ type: "video", description: "A clip" });
    expect(loggedEvents("media.body_staged").slice(staged)).toEqual([expect.objectContaining({ scanned: true })]);
    const stored = (await served(uploaded.body.url!)).bytes;
    expect(stored.length).toBe(video.length);
    expect(await digest(stored)).toBe(await digest(video));

    // A JPEG with alt text after it is placed from the head and tail alone: nothing else is read.
    const plain = await largeJpeg();
    const before = loggedEvents("media.body_staged").length;
    const photo = await upload("/api/v1/media", uploadForm(jpegWithGps(plain), "p.jpg", "image/jpeg", { description: "after the file" }));
    expect(photo.body.description).toBe("after the file");
    expect(loggedEvents("media.body_staged").slice(before)).toEqual([expect.objectContaining({ scanned: false })]);
    expect(await digest((await served(photo.body.url!)).bytes)).toBe(await digest(jpegAsStored(plain)));
    expect(await stagingLeft()).toEqual([]);
  });
});

describe("hostile multipart bodies over 64 KB", () => {
  it("no closing delimiter, a wrong boundary, more than 500 parts, a 70 KB text field: 422 with an error, nothing stored, nothing left in staging/", async () => {
    const boundary = "roost-hostile-0123456789";
    const text = (s: string) => new TextEncoder().encode(s);
    const filePart = (bytes: Uint8Array) => [text(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`), bytes];
    const field = (name: string, value: string) => text(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    const jpeg = jpegWithGps(await largeJpeg());
    const bodies: [string, Uint8Array[], string][] = [
      ["unclosed", [...filePart(jpeg)], boundary],
      ["wrong boundary", [...filePart(jpeg), text(`\r\n--${boundary}--\r\n`)], "not-the-boundary"],
      ["too many parts", [...Array.from({ length: 501 }, (_, i) => field(`f${i}`, "v".repeat(200))), text(`--${boundary}--\r\n`)], boundary],
      ["long text", [field("description", "x".repeat(70 * 1024)), ...filePart(jpeg), text(`\r\n--${boundary}--\r\n`)], boundary],
    ];
    const before = await count("media_attachments");
    for (const [what, pieces, claimed] of bodies) {
      const body = new Uint8Array(await new Blob(pieces).arrayBuffer());
      expect(body.length, what).toBeGreaterThan(64 * 1024);
      const res = await api(token, "/api/v2/media", { method: "POST", headers: { "Content-Type": `multipart/form-data; boundary=${claimed}` }, body });
      expect(res.status, what).toBe(422);
      expect(((await res.json()) as { error: string }).error, what).toMatch(/multipart|parts|text field/);
      expect(await stagingLeft(), what).toEqual([]);
    }
    // The same on update_credentials.
    const profile = await worker("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      headers: { Authorization: `Bearer ${OWNER_TOKEN}`, "Content-Type": `multipart/form-data; boundary=${boundary}` },
      body: new Uint8Array(await new Blob([field("display_name", "y".repeat(70 * 1024)), text(`--${boundary}--\r\n`)]).arrayBuffer()),
    });
    expect(profile.status).toBe(422);
    expect(await stagingLeft()).toEqual([]);
    expect(await count("media_attachments")).toBe(before);
  });
});
