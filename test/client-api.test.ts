// The Mastodon client API as apps use it: sign-in, scopes, posting, timelines, notifications, the
// conventions clients depend on (numeric ids, Link pagination, CORS, bodies of every kind).
import { beforeAll, describe, expect, it } from "vitest";
import { api, authorize, exchange, json, OOB, registerApp, signIn } from "./client-support.ts";
import * as helpers from "./helpers.ts";
import { count, deliverFromMastodon, MASTODON, ORIGIN, worker } from "./helpers.ts";

let token: string;

beforeAll(async () => {
  token = await signIn("read write follow");
});

async function post(text: string, extra: Record<string, unknown> = {}) {
  const res = await api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: text, ...extra }) });
  expect(res.status).toBe(200);
  return json(res);
}

describe("OAuth", () => {
  it("registers an app with any redirect URI string and answers Mastodon's shape", async () => {
    const app = await registerApp("read write", "com.tapbots.Ivory.10217:/request_token");
    expect(app).toMatchObject({ name: "Test app", scopes: ["read", "write"], redirect_uris: ["com.tapbots.Ivory.10217:/request_token"], client_secret_expires_at: 0 });
    expect(app.id).toMatch(/^\d+$/);
    const refused = await worker("/api/v1/apps", { method: "POST", body: new URLSearchParams({ client_name: "x", redirect_uris: "javascript:alert(1)" }) });
    expect(refused.status).toBe(422);
    expect(await json(refused)).toHaveProperty("error");
  });

  it("redirects with the code and state to a custom scheme, and a code works once", async () => {
    const redirectUri = "com.example.app:/oauth";
    const app = await registerApp("read write", redirectUri);
    const code = await authorize(app, { redirectUri, scope: "read", state: "xyz" });
    const first = await exchange(app, code, { redirect_uri: redirectUri, scope: "read write follow push" });
    expect(first.status).toBe(200);
    const body = await json(first);
    expect(body).toMatchObject({ token_type: "Bearer", scope: "read" });
    expect((await exchange(app, code, { redirect_uri: redirectUri })).status).toBe(400);
  });

  it("checks PKCE S256 when a challenge was sent", async () => {
    const app = await registerApp();
    const verifier = "a".repeat(43);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const challenge = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect((await exchange(app, await authorize(app, { challenge }), { code_verifier: "b".repeat(43) })).status).toBe(400);
    expect((await exchange(app, await authorize(app, { challenge }), { code_verifier: verifier })).status).toBe(200);
  });

  it("refuses an unknown client with 401 invalid_client, and a wrong owner token at sign-in", async () => {
    const res = await worker("/oauth/token", { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials", client_id: "nope", client_secret: "nope" }) });
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: "invalid_client" });
    const login = await worker("/oauth/login", { method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded" }, body: "token=wrong-token-value&next=/oauth/authorize?x=1" });
    expect(login.status).toBe(401);
    const crossSite = await worker("/oauth/login", { method: "POST", headers: { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" }, body: "token=x&next=/" });
    expect(crossSite.status).toBe(403);
  });

  it("client_credentials gives an app token: apps/verify_credentials yes, the owner's data no", async () => {
    const app = await registerApp("read");
    const res = await worker("/oauth/token", {
      method: "POST",
      headers: { Authorization: `Basic ${btoa(`${app.client_id}:${app.client_secret}`)}` },
      body: new URLSearchParams({ grant_type: "client_credentials", redirect_uri: OOB }),
    });
    const appToken = (await json(res)).access_token as string;
    expect((await api(appToken, "/api/v1/apps/verify_credentials")).status).toBe(200);
    expect((await api(appToken, "/api/v1/accounts/verify_credentials")).status).toBe(422);
  });

  it("enforces scopes: a read token cannot post; revoke ends a token", async () => {
    const app = await registerApp("read");
    const readToken = (await json(await exchange(app, await authorize(app, { scope: "read" })))).access_token as string;
    expect((await api(readToken, "/api/v1/timelines/home")).status).toBe(200);
    const refused = await api(readToken, "/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "nope" }) });
    expect(refused.status).toBe(403);
    expect(await count("objects")).toBeGreaterThanOrEqual(0);
    await worker("/oauth/revoke", { method: "POST", body: new URLSearchParams({ client_id: app.client_id, client_secret: app.client_secret, token: readToken }) });
    expect((await api(readToken, "/api/v1/timelines/home")).status).toBe(401);
    expect((await worker("/api/v1/timelines/home")).status).toBe(401);
  });

  it("the owner lists the apps with their tokens and revokes one, which ends its tokens", async () => {
    const app = await registerApp("read");
    const appToken = (await json(await exchange(app, await authorize(app, { scope: "read" })))).access_token as string;
    const listed = await json(helpers.owner("/api/roost/apps"));
    const entry = listed.apps.find((a: { id: string }) => a.id === app.id);
    expect(entry).toMatchObject({ name: "Test app", tokens: [{ scopes: ["read"] }] });
    expect((await helpers.owner(`/api/roost/apps/${app.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await api(appToken, "/api/v1/timelines/home")).status).toBe(401);
    expect((await helpers.owner(`/api/roost/apps/${app.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("publishes its metadata, with S256", async () => {
    const meta = await json(worker("/.well-known/oauth-authorization-server"));
    expect(meta).toMatchObject({ token_endpoint: `${ORIGIN}/oauth/token`, code_challenge_methods_supported: ["S256"] });
  });
});

describe("instance and account", () => {
  it("v1 and v2 instance say 4.x compatible, with the configuration strict clients need", async () => {
    const v2 = await json(worker("/api/v2/instance"));
    expect(v2.version).toMatch(/^4\.\d+\.\d+ \(compatible; Roost /);
    expect(v2).toMatchObject({ api_versions: { mastodon: 7 }, registrations: { enabled: false }, contact: { email: "" } });
    expect(v2.configuration.statuses.max_characters).toBeGreaterThan(0);
    expect(typeof v2.thumbnail.url).toBe("string");
    const v1 = await json(worker("/api/v1/instance/"));
    expect(v1).toHaveProperty("urls");
    expect(v1.version).toBe(v2.version);
  });

  it("verify_credentials is the owner, id 1, with source and image URLs", async () => {
    const me = await json(api(token, "/api/v1/accounts/verify_credentials"));
    expect(me).toMatchObject({ id: "1", username: "me", acct: "me", display_name: "Test Owner", source: { privacy: "public" } });
    expect(me.avatar).toMatch(/^https:\/\//);
    expect((await worker(new URL(me.avatar).pathname)).headers.get("Content-Type")).toBe("image/png");
  });
});

describe("profile", () => {
  it("update_credentials (multipart, Rails fields) changes the profile in D1, the actor and sends Update{Person}", async () => {
    const form = new FormData();
    form.set("display_name", "Renamed Owner");
    form.set("note", "A new bio.");
    form.set("fields_attributes[0][name]", "Blog");
    form.set("fields_attributes[0][value]", "https://blog.example");
    form.set("source[privacy]", "unlisted");
    const res = await api(token, "/api/v1/accounts/update_credentials", { method: "PATCH", body: form });
    expect(res.status).toBe(200);
    const me = await json(res);
    expect(me).toMatchObject({ display_name: "Renamed Owner", source: { note: "A new bio.", privacy: "unlisted" }, fields: [{ name: "Blog" }] });
    const actor = await json(worker("/users/me", { headers: { Accept: "application/activity+json" } }));
    expect(actor).toMatchObject({ name: "Renamed Owner", attachment: [{ name: "Blog" }] });
    expect(await count("activities", "type = 'Update' AND json_extract(document, '$.object.name') = 'Renamed Owner'")).toBe(1);
    expect((await json(api(token, "/api/v1/preferences")))["posting:default:visibility"]).toBe("unlisted");
    const tooLong = await api(token, "/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ display_name: "x".repeat(500) }) });
    expect(tooLong.status).toBe(422);
    // Back to the test profile, for the other files' expectations of this node.
    await api(token, "/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ display_name: "Test Owner", note: "Hello from the tests.\n\nSee https://example.com/about", fields_attributes: [{ name: "Site", value: "https://example.com" }], source: { privacy: "public" } }) });
  });
});

describe("statuses", () => {
  it("posts, reads, edits, reads the source and deletes with text for redraft", async () => {
    const created = await post("Hello *apps*", { spoiler_text: "cw", visibility: "unlisted", language: "en" });
    expect(created).toMatchObject({ visibility: "unlisted", spoiler_text: "cw", sensitive: true, language: "en", reblog: null, account: { id: "1" } });
    expect(created.id).toMatch(/^\d+$/);
    // Apps send plain text: no Markdown, as on Mastodon.
    expect(created.content).toBe("<p>Hello *apps*</p>");
    expect(Number(created.id)).toBeLessThan(2 ** 53);
    const fetched = await json(api(token, `/api/v1/statuses/${created.id}`));
    expect(fetched.uri).toBe(created.uri);
    const edited = await api(token, `/api/v1/statuses/${created.id}`, { method: "PUT", body: JSON.stringify({ status: "Hello again", spoiler_text: "cw" }) });
    expect((await json(edited)).edited_at).not.toBeNull();
    expect(await json(api(token, `/api/v1/statuses/${created.id}/source`))).toMatchObject({ text: "Hello again", spoiler_text: "cw" });
    const deleted = await json(api(token, `/api/v1/statuses/${created.id}`, { method: "DELETE" }));
    expect(deleted.text).toBe("Hello again");
    expect((await api(token, `/api/v1/statuses/${created.id}`)).status).toBe(404);
  });

  it("replies by in_reply_to_id and shows the thread", async () => {
    const parent = await post("parent");
    const child = await post("child\n\nsecond _paragraph_ https://example.com/x", { in_reply_to_id: parent.id });
    expect(child.content).toBe('<p>child</p><p>second _paragraph_ <a href="https://example.com/x" rel="nofollow noopener noreferrer" target="_blank">https://example.com/x</a></p>');
    expect(child).toMatchObject({ in_reply_to_id: parent.id, in_reply_to_account_id: "1" });
    const context = await json(api(token, `/api/v1/statuses/${child.id}/context`));
    expect(context.ancestors.map((s: { id: string }) => s.id)).toEqual([parent.id]);
    const down = await json(api(token, `/api/v1/statuses/${parent.id}/context`));
    expect(down.descendants.map((s: { id: string }) => s.id)).toEqual([child.id]);
  });

  it("honours Idempotency-Key: the same key posts once", async () => {
    const before = await count("objects");
    const send = () => api(token, "/api/v1/statuses", { method: "POST", headers: { "Idempotency-Key": "abc-123" }, body: new URLSearchParams({ status: "once" }) });
    const [a, b] = [await json(send()), await json(send())];
    expect(a.id).toBe(b.id);
    expect(await count("objects")).toBe(before + 1);
  });

  it("favourites, boosts (a wrapper with its own id), bookmarks and undoes them", async () => {
    const status = await post("like me");
    expect((await json(api(token, `/api/v1/statuses/${status.id}/favourite`, { method: "POST" }))).favourited).toBe(true);
    const boost = await json(api(token, `/api/v1/statuses/${status.id}/reblog`, { method: "POST" }));
    expect(boost.id).not.toBe(status.id);
    expect(boost.reblog).toMatchObject({ id: status.id, reblogged: true });
    expect((await json(api(token, `/api/v1/statuses/${status.id}/bookmark`, { method: "POST" }))).bookmarked).toBe(true);
    expect((await json(api(token, "/api/v1/bookmarks"))).map((s: { id: string }) => s.id)).toContain(status.id);
    const undone = await json(api(token, `/api/v1/statuses/${status.id}/unreblog`, { method: "POST" }));
    expect(undone.reblogged).toBe(false);
    expect((await json(api(token, `/api/v1/statuses/${status.id}/unfavourite`, { method: "POST" }))).favourited).toBe(false);
  });

  it("refuses what it cannot do with 422 and a reason, and stores nothing", async () => {
    const before = await count("objects");
    for (const body of [{ status: "" }, { status: "x", visibility: "secret" }, { status: "x", media_ids: ["1"] }, { status: "x", poll: { options: ["a"], expires_in: 300 } }, { status: "x", in_reply_to_id: "999" }]) {
      const res = await api(token, "/api/v1/statuses", { method: "POST", body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(await json(res)).toHaveProperty("error");
    }
    expect((await api(token, "/api/v1/statuses", { method: "POST", body: "{not json" })).status).toBe(422);
    expect((await api(token, "/api/v1/statuses/abc")).status).toBe(404);
    expect(await count("objects")).toBe(before);
  });
});

describe("timelines and pagination", () => {
  it("pages home with limit=2 over 5 posts, following next until an empty page without next", async () => {
    await json(api(token, "/api/v1/notifications/clear", { method: "POST" }));
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push((await post(`page ${i}`)).id as string);
    let url: string | null = "/api/v1/timelines/home?limit=2";
    const seen: string[] = [];
    let pages = 0;
    while (url && pages < 20) {
      const res = await api(token, url);
      const items = (await json(res)) as { id: string }[];
      pages++;
      seen.push(...items.map((i) => i.id));
      const next = /<([^>]+)>; rel="next"/.exec(res.headers.get("Link") ?? "")?.[1];
      if (items.length === 0) expect(next).toBeUndefined();
      url = next ? new URL(next).pathname + new URL(next).search : null;
      if (next) expect(next).toContain("limit=2");
    }
    expect(seen.slice(0, 5)).toEqual([...mine].reverse());
    const sorted = [...seen].sort((a, b) => (a.length - b.length) || (a < b ? -1 : 1)).reverse();
    expect(seen).toEqual(sorted);
    // min_id: the page just above the cursor, newest first.
    const above = (await json(api(token, `/api/v1/timelines/home?min_id=${mine[1]}&limit=2`))) as { id: string }[];
    expect(above.map((s) => s.id)).toEqual([mine[3], mine[2]]);
  });

  it("shows a post of an account we follow, and its boost of someone's post", async () => {
    // bob on mastodon.test is followed (accepted) directly in D1; his post arrives signed.
    const { env } = await import("cloudflare:test");
    await env.DB.prepare("INSERT OR REPLACE INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')").bind(`${MASTODON}/users/bob`, `${MASTODON}/users/bob/inbox`, `${ORIGIN}/activities/f-bob`).run();
    const note = { id: `${MASTODON}/users/bob/statuses/1`, type: "Note", attributedTo: `${MASTODON}/users/bob`, content: "<p>from <script>x</script>bob</p>", to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [`${MASTODON}/users/bob/followers`], published: new Date().toISOString() };
    const res = await deliverFromMastodon({ "@context": "https://www.w3.org/ns/activitystreams", id: `${note.id}/activity`, type: "Create", actor: note.attributedTo, to: note.to, cc: note.cc, object: note }, { actor: "bob" });
    expect(res.status).toBe(202);
    const { waitFor } = await import("./helpers.ts");
    const home = await waitFor(async () => {
      const items = (await json(api(token, "/api/v1/timelines/home?limit=40"))) as { uri: string; content: string; account: { acct: string } }[];
      return items.find((i) => i.uri === note.id);
    });
    expect(home.content).toBe("<p>from bob</p>");
    expect(home.account.acct).toBe("bob@mastodon.test");
  });
});

describe("mutes", () => {
  it("a muted account leaves home and notifications, shows in relationships and mutes, and comes back when unmuted", async () => {
    const { env } = await import("cloudflare:test");
    const carol = `${MASTODON}/users/carol`;
    await env.DB.prepare("INSERT OR REPLACE INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')").bind(carol, `${carol}/inbox`, `${ORIGIN}/activities/f-carol`).run();
    const note = { id: `${carol}/statuses/1`, type: "Note", attributedTo: carol, content: "<p>from carol</p>", to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [`${carol}/followers`, helpers.ACTOR], tag: [{ type: "Mention", href: helpers.ACTOR, name: "@me@roost.test" }] };
    expect((await deliverFromMastodon({ "@context": "https://www.w3.org/ns/activitystreams", id: `${note.id}/activity`, type: "Create", actor: carol, to: note.to, cc: note.cc, object: note }, { actor: "carol" })).status).toBe(202);
    const home = async () => ((await json(api(token, "/api/v1/timelines/home?limit=40"))) as { uri: string }[]).some((s) => s.uri === note.id);
    const mentioned = async () => ((await json(api(token, "/api/v1/notifications"))) as { account: { acct: string } }[]).some((n) => n.account.acct === "carol@mastodon.test");
    await helpers.waitFor(home);
    expect(await mentioned()).toBe(true);
    const account = (await json(api(token, "/api/v2/search?q=%40carol%40mastodon.test&resolve=true"))).accounts[0] ?? (await json(api(token, `/api/v1/accounts/lookup?acct=carol@mastodon.test`)));
    const muted = await json(api(token, `/api/v1/accounts/${account.id}/mute`, { method: "POST", body: JSON.stringify({ notifications: true }) }));
    expect(muted).toMatchObject({ muting: true, muting_notifications: true });
    expect(await home()).toBe(false);
    expect(await mentioned()).toBe(false);
    expect((await json(api(token, "/api/v1/mutes"))).map((a: { id: string }) => a.id)).toContain(account.id);
    expect((await json(api(token, `/api/v1/accounts/${account.id}/unmute`, { method: "POST" }))).muting).toBe(false);
    expect(await home()).toBe(true);
    expect(await mentioned()).toBe(true);
  });
});

describe("notifications and stubs", () => {
  it("lists notifications with unknown types[] ignored, and v2 groups", async () => {
    const res = await api(token, "/api/v1/notifications?types[]=mention&types[]=not_a_type");
    expect(res.status).toBe(200);
    expect(Array.isArray(await json(res))).toBe(true);
    const v2 = await json(api(token, "/api/v2/notifications"));
    expect(v2).toHaveProperty("notification_groups");
  });

  it("every stub answers 200", async () => {
    for (const path of ["/api/v1/trends", "/api/v2/suggestions", "/api/v1/announcements", "/api/v1/followed_tags", "/api/v2/filters", "/api/v1/lists", "/api/v1/conversations", "/api/v1/mutes", "/api/v1/custom_emojis", "/api/v1/markers", "/api/v1/preferences", "/api/v2/notifications/policy"]) {
      const res = await api(token, path);
      expect(res.status, path).toBe(200);
    }
  });

  it("answers CORS preflights and exposes Link", async () => {
    const res = await worker("/api/v1/timelines/home", { method: "OPTIONS", headers: { Origin: "https://phanpy.social", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" } });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const get = await api(token, "/api/v1/timelines/home", { headers: { Origin: "https://phanpy.social" } });
    expect(get.headers.get("Access-Control-Expose-Headers")).toContain("Link");
  });

  it("an unknown endpoint is a JSON 404", async () => {
    const res = await api(token, "/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(await json(res)).toHaveProperty("error");
  });
});

describe("living with a Fedify account through the API", () => {
  const FEDIFY = "https://fedify.test";
  const PEER = `${FEDIFY}/users/peer`;
  const { peer, waitFor, ACTOR, AP } = helpers;

  it("finds @peer@fedify.test with resolve, follows it, sees its post in home and its like and reply as notifications", async () => {
    // The offline Fedify peer reads our documents from what the test pushes.
    const webfinger = "/.well-known/webfinger?resource=acct%3Ame%40roost.test";
    await peer(`${FEDIFY}/__control/documents`, {
      [`${ORIGIN}${webfinger}`]: await (await worker(webfinger)).json(),
      [ACTOR]: await (await worker("/users/me", { headers: { Accept: AP } })).json(),
    });
    const found = await json(api(token, "/api/v2/search?q=%40peer%40fedify.test&resolve=true&type=accounts"));
    expect(found.accounts).toHaveLength(1);
    const account = found.accounts[0];
    expect(account).toMatchObject({ acct: "peer@fedify.test", uri: PEER });
    expect(account.id).toMatch(/^\d+$/);

    const relationship = await json(api(token, `/api/v1/accounts/${account.id}/follow`, { method: "POST" }));
    expect(relationship).toMatchObject({ id: account.id, requested: true, following: false });
    // Fedify got our Follow and answers with its Accept.
    const follow = await waitFor(async () => {
      const received = await peer<{ type: string; activity: Record<string, unknown> }[]>(`${FEDIFY}/__control/received`);
      return received.find((r) => r.type === "Follow" && (r.activity.object === PEER));
    });
    const accept = await peer<{ url: string; method: string; headers: Record<string, string>; body: string }>(`${FEDIFY}/__control/accept`, {
      follow: follow.activity,
      inbox: `${ACTOR}/inbox`,
      spec: "draft-cavage-http-signatures-12",
    });
    expect((await worker(accept.url, { method: accept.method, headers: accept.headers, body: accept.body })).status).toBe(202);
    await waitFor(async () => (await json(api(token, `/api/v1/accounts/relationships?id[]=${account.id}`)))[0].following);

    // Its post arrives and shows in home; then it likes and replies to one of ours.
    const send = async (path: string, body: Record<string, unknown>) => {
      const signed = await peer<{ id: string; url: string; method: string; headers: Record<string, string>; body: string }>(`${FEDIFY}/__control/${path}`, body);
      expect((await worker(signed.url, { method: signed.method, headers: signed.headers, body: signed.body })).status).toBe(202);
      return signed;
    };
    await send("note", { inbox: `${ACTOR}/inbox`, content: "<p>hello from Fedify</p>" });
    const inHome = await waitFor(async () => ((await json(api(token, "/api/v1/timelines/home?limit=40"))) as any[]).find((s) => s.account.acct === "peer@fedify.test"));
    expect(inHome.content).toBe("<p>hello from Fedify</p>");

    const mine = await post("tell me what you think");
    await send("like", { object: mine.uri, inbox: `${ACTOR}/inbox` });
    await send("note", { inbox: `${ACTOR}/inbox`, content: "<p>nice</p>", inReplyTo: mine.uri, mention: ACTOR });
    const notifications = await waitFor(async () => {
      const list = (await json(api(token, "/api/v1/notifications"))) as any[];
      const byPeer = list.filter((n) => n.account.id === account.id);
      return byPeer.some((n) => n.type === "mention") && byPeer.some((n) => n.type === "favourite") ? byPeer : null;
    });
    expect(notifications.find((n) => n.type === "favourite")).toMatchObject({ account: { id: account.id }, status: { id: mine.id } });
    expect(notifications.find((n) => n.type === "mention")).toMatchObject({ account: { id: account.id }, status: { in_reply_to_id: mine.id } });
    const grouped = await json(api(token, "/api/v2/notifications"));
    expect(grouped.notification_groups.map((g: { type: string }) => g.type)).toEqual(expect.arrayContaining(["mention", "favourite"]));
    const context = await json(api(token, `/api/v1/statuses/${mine.id}/context`));
    expect(context.descendants.map((s: { content: string }) => s.content)).toContain("<p>nice</p>");
  });
});
