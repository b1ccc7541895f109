// FEP-044f quote posts both ways, against the Mastodon-style peer (test/peers/mastodon-peer.ts),
// with the shapes Mastodon 4.5 sends (test/fixtures/activitypub/mastodon-*quote*.json, SOURCES.md).
import { env } from "cloudflare:test";
import { desc } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { statusList } from "../src/api/entities/status.ts";
import { homeTimeline } from "../src/api/v1/timelines.ts";
import { meteredD1 } from "../src/db/metered.ts";
import { statuses } from "../src/db/schema.ts";
import { createServices } from "../src/runtime/services.ts";
import acceptTemplate from "./fixtures/activitypub/mastodon-accept-quote-request.json";
import deleteTemplate from "./fixtures/activitypub/mastodon-delete-quote-authorization.json";
import stampTemplate from "./fixtures/activitypub/mastodon-quote-authorization.json";
import requestTemplate from "./fixtures/activitypub/mastodon-quote-request.json";
import { ACTOR, AP, count, deliverFromMastodon, MASTODON, owner, ourPublicKey, peer, postStatus, type Received, waitFor, worker } from "./helpers.ts";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const alice = `${MASTODON}/users/alice`;
const QUOTED_IN_FIXTURE = "https://node.example/notes/01J5Z8Q6W3E4R5T6Y7U8I9O0P1";

async function arrival(check: (r: Received) => boolean): Promise<Received> {
  return waitFor(async () => (await peer<Received[]>(`${MASTODON}/__control/received`)).find(check) ?? null);
}

/** How long a test waits for a quote row written after its post's. */
const POLL = { timeout: 10_000, interval: 50 };
const numericId = () => String(117_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e12)));

/** Mastodon's QuoteRequest (the fixture) from `name` for `quotedUri`, with fresh ids. */
function quoteRequest(quotedUri: string, name = "alice") {
  const statusId = numericId();
  const text = JSON.stringify(requestTemplate)
    .replaceAll(QUOTED_IN_FIXTURE, quotedUri)
    .replaceAll("https://node.example/users/me", ACTOR)
    .replaceAll("https://mastodon.example", MASTODON)
    .replaceAll("/alice", `/${name}`)
    .replaceAll("117128665497600009", statusId)
    .replaceAll("7c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", crypto.randomUUID());
  const { signature: _signature, ...activity } = JSON.parse(text) as Record<string, any>;
  return activity;
}

async function statusIdOf(uri: string): Promise<string> {
  const row = await waitFor(() => env.DB.prepare("SELECT id FROM statuses WHERE uri = ?").bind(uri).first<{ id: number }>());
  return String(row.id);
}

async function status(id: string): Promise<Record<string, any>> {
  return (await (await owner(`/api/v1/statuses/${id}`)).json()) as Record<string, any>;
}

/** A public post by `name` on the peer, delivered to us (it mentions us, so we keep it). */
async function peerPost(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const author = `${MASTODON}/users/${name}`;
  const id = `${author}/statuses/${numericId()}`;
  const note = {
    id,
    type: "Note",
    attributedTo: author,
    content: `<p>post by ${name} for <span class="h-card"><a href="${ACTOR}">@me</a></span></p>`,
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${author}/followers`, ACTOR],
    tag: [{ type: "Mention", href: ACTOR, name: "@me@roost.test" }],
    ...extra,
  };
  const create = { "@context": requestTemplate["@context"], id: `${note.id}/activity`, type: "Create", actor: author, to: note.to, cc: note.cc, object: note };
  expect((await deliverFromMastodon(create, { actor: name })).status).toBe(202);
  return note.id;
}

beforeAll(async () => {
  await peer(`${MASTODON}/__control/reset`, {});
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
});

describe("a Mastodon account asks to quote the owner's post", () => {
  it("public policy: Accept whose result dereferences to a QuoteAuthorization; the quote shows, and revoking deletes the stamp", async () => {
    const post = await postStatus({ status: "quote me if you like" });
    const note = (await (await worker(post.uri, { headers: { Accept: AP } })).json()) as Record<string, any>;
    expect(note.interactionPolicy.canQuote).toEqual({ automaticApproval: [PUBLIC] });

    const request = quoteRequest(post.uri);
    expect((await deliverFromMastodon(request)).status).toBe(202);
    const accept = await arrival((r) => r.activity.type === "Accept" && r.activity.object?.id === request.id);
    expect(accept).toMatchObject({
      verified: true,
      path: "/users/alice/inbox",
      activity: { actor: ACTOR, object: { type: "QuoteRequest", actor: alice, object: post.uri, instrument: request.instrument.id } },
    });
    const stampUrl = accept.activity.result as string;
    expect(stampUrl).toMatch(new RegExp(`^${ACTOR}/quote_authorizations/`));
    const stamp = await worker(stampUrl, { headers: { Accept: AP } });
    expect(stamp.status).toBe(200);
    expect(await stamp.json()).toMatchObject({
      id: stampUrl,
      type: "QuoteAuthorization",
      attributedTo: ACTOR,
      interactingObject: request.instrument.id,
      interactionTarget: post.uri,
    });

    // The client API: the quoting post carries the quote, the owner's post counts and lists it, and the owner was told.
    const quotingId = await statusIdOf(request.instrument.id);
    expect((await status(quotingId)).quote).toMatchObject({ state: "accepted", quoted_status: { id: post.id, uri: post.uri } });
    expect(await status(post.id)).toMatchObject({ quotes_count: 1, quote: null, quote_approval: { automatic: ["public"], manual: [], current_user: "automatic" } });
    // Mastodon's quote_policy_for_account: a reader who is not signed in may not quote; a boost's
    // wrapper carries the original's policy (its serializer reads `status.proper`).
    const anonymous = (await (await worker(`/api/v1/statuses/${post.id}`)).json()) as Record<string, any>;
    expect(anonymous.quote_approval).toEqual({ automatic: ["public"], manual: [], current_user: "denied" });
    const boost = (await (await owner(`/api/v1/statuses/${post.id}/reblog`, { method: "POST" })).json()) as Record<string, any>;
    expect(boost).toMatchObject({ quote: null, quotes_count: 0, quote_approval: { automatic: ["public"], manual: [], current_user: "automatic" } });
    await owner(`/api/v1/statuses/${post.id}/unreblog`, { method: "POST" });
    const listed = (await (await owner(`/api/v1/statuses/${post.id}/quotes`)).json()) as { id: string }[];
    expect(listed.map((s) => s.id)).toEqual([quotingId]);
    const notes = (await (await owner("/api/v1/notifications?types[]=quote")).json()) as { type: string; status: { id: string } }[];
    expect(notes[0]).toMatchObject({ type: "quote", status: { id: quotingId } });

    const revoked = await owner(`/api/v1/statuses/${post.id}/quotes/${quotingId}/revoke`, { method: "POST" });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as Record<string, any>).quote).toEqual({ state: "revoked", quoted_status: null });
    const deletion = await arrival((r) => r.activity.type === "Delete" && r.activity.object === stampUrl);
    expect(deletion).toMatchObject({ verified: true, activity: { id: `${stampUrl}#delete`, actor: ACTOR, to: [PUBLIC] } });
    expect((await worker(stampUrl, { headers: { Accept: AP } })).status).toBe(404);
    expect((await owner(`/api/v1/statuses/${post.id}/quotes/${quotingId}/revoke`, { method: "POST" })).status).toBe(422);
  });

  it("nobody policy: the Note names only the owner, and the QuoteRequest gets a Reject", async () => {
    const post = await postStatus({ status: "not for quoting", quote_approval_policy: "nobody" });
    const note = (await (await worker(post.uri, { headers: { Accept: AP } })).json()) as Record<string, any>;
    expect(note.interactionPolicy.canQuote).toEqual({ automaticApproval: [ACTOR] });
    expect(post.status.quote_approval).toMatchObject({ automatic: [], current_user: "automatic" });

    const request = quoteRequest(post.uri);
    expect((await deliverFromMastodon(request)).status).toBe(202);
    const reject = await arrival((r) => r.activity.type === "Reject" && r.activity.object?.id === request.id);
    expect(reject).toMatchObject({ verified: true, activity: { actor: ACTOR, object: { type: "QuoteRequest", object: post.uri } } });
    expect(await status(post.id)).toMatchObject({ quotes_count: 0 });

    // Mastodon 4.5's PUT …/interaction_policy: the Note now lets the public quote it.
    const changed = await owner(`/api/v1/statuses/${post.id}/interaction_policy`, { method: "PUT", body: JSON.stringify({ quote_approval_policy: "public" }) });
    expect(((await changed.json()) as Record<string, any>).quote_approval).toMatchObject({ automatic: ["public"] });
    const served = (await (await worker(post.uri, { headers: { Accept: AP } })).json()) as Record<string, any>;
    expect(served.interactionPolicy.canQuote).toEqual({ automaticApproval: [PUBLIC] });
    expect((await owner("/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "x", quote_approval_policy: "friends" }) })).status).toBe(422);
  });

  it("a followers-only post: the QuoteRequest is dropped unanswered, as Mastodon answers only for public and unlisted posts", async () => {
    const post = await postStatus({ status: "for followers", visibility: "private", quote_approval_policy: "public" });
    const note = (await (await owner(`/api/v1/statuses/${post.id}`)).json()) as Record<string, any>;
    expect(note.quote_approval).toMatchObject({ automatic: [], manual: [] });
    const request = quoteRequest(post.uri);
    expect((await deliverFromMastodon(request)).status).toBe(202);
    await waitFor(async () => (await count("inbox_activities", "id = ? AND state = 'ignored'", request.id)) === 1);
    const answers = (await peer<Received[]>(`${MASTODON}/__control/received`)).filter((r) => r.activity.object?.id === request.id);
    expect(answers).toEqual([]);
    expect(await count("quotes", "quoted_uri = ?", post.uri)).toBe(0);
  });

  it("followers policy: a stranger's quote waits for the owner, who authorises it", async () => {
    const post = await postStatus({ status: "followers may quote", quote_approval_policy: "followers" });
    const request = quoteRequest(post.uri, "stranger");
    expect((await deliverFromMastodon(request, { actor: "stranger" })).status).toBe(202);
    const quotingId = await statusIdOf(request.instrument.id);
    await waitFor(async () => (await status(quotingId)).quote?.state === "pending");
    const pending = (await (await owner(`/api/v1/statuses/${post.id}/quotes?state=pending`)).json()) as { id: string }[];
    expect(pending.map((s) => s.id)).toEqual([quotingId]);

    const authorised = await owner(`/api/v1/statuses/${post.id}/quotes/${quotingId}/authorize`, { method: "POST" });
    expect(((await authorised.json()) as Record<string, any>).quote).toMatchObject({ state: "accepted", quoted_status: { id: post.id } });
    await arrival((r) => r.activity.type === "Accept" && r.activity.object?.id === request.id && r.path === "/users/stranger/inbox");
  });
});

describe("the owner quotes a Mastodon post", () => {
  it("sends a QuoteRequest, and after Mastodon's Accept an Update with quoteAuthorization", async () => {
    const quoted = await peerPost("alice", { interactionPolicy: { canQuote: { automaticApproval: [PUBLIC] } } });
    const quotedId = await statusIdOf(quoted);
    expect((await status(quotedId)).quote_approval).toEqual({ automatic: ["public"], manual: [], current_user: "automatic" });

    const posted = await postStatus({ status: "worth reading", quoted_status_id: quotedId });
    expect(posted.status.quote).toEqual({ state: "pending", quoted_status: null });
    expect(posted.status.content).toContain(`RE: <a href="${quoted}">`);
    const request = await arrival((r) => r.activity.type === "QuoteRequest" && r.activity.instrument?.id === posted.uri);
    expect(request).toMatchObject({
      verified: true,
      activity: { actor: ACTOR, object: quoted, instrument: { type: "Note", quote: quoted, _misskey_quote: quoted, quoteUri: quoted, attributedTo: ACTOR } },
    });
    expect(request.activity.id).toMatch(new RegExp(`^${ACTOR}/quote_requests/`));
    expect(request.activity.instrument.cc).toContain(alice);

    // Mastodon's answer (accept_quote_request_serializer.rb), with our request embedded.
    const stampUrl = `${alice}/quote_authorizations/${numericId()}`;
    const accept = JSON.parse(
      JSON.stringify(acceptTemplate)
        .replaceAll("https://mastodon.example/users/alice/quote_authorizations/114902", stampUrl)
        .replaceAll("https://node.example/users/me/quote_requests/2f0e8a4c-6b1d-4e57-9a3c-0d5b7e1f2a94", request.activity.id)
        .replaceAll("https://node.example/objects/01J5Z9A0B1C2D3E4F5G6H7J8K9", posted.uri)
        .replaceAll("https://mastodon.example/users/alice/statuses/117128665497600123", quoted)
        .replaceAll("https://node.example/users/me", ACTOR)
        .replaceAll("https://mastodon.example", MASTODON),
    );
    expect((await deliverFromMastodon(accept)).status).toBe(202);
    const update = await arrival((r) => r.activity.type === "Update" && r.activity.object?.id === posted.uri);
    expect(update).toMatchObject({ verified: true, activity: { object: { quote: quoted, quoteAuthorization: stampUrl } } });
    expect((await status(posted.id)).quote).toMatchObject({ state: "accepted", quoted_status: { id: quotedId, uri: quoted } });

    // The quoted post is edited: the owner hears of it (quoted_update), about their quoting post.
    const edit = {
      "@context": requestTemplate["@context"],
      id: `${quoted}#updates/1`,
      type: "Update",
      actor: alice,
      object: { id: quoted, type: "Note", attributedTo: alice, content: "<p>edited</p>", published: "2026-01-01T00:00:00Z", updated: new Date().toISOString(), to: [PUBLIC], cc: [ACTOR] },
    };
    expect((await deliverFromMastodon(edit)).status).toBe(202);
    const told = await waitFor(async () => ((await (await owner("/api/v1/notifications?types[]=quoted_update")).json()) as Record<string, any>[])[0]);
    expect(told).toMatchObject({ type: "quoted_update", status: { id: posted.id }, account: { acct: "alice@mastodon.test" } });
  });

  it("quoting a post whose author allows no quotes is refused", async () => {
    const quoted = await peerPost("alice");
    const res = await owner("/api/v1/statuses", { method: "POST", body: JSON.stringify({ status: "no", quoted_status_id: await statusIdOf(quoted) }) });
    expect(res.status).toBe(422);
  });
});

describe("a remote quote of a remote post", () => {
  it("is shown only with a valid stamp from the quoted author's server, and not after the stamp's Delete", async () => {
    const quoted = await peerPost("alice");
    // A quote whose stamp is not served (404): not shown as a quote.
    const unstamped = await peerPost("bob", { quote: quoted, quoteAuthorization: `${alice}/quote_authorizations/missing` });
    const unstampedId = await statusIdOf(unstamped);
    // The quote row is written after the post's (the quoted post and the stamp are fetched first): poll it.
    await expect.poll(async () => (await status(unstampedId)).quote, POLL).toEqual({ state: "rejected", quoted_status: null });

    // A stamp the peer serves, naming exactly this pair.
    const stampPath = `/users/alice/quote_authorizations/${numericId()}`;
    const quotingUri = `${MASTODON}/users/bob/statuses/${numericId()}`;
    const stamp = JSON.parse(
      JSON.stringify(stampTemplate)
        .replaceAll("https://mastodon.example/users/alice/quote_authorizations/114902", `${MASTODON}${stampPath}`)
        .replaceAll("https://other.example/users/bob/statuses/555", quotingUri)
        .replaceAll("https://mastodon.example/users/alice/statuses/117128665497600123", quoted)
        .replaceAll("https://mastodon.example", MASTODON),
    );
    await peer(`${MASTODON}/__control/document`, { path: stampPath, document: stamp });
    // The same stamp claimed by another post of bob's: it names a different pair, so the quote stays pending (VerifyQuoteService).
    const misused = await peerPost("bob", { quote: quoted, quoteAuthorization: stamp.id });
    const misusedId = await statusIdOf(misused);
    await expect.poll(async () => (await status(misusedId)).quote, POLL).toEqual({ state: "pending", quoted_status: null });
    // Misskey's legacy quote (no FEP-044f `quote`): no quote until it stands, as Mastodon's Quote#acceptable?; alice's own one stands at once.
    const legacy = await peerPost("bob", { _misskey_quote: quoted, quoteUri: quoted });
    expect((await status(await statusIdOf(legacy))).quote).toBeNull();
    const ownLegacy = await peerPost("alice", { _misskey_quote: quoted });
    const ownLegacyId = await statusIdOf(ownLegacy);
    await expect.poll(async () => (await status(ownLegacyId)).quote, POLL).toMatchObject({ state: "accepted", quoted_status: { uri: quoted } });
    const stamped = await peerPost("bob", { id: quotingUri, quote: quoted, quoteAuthorization: stamp.id });
    const stampedId = await statusIdOf(stamped);
    await expect.poll(async () => (await status(stampedId)).quote, POLL).toMatchObject({ state: "accepted", quoted_status: { uri: quoted } });

    const deletion = JSON.parse(JSON.stringify(deleteTemplate).replaceAll("https://mastodon.example/users/alice/quote_authorizations/114902", stamp.id).replaceAll("https://mastodon.example", MASTODON));
    expect((await deliverFromMastodon(deletion)).status).toBe(202);
    await waitFor(async () => (await status(stampedId)).quote?.state === "revoked");
  });
});

describe("a quote's life after its answer", () => {
  const GTS = "https://gts.test";

  it("a revoked stamp's Delete goes where Mastodon's RevokeQuoteService sends it: the quoting author, the owner's followers, those who liked the quoted post", async () => {
    // A follower on a third server, and a GoToSocial account that liked the post about to be quoted.
    const fan = "https://social.test/ap/users/fan";
    await env.DB.prepare("INSERT INTO followers (actor_id, inbox, shared_inbox, follow_activity_id, state) VALUES (?, ?, ?, ?, 'accepted')")
      .bind(fan, `${fan}/inbox`, "https://social.test/inbox", `${fan}/follows/${crypto.randomUUID()}`)
      .run();
    await peer(`${GTS}/__control/trust`, await ourPublicKey());
    const post = await postStatus({ status: "quote and like me" });
    const liker = `${GTS}/users/liker`;
    const like = { "@context": "https://www.w3.org/ns/activitystreams", id: `${liker}/likes/${crypto.randomUUID()}`, type: "Like", actor: liker, object: post.uri };
    const body = JSON.stringify(like);
    const { headers } = await peer<{ headers: Record<string, string> }>(`${GTS}/__control/sign`, { url: `${ACTOR}/inbox`, body, actor: "liker" });
    expect((await worker(`${ACTOR}/inbox`, { method: "POST", headers, body })).status).toBe(202);
    await waitFor(() => env.DB.prepare("SELECT 1 AS ok FROM reactions WHERE activity_id = ?").bind(like.id).first());

    const request = quoteRequest(post.uri);
    expect((await deliverFromMastodon(request)).status).toBe(202);
    const stampUrl = (await arrival((r) => r.activity.type === "Accept" && r.activity.object?.id === request.id)).activity.result as string;
    const quotingId = await statusIdOf(request.instrument.id);
    expect((await owner(`/api/v1/statuses/${post.id}/quotes/${quotingId}/revoke`, { method: "POST" })).status).toBe(200);

    const isDelete = (r: { activity: Record<string, any> }) => r.activity.type === "Delete" && r.activity.object === stampUrl;
    const atMastodon = await arrival(isDelete);
    expect(atMastodon).toMatchObject({ verified: true, path: "/inbox", activity: { id: `${stampUrl}#delete`, actor: ACTOR, to: [PUBLIC] } });
    expect(atMastodon.activity.cc).toEqual(expect.arrayContaining([`${ACTOR}/followers`, alice, liker]));
    const atGts = await waitFor(async () => (await peer<{ path: string; activity: Record<string, any>; verified: boolean }[]>(`${GTS}/__control/received`)).find(isDelete));
    expect(atGts).toMatchObject({ path: "/sharedInbox", verified: true });
    const atFollower = await waitFor(async () => (await peer<{ path: string; activity: Record<string, any> }[]>("https://social.test/__received")).find(isDelete));
    expect(atFollower.path).toBe("/inbox");
    // One delivery per server.
    expect((await peer<Received[]>(`${MASTODON}/__control/received`)).filter(isDelete)).toHaveLength(1);
  });

  it("Mastodon's Reject of our QuoteRequest after its Accept: the quote is revoked and the post sent again; a further Reject keeps it revoked", async () => {
    const quoted = await peerPost("alice", { interactionPolicy: { canQuote: { automaticApproval: [PUBLIC] } } });
    const posted = await postStatus({ status: "quoting, for now", quoted_status_id: await statusIdOf(quoted) });
    const request = await arrival((r) => r.activity.type === "QuoteRequest" && r.activity.instrument?.id === posted.uri);
    const answer = (type: "Accept" | "Reject") => ({
      "@context": acceptTemplate["@context"],
      id: `${alice}#${type.toLowerCase()}s/quote_requests/${numericId()}`,
      type,
      actor: alice,
      object: { id: request.activity.id, type: "QuoteRequest", actor: ACTOR, instrument: posted.uri, object: quoted },
      ...(type === "Accept" ? { result: `${alice}/quote_authorizations/${numericId()}` } : {}),
    });
    expect((await deliverFromMastodon(answer("Accept"))).status).toBe(202);
    await waitFor(async () => (await status(posted.id)).quote?.state === "accepted");
    const updates = async () => (await peer<Received[]>(`${MASTODON}/__control/received`)).filter((r) => r.activity.type === "Update" && r.activity.object?.id === posted.uri);
    const before = (await waitFor(async () => ((await updates()).length > 0 ? updates() : null))).length;

    expect((await deliverFromMastodon(answer("Reject"))).status).toBe(202);
    await waitFor(async () => (await status(posted.id)).quote?.state === "revoked");
    await waitFor(async () => (await updates()).length === before + 1);
    expect((await status(posted.id)).quote).toEqual({ state: "revoked", quoted_status: null });

    const again = answer("Reject");
    expect((await deliverFromMastodon(again)).status).toBe(202);
    await waitFor(() => env.DB.prepare("SELECT 1 AS ok FROM inbox_activities WHERE id = ? AND state != 'queued'").bind(again.id).first());
    expect((await status(posted.id)).quote?.state).toBe("revoked");
    expect(await updates()).toHaveLength(before + 1);
  });
});

describe("the statements of a home page with quotes", () => {
  let statements = 0;
  // The owner's account (profile, counters) is read once per Services and the accounts' numeric
  // ids are made the first time they are shown: a first page makes both, the next ones are counted.
  const s = createServices({ ...env, DB: meteredD1(env.DB, () => statements++) } as never);

  /** The statements of a home page (its query and its entities), of the statuses in `ids` (the other tests' posts left out). */
  async function homePage(ids: string[]) {
    statements = 0;
    const rows = (await s.db.select().from(statuses).where(homeTimeline(s)).orderBy(desc(statuses.id)).limit(40)).filter((row) => ids.includes(String(row.id)));
    const page = await statusList(s, rows, { owner: true, context: "home" });
    return { statements, page };
  }

  it("a page with accepted quotes and the quoted posts costs three statements more, to build the quoted statuses; one without accepted quotes none", async () => {
    // carol, whom the owner follows, quotes the owner's post; her post lets her followers quote it.
    const carol = `${MASTODON}/users/carol`;
    await env.DB.prepare("INSERT INTO following (actor_id, inbox, follow_activity_id, state) VALUES (?, ?, ?, 'accepted')")
      .bind(carol, `${carol}/inbox`, `${ACTOR}/follows/carol`)
      .run();
    const post = await postStatus({ status: "quotable, and counted" });
    const request = quoteRequest(post.uri, "carol");
    request.instrument.interactionPolicy = { canQuote: { automaticApproval: [`${carol}/followers`] } };
    expect((await deliverFromMastodon(request, { actor: "carol" })).status).toBe(202);
    const quotingId = await statusIdOf(request.instrument.id);
    await waitFor(async () => (await status(quotingId)).quote?.state === "accepted");
    // The owner quotes their post, and quotes that quote: inside a quoted status the quote is a ShallowQuote.
    const again = await postStatus({ status: "quoting myself", quoted_status_id: post.id });
    const twice = await postStatus({ status: "and again", quoted_status_id: again.id });

    const mine = [quotingId, post.id, again.id, twice.id];
    await homePage(mine);
    const { statements, page } = await homePage(mine);
    expect(page.map((e) => e.id).sort()).toEqual([...mine].sort());
    const quoting = page.find((e) => e.id === quotingId)!;
    const quoted = page.find((e) => e.id === post.id)!;
    expect(quoting).toMatchObject({
      account: { acct: "carol@mastodon.test" },
      quote: { state: "accepted", quoted_status: { id: post.id, uri: post.uri, quote: null, quotes_count: 2 } },
      // The followers of an author the owner follows: the owner may quote automatically.
      quote_approval: { automatic: ["followers"], manual: [], current_user: "automatic" },
      quotes_count: 0,
    });
    expect(quoted).toMatchObject({ quote: null, quotes_count: 2, quote_approval: { automatic: ["public"], current_user: "automatic" } });
    expect(page.find((e) => e.id === twice.id)!.quote).toEqual({
      state: "accepted",
      quoted_status: expect.objectContaining({ id: again.id, quotes_count: 1, quote: { state: "accepted", quoted_status_id: post.id } }),
    });
    // The page's query, its contents (quotes, counts and policies included), marks and accounts (carol's); the
    // quoted statuses' contents and marks — their accounts statement too, but they are the owner's, whose
    // account is known (10 and 4 before quotes rode in the contents).
    expect(statements).toBe(6);
    const accepted = new Set(page.flatMap((e) => (((e.reblog ?? e) as Record<string, any>).quote?.state === "accepted" ? [e.id] : [])));
    expect([quotingId, again.id, twice.id].every((id) => accepted.has(id))).toBe(true);
    const plain = await homePage(mine.filter((id) => !accepted.has(id)));
    expect(plain.page.find((e) => e.id === post.id)).toMatchObject({ quotes_count: 2 });
    // Left: the owner's posts (whose account is known), so no accounts statement either.
    expect(plain.statements).toBe(3);
    await env.DB.prepare("DELETE FROM following WHERE actor_id = ?").bind(carol).run();
  });
});
