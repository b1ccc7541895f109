// Lists and filters through the Mastodon client API, as apps use them: a followed account's post
// arrives signed through the inbox, then lists sort it and filters mark or hide it.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, signIn } from "./client-support.ts";
import { ACTOR, count, deliverFromMastodon, MASTODON, ORIGIN, waitFor } from "./helpers.ts";

let token: string;

beforeAll(async () => {
  token = await signIn("read write follow");
});

async function json<T = any>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const text = await r.text();
  expect(r.status, text).toBe(status);
  return JSON.parse(text) as T;
}

const send = (path: string, method: string, body: unknown) => api(token, path, { method, body: JSON.stringify(body) });

/** `name` on mastodon.test is followed (accepted) and its post, mentioning us, arrives through the inbox and shows in home. */
async function followedPost(name: string, content: string, inReplyTo?: string) {
  const actor = `${MASTODON}/users/${name}`;
  await env.DB.prepare("INSERT OR REPLACE INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')").bind(actor, `${actor}/inbox`, `${ORIGIN}/activities/f-${name}`).run();
  const note = {
    id: `${actor}/statuses/${crypto.randomUUID()}`,
    type: "Note",
    attributedTo: actor,
    content,
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${actor}/followers`, ACTOR],
    tag: [{ type: "Mention", href: ACTOR, name: "@me@roost.test" }],
    published: new Date().toISOString(),
    ...(inReplyTo ? { inReplyTo } : {}),
  };
  const res = await deliverFromMastodon({ "@context": "https://www.w3.org/ns/activitystreams", id: `${note.id}/activity`, type: "Create", actor, to: note.to, cc: note.cc, object: note }, { actor: name });
  expect(res.status).toBe(202);
  return waitFor(async () => (await json<any[]>(api(token, "/api/v1/timelines/home?limit=40"))).find((s) => s.uri === note.id));
}

const homeHas = async (uri: string) => (await json<any[]>(api(token, "/api/v1/timelines/home?limit=40"))).find((s) => s.uri === uri);

describe("lists", () => {
  it("CRUD, a followed member, its posts in the list timeline, exclusive out of home, gone from lists when unfollowed", async () => {
    const post = await followedPost("dana", "<p>from dana</p>");
    const dana = post.account.id as string;

    const list = await json(send("/api/v1/lists", "POST", { title: "Friends" }));
    expect(list).toEqual({ id: expect.stringMatching(/^\d+$/), title: "Friends", replies_policy: "list", exclusive: false });
    const renamed = await json(send(`/api/v1/lists/${list.id}`, "PUT", { title: "Close friends", replies_policy: "followed" }));
    expect(renamed).toMatchObject({ title: "Close friends", replies_policy: "followed" });
    expect((await json<any[]>(api(token, "/api/v1/lists"))).map((l) => l.id)).toContain(list.id);

    // Rails' form of the ids, as most apps send them.
    const add = await api(token, `/api/v1/lists/${list.id}/accounts`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: `account_ids[]=${dana}` });
    expect(await json(add)).toEqual({});
    expect((await json<any[]>(api(token, `/api/v1/lists/${list.id}/accounts?limit=0`))).map((a) => a.id)).toEqual([dana]);
    expect((await json<any[]>(api(token, `/api/v1/accounts/${dana}/lists`))).map((l) => l.id)).toEqual([list.id]);
    // Already a member: Mastodon's uniqueness validation.
    expect((await json(send(`/api/v1/lists/${list.id}/accounts`, "POST", { account_ids: [dana] }), 422)).error).toBe("Validation failed: Account has already been taken");
    // An account the owner does not follow: Mastodon's ListAccount finds no follow and answers 404.
    const stranger = await json(api(token, "/api/v1/accounts/lookup?acct=erin@mastodon.test"));
    expect((await json(send(`/api/v1/lists/${list.id}/accounts`, "POST", { account_ids: [stranger.id] }), 404)).error).toBe("Record not found");
    expect(await count("list_accounts", "list_id = ?", Number(list.id))).toBe(1);

    // Replies: to herself always shown; to a post not stored (no known target) left out.
    const [own] = await Promise.all([followedPost("dana", "<p>more</p>", post.uri), followedPost("dana", "<p>@erin hi</p>", `${MASTODON}/users/erin/statuses/1`)]);
    await json(send(`/api/v1/lists/${list.id}`, "PUT", { replies_policy: "list" }));
    const timeline = await json<any[]>(api(token, `/api/v1/timelines/list/${list.id}`));
    expect(timeline.map((s) => s.uri)).toEqual([own.uri, post.uri]);

    expect(await json(send(`/api/v1/lists/${list.id}`, "PUT", { exclusive: true }))).toMatchObject({ exclusive: true });
    expect(await homeHas(post.uri)).toBeUndefined();
    expect((await json<any[]>(api(token, `/api/v1/timelines/list/${list.id}?limit=1`))).map((s) => s.uri)).toEqual([own.uri]);

    expect(await json(api(token, `/api/v1/accounts/${dana}/unfollow`, { method: "POST" }))).toMatchObject({ following: false });
    expect(await json(api(token, `/api/v1/lists/${list.id}/accounts`))).toEqual([]);

    expect(await json(api(token, `/api/v1/lists/${list.id}`, { method: "DELETE" }))).toEqual({});
    expect((await json(api(token, `/api/v1/lists/${list.id}`), 404)).error).toBe("Record not found");
  });

  it("refuses bad input with JSON errors and changes nothing", async () => {
    expect((await json(send("/api/v1/lists", "POST", { title: "  " }), 422)).error).toBe("Validation failed: Title can't be blank");
    expect((await json(send("/api/v1/lists", "POST", { title: "x", replies_policy: "everyone" }), 422)).error).toBe("'everyone' is not a valid replies_policy");
    expect((await json(api(token, "/api/v1/lists/123"), 404)).error).toBe("Record not found");
    expect((await json(api(token, "/api/v1/lists/abc"), 404)).error).toBe("Record not found");
    expect((await json(api(token, "/api/v1/timelines/list/123"), 404)).error).toBe("Record not found");
    expect(await count("lists")).toBe(0);
  });
});

describe("filters", () => {
  it("v2: a whole-word keyword warns on home; hide takes the status out of home and notifications", async () => {
    const post = await followedPost("fern", "<p>I love <strong>Rust</strong> and other rustaceans</p>");
    const mentioned = async () => (await json<any[]>(api(token, "/api/v1/notifications"))).some((n) => n.status?.uri === post.uri);
    expect(await mentioned()).toBe(true);

    const filter = await json(send("/api/v2/filters", "POST", { title: "Crabs", context: ["home"], filter_action: "warn", keywords_attributes: [{ keyword: "rust", whole_word: true }] }));
    expect(filter).toMatchObject({ title: "Crabs", context: ["home"], filter_action: "warn", expires_at: null, keywords: [{ keyword: "rust", whole_word: true }], statuses: [] });
    // Whole word: "rustacean" is not a word of "rustaceans"; without whole_word it matches inside.
    const whole = await json(send("/api/v2/filters", "POST", { title: "Whole", context: ["home"], keywords_attributes: [{ keyword: "rustacean", whole_word: true }] }));
    const part = await json(send("/api/v2/filters", "POST", { title: "Part", context: ["home"], keywords_attributes: [{ keyword: "RUSTACEAN", whole_word: false }] }));
    // Expired at once (expires_in 0): it no longer applies.
    await json(send("/api/v2/filters", "POST", { title: "Gone", context: ["home"], filter_action: "hide", expires_in: 0, keywords_attributes: [{ keyword: "love" }] }));

    const shown = await homeHas(post.uri);
    expect(shown.filtered).toEqual([
      { filter: { id: filter.id, title: "Crabs", context: ["home"], expires_at: null, filter_action: "warn" }, keyword_matches: ["Rust"], status_matches: null },
      { filter: expect.objectContaining({ id: part.id }), keyword_matches: ["rustacean"], status_matches: null },
    ]);
    expect(shown.filtered.some((r: any) => r.filter.id === whole.id)).toBe(false);

    // The filter's statuses: this one by id, through the statuses endpoints.
    const named = await json(send(`/api/v2/filters/${whole.id}/statuses`, "POST", { status_id: shown.id }));
    expect(named).toEqual({ id: expect.any(String), status_id: shown.id });
    expect((await homeHas(post.uri)).filtered.find((r: any) => r.filter.id === whole.id)).toMatchObject({ keyword_matches: null, status_matches: [shown.id] });
    expect(await json(api(token, `/api/v2/filter_statuses/${named.id}`, { method: "DELETE" }))).toEqual({});

    // Hide, in home and notifications; a keyword added on its own endpoint, the old one removed by _destroy.
    const updated = await json(send(`/api/v2/filters/${filter.id}`, "PUT", { filter_action: "hide", context: ["home", "notifications"], keywords_attributes: [{ id: filter.keywords[0].id, _destroy: true }] }));
    expect(updated).toMatchObject({ filter_action: "hide", context: ["home", "notifications"], keywords: [] });
    const keyword = await json(send(`/api/v2/filters/${filter.id}/keywords`, "POST", { keyword: "love", whole_word: true }));
    expect(await json(api(token, `/api/v2/filter_keywords/${keyword.id}`))).toEqual({ id: keyword.id, keyword: "love", whole_word: true });
    expect(await homeHas(post.uri)).toBeUndefined();
    expect(await mentioned()).toBe(false);
    // Not in the public context: the public timeline still shows it, marked.
    const inPublic = (await json<any[]>(api(token, "/api/v1/timelines/public?limit=40"))).find((s) => s.uri === post.uri);
    expect(inPublic.filtered.map((r: any) => r.filter.id)).toContain(filter.id);

    expect(await json(api(token, `/api/v2/filters/${filter.id}`, { method: "DELETE" }))).toEqual({});
    expect(await homeHas(post.uri)).toBeDefined();
    expect(await mentioned()).toBe(true);
  });

  it("v1: a filter round trip, seen in v2 as one keyword of a filter", async () => {
    const created = await json(send("/api/v1/filters", "POST", { phrase: "kotlin", context: ["public", "thread"], irreversible: true, whole_word: false }));
    expect(created).toEqual({ id: expect.any(String), phrase: "kotlin", context: ["public", "thread"], whole_word: false, expires_at: null, irreversible: true });
    const v2 = (await json<any[]>(api(token, "/api/v2/filters"))).find((f) => f.title === "kotlin");
    expect(v2).toMatchObject({ context: ["public", "thread"], filter_action: "hide", keywords: [{ id: created.id, keyword: "kotlin", whole_word: false }] });

    const updated = await json(send(`/api/v1/filters/${created.id}`, "PUT", { phrase: "kotlin2", context: ["home"], irreversible: false }));
    expect(updated).toMatchObject({ id: created.id, phrase: "kotlin2", context: ["home"], irreversible: false });
    expect(await json(api(token, `/api/v2/filters/${v2.id}`))).toMatchObject({ title: "kotlin2", filter_action: "warn", keywords: [{ keyword: "kotlin2" }] });
    expect(await json(api(token, `/api/v1/filters/${created.id}`))).toEqual(updated);

    expect(await json(api(token, `/api/v1/filters/${created.id}`, { method: "DELETE" }))).toEqual({});
    expect((await json<any[]>(api(token, "/api/v1/filters"))).some((f) => f.id === created.id)).toBe(false);
    expect((await json(api(token, `/api/v1/filters/${created.id}`), 404)).error).toBe("Record not found");
  });

  it("refuses bad input with JSON errors and changes nothing", async () => {
    const before = await count("filters");
    const bad = async (body: unknown, error: string) => expect((await json(send("/api/v2/filters", "POST", body), 422)).error).toBe(error);
    await bad({ title: "x", context: ["nowhere"] }, "Validation failed: Context None or invalid context supplied");
    await bad({ title: "x", context: [] }, "Validation failed: Context None or invalid context supplied");
    await bad({ title: "", context: ["home"] }, "Validation failed: Title can't be blank");
    await bad({ title: "x", context: ["home"], filter_action: "explode" }, "Validation failed: Filter action is not included in the list");
    await bad({ title: "x", context: ["home"], expires_in: "soon" }, "Validation failed: expires_in must be a number of seconds");
    await bad({ title: "x", context: ["home"], keywords_attributes: [{ keyword: " " , whole_word: true }] }, "Validation failed: Keywords keyword can't be blank");
    expect((await json(send("/api/v1/filters", "POST", { phrase: "x", context: ["elsewhere"] }), 422)).error).toBe("Validation failed: Context None or invalid context supplied");
    expect(await count("filters")).toBe(before);
    expect((await json(api(token, "/api/v2/filters/abc"), 404)).error).toBe("Record not found");
    expect((await json(api(token, "/api/v2/filters/123"), 404)).error).toBe("Record not found");
    expect((await json(send("/api/v2/filters/123", "PUT", { title: "y" }), 404)).error).toBe("Record not found");
    expect((await json(api(token, "/api/v2/filter_keywords/123"), 404)).error).toBe("Record not found");
  });
});
