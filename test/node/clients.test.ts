// Real Mastodon client libraries — masto.js (Elk's) and megalodon (Whalebird's) — signing in to the
// real Worker on local workerd (wrangler's dev server, fresh D1) and using it as an app would; and
// the owner CLI, which is such a client with the owner token.
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from "masto";
import megalodon from "megalodon";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
// @ts-expect-error: plain ESM helper shared with the benchmarks
import { OWNER_TOKEN, prepareState, startWorker } from "../../bench/lib/worker.mjs";
// @ts-expect-error: plain ESM helper shared with npm run test:clients
import { approve as approveInBrowser } from "../clients/approve.mjs";
import { jpegWithGps, png } from "../media-fixtures.ts";

const OOB = "urn:ietf:wg:oauth:2.0:oob";
const PORT = 18_700 + Math.floor(Math.random() * 200);
const URL_BASE = `http://127.0.0.1:${PORT}`;
const generator = ((megalodon as unknown as { default?: typeof megalodon }).default ?? megalodon) as unknown as (sns: "mastodon", url: string, token?: string | null) => any;

let worker: { dispose(): Promise<void> };

beforeAll(async () => {
  worker = await startWorker(await prepareState(), PORT);
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
});

/** What a person does in the browser (test/clients/approve.mjs): sign in as the owner, allow; the OOB page shows the code. */
function approve(clientId: string, scope: string, challenge?: string): Promise<string> {
  const query = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: OOB, scope });
  if (challenge) query.set("code_challenge", challenge), query.set("code_challenge_method", "S256");
  return approveInBrowser(URL_BASE, OWNER_TOKEN, `/oauth/authorize?${query}`);
}

const linkPages = async (client: ReturnType<typeof createRestAPIClient>) => {
  const sizes: number[] = [];
  for await (const page of client.v1.timelines.home.list({ limit: 2 })) {
    sizes.push(page.length);
    if (sizes.length > 10) break;
  }
  return sizes;
};

describe("masto.js", () => {
  it("registers, signs in with PKCE, posts, edits, reacts, paginates and reads notifications", async () => {
    const anonymous = createRestAPIClient({ url: URL_BASE });
    const app = await anonymous.v1.apps.create({ clientName: "masto test", redirectUris: OOB, scopes: "read write follow push" });
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const code = await approve(app.clientId!, "read write follow", challenge);
    const token = await createOAuthAPIClient({ url: URL_BASE }).token.create({
      grantType: "authorization_code",
      clientId: app.clientId!,
      clientSecret: app.clientSecret!,
      redirectUri: OOB,
      code,
      // masto 7's types do not list PKCE, but it sends every parameter it is given (as code_verifier).
      ...({ codeVerifier: verifier } as object),
    });
    const client = createRestAPIClient({ url: URL_BASE, accessToken: token.accessToken });

    const me = await client.v1.accounts.verifyCredentials();
    expect(me).toMatchObject({ id: "1", username: "me" });
    const instance = await client.v2.instance.fetch();
    expect(instance.apiVersions?.mastodon).toBeGreaterThanOrEqual(2);

    const posted = [];
    for (const visibility of ["public", "unlisted", "private", "direct"] as const) {
      const status =
        visibility === "direct"
          ? null
          : await client.v1.statuses.create({ status: `${visibility} post`, spoilerText: "cw", visibility });
      if (status) {
        expect(status).toMatchObject({ visibility, spoilerText: "cw", sensitive: true });
        posted.push(status);
      }
    }
    const reply = await client.v1.statuses.create({ status: "a reply", inReplyToId: posted[0]!.id });
    expect(reply.inReplyToId).toBe(posted[0]!.id);
    const edited = await client.v1.statuses.$select(reply.id).update({ status: "an edited reply" });
    expect(edited.editedAt).not.toBeNull();
    const history = await client.v1.statuses.$select(reply.id).history.list();
    expect(history.length).toBeGreaterThanOrEqual(1);
    const context = await client.v1.statuses.$select(reply.id).context.fetch();
    expect(context.ancestors.map((s) => s.id)).toEqual([posted[0]!.id]);

    expect((await client.v1.statuses.$select(posted[0]!.id).favourite()).favourited).toBe(true);
    const boost = await client.v1.statuses.$select(posted[0]!.id).reblog();
    expect(boost.id).not.toBe(posted[0]!.id);
    expect(boost.reblog?.id).toBe(posted[0]!.id);
    expect((await client.v1.statuses.$select(posted[0]!.id).bookmark()).bookmarked).toBe(true);
    const removed = await client.v1.statuses.$select(reply.id).remove();
    expect(removed.text).toBe("an edited reply");

    // Five posts, two a page: three pages, then the empty one that ends the paginator.
    for (let i = 0; i < 5; i++) await client.v1.statuses.create({ status: `page ${i}` });
    const sizes = await linkPages(client);
    expect(sizes.slice(0, 3)).toEqual([2, 2, 2]);
    expect(sizes.at(-1)).toBe(0);

    expect(Array.isArray(await client.v1.notifications.list())).toBe(true);
    const grouped = await client.v2.notifications.list();
    expect(grouped).toHaveProperty("notificationGroups");

    // Photos with alt text: v2 uploads (202 while the preview is made; masto.js polls until `url` is set), then one post.
    const photos = [];
    for (const [bytes, description] of [[jpegWithGps(), "A red square"], [await png(64, 48, null), "Noise"]] as const) {
      const media = await client.v2.media.create({ file: new Blob([bytes]), description });
      expect(media.url).toMatch(new RegExp(`^${URL_BASE}/media/`));
      photos.push(media);
    }
    const withPhotos = await client.v1.statuses.create({ status: "two photos", mediaIds: photos.map((m) => m.id) });
    expect(withPhotos.mediaAttachments.map((m) => [m.type, m.description])).toEqual([["image", "A red square"], ["image", "Noise"]]);
    expect((await fetch(withPhotos.mediaAttachments[0]!.url!)).headers.get("Content-Type")).toBe("image/jpeg");
  }, 60_000);
});

describe("masto.js streaming", () => {
  it("createStreamingAPIClient over the ws package gets update and delete, nothing after unsubscribe; a bad token is refused before the upgrade", async () => {
    const app = await createRestAPIClient({ url: URL_BASE }).v1.apps.create({ clientName: "masto streaming", redirectUris: OOB, scopes: "read write" });
    const code = await approve(app.clientId!, "read write");
    const { accessToken } = await createOAuthAPIClient({ url: URL_BASE }).token.create({ grantType: "authorization_code", clientId: app.clientId!, clientSecret: app.clientSecret!, redirectUri: OOB, code });
    const rest = createRestAPIClient({ url: URL_BASE, accessToken });
    const streamingApiUrl = (await rest.v2.instance.fetch()).configuration.urls.streaming;
    expect(streamingApiUrl).toBe(`ws://127.0.0.1:${PORT}`);

    const streaming = createStreamingAPIClient({ streamingApiUrl, accessToken, implementation: WebSocket, retry: false });
    const subscription = streaming.user.subscribe();
    const events: { event: string; payload: any }[] = [];
    const pumped = (async () => {
      for await (const event of subscription) events.push(event as (typeof events)[number]);
    })().catch(() => {});
    const arrived = async <T>(find: () => T | undefined, tries = 100): Promise<T> => {
      for (let i = 0; i < tries; i++) {
        const found = find();
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`not received; got ${JSON.stringify(events.map((e) => e.event))}`);
    };
    // masto.js subscribes once the socket is open; a post made before the hub has the subscription is not sent, so post until one arrives.
    let first: (typeof events)[number] | undefined;
    for (let i = 0; i < 10 && !first; i++) {
      const posted = await rest.v1.statuses.create({ status: `streamed ${i}` });
      first = await arrived(() => events.find((e) => e.event === "update" && e.payload.id === posted.id), 10).catch(() => undefined);
    }
    expect(first!.payload).toMatchObject({ account: { id: "1", username: "me" }, visibility: "public" });
    expect(first!.payload.content).toMatch(/^<p>streamed \d<\/p>$/);
    await rest.v1.statuses.$select(first!.payload.id).remove();
    expect((await arrived(() => events.find((e) => e.event === "delete"))).payload).toBe(first!.payload.id);

    subscription.unsubscribe();
    await new Promise((r) => setTimeout(r, 300));
    const count = events.length;
    await rest.v1.statuses.create({ status: "after unsubscribe" });
    await new Promise((r) => setTimeout(r, 1000));
    expect(events.length).toBe(count);
    streaming.close();
    await pumped;

    // The ws package itself: the 101 echoes the token offered as the subprotocol; a bad token is a 401, never an upgrade.
    const direct = new WebSocket(`${streamingApiUrl}/api/v1/streaming`, [accessToken]);
    await new Promise((resolve, reject) => (direct.on("open", resolve), direct.on("error", reject)));
    expect(direct.protocol).toBe(accessToken);
    direct.close();
    const refused = new WebSocket(`${streamingApiUrl}/api/v1/streaming`, ["not-a-token"]);
    const status = await new Promise<number>((resolve) =>
      refused.on("unexpected-response", (request, response) => {
        request.destroy();
        resolve(response.statusCode ?? 0);
      }),
    );
    expect(status).toBe(401);
  }, 60_000);
});

describe("megalodon", () => {
  it("registers, signs in, posts with a content warning, reacts, reads home and notifications, uses a list and a filter", async () => {
    const anonymous = generator("mastodon", URL_BASE);
    const app = await anonymous.registerApp("megalodon test", { scopes: ["read", "write", "follow"] });
    const code = await approve(app.client_id, "read write follow");
    const token = await anonymous.fetchAccessToken(app.client_id, app.client_secret, code, OOB);
    const client = generator("mastodon", URL_BASE, token.access_token);

    const me = await client.verifyAccountCredentials();
    expect(me.data.username).toBe("me");
    const status = await client.postStatus("from megalodon", { spoiler_text: "cw", visibility: "unlisted" });
    expect(status.data).toMatchObject({ spoiler_text: "cw", visibility: "unlisted" });
    expect((await client.favouriteStatus(status.data.id)).data.favourited).toBe(true);
    expect((await client.reblogStatus(status.data.id)).data.reblog.id).toBe(status.data.id);
    expect((await client.bookmarkStatus(status.data.id)).data.bookmarked).toBe(true);
    const edited = await client.editStatus(status.data.id, { status: "edited from megalodon" });
    expect(edited.data.edited_at).not.toBeNull();
    const home = await client.getHomeTimeline({ limit: 5 });
    expect(home.data.some((s: { reblog: { id: string } | null }) => s.reblog?.id === status.data.id)).toBe(true);
    expect(Array.isArray((await client.getNotifications()).data)).toBe(true);

    // A list holding the owner (Mastodon lets one list oneself) shows the owner's post; a v1 filter (megalodon 10 has no v2) comes back.
    const list = await client.createList("megalodon list");
    await client.addAccountsToList(list.data.id, [me.data.id]);
    expect((await client.getAccountsInList(list.data.id)).data.map((a: { id: string }) => a.id)).toEqual([me.data.id]);
    expect((await client.getListTimeline(list.data.id)).data.map((s: { id: string }) => s.id)).toContain(status.data.id);
    const filter = await client.createFilter("megalodon", ["home"], { whole_word: true });
    expect(filter.data).toMatchObject({ phrase: "megalodon", context: ["home"], whole_word: true, irreversible: false });
    expect((await client.getFilters()).data.map((f: { id: string }) => f.id)).toContain(filter.data.id);
    await client.deleteList(list.data.id);
    await client.deleteStatus(status.data.id);
  }, 60_000);
});

describe("the owner CLI (npm run roost)", () => {
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [path.resolve(import.meta.dirname, "../../scripts/roost.mjs"), ...args], { env: { PATH: process.env.PATH!, ROOST_URL: URL_BASE, ROOST_TOKEN: OWNER_TOKEN } }, (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      ),
    );

  it("posts Markdown, replies to a post by its URL, deletes one by its permalink and shows a post's deliveries by its id", async () => {
    const posted = await cli("post", "**hi** there", "--visibility", "unlisted");
    const [, uri, id] = /^posted (\S+) \(id (\d+)\)\n$/.exec(posted.stdout) ?? [];
    expect(posted.code, posted.stderr).toBe(0);
    const status = await (await fetch(`${URL_BASE}/api/v1/statuses/${id}`, { headers: { Authorization: `Bearer ${OWNER_TOKEN}` } })).json();
    expect(status).toMatchObject({ uri, visibility: "unlisted", content: "<p><strong>hi</strong> there</p>" });

    const reply = await cli("post", "a reply", "--reply-to", uri!);
    const replyId = /\(id (\d+)\)/.exec(reply.stdout)?.[1];
    const replied = (await (await fetch(`${URL_BASE}/api/v1/statuses/${replyId}`, { headers: { Authorization: `Bearer ${OWNER_TOKEN}` } })).json()) as { uri: string; url: string };
    expect(replied).toMatchObject({ in_reply_to_id: id });

    expect(await cli("delete", replied.url)).toMatchObject({ code: 0, stdout: `deleted ${replied.uri}\n` });
    expect((await cli("deliveries", id!)).stdout).toMatch(/^targets /);
  }, 60_000);
});
