// The owner's dashboard (/dashboard): the sign-in it sends an unsigned browser through, the
// form checks (session, Origin, CSRF token) that refuse a change, and two actions end to end —
// approving a follow request (the Accept reaches the follower's server) and "retry now" (a
// given-up delivery is re-queued and delivered).
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { handleActivity } from "../src/inbox/process.ts";
import { normalizeActivity } from "../src/federation/normalize.ts";
import { createServices } from "../src/runtime/services.ts";
import { form, ownerCookie } from "./client-support.ts";
import { hostObject, Sink } from "./delivery-support.ts";
import { count, follow, MASTODON, ORIGIN, ourPublicKey, peer, postStatus, type Received, waitFor, worker } from "./helpers.ts";

/** A pending follow request from `name` on the Mastodon-style peer, through the inbox job's handler with manual approval on. */
async function requestFollow(name: string): Promise<string> {
  const s = createServices(env);
  const activity = normalizeActivity(follow(name));
  if (!activity.ok) throw new Error(activity.reason);
  await handleActivity(activity.value, { ...s, profile: async () => ({ ...(await s.profile()), manuallyApprovesFollowers: true }) });
  return activity.value.actor;
}

const page = (path: string, cookie: string) => worker(path, { headers: { Cookie: cookie } });
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
/** A form POST from the dashboard, signed in with `cookie`. */
const send = (path: string, cookie: string, fields: Record<string, string>, origin = ORIGIN) => {
  const f = form(fields);
  return worker(path, { ...f, headers: { ...f.headers, Origin: origin, Cookie: cookie }, redirect: "manual" });
};

let cookie = "";

beforeAll(async () => {
  await peer(`${MASTODON}/__control/trust`, await ourPublicKey());
  cookie = await ownerCookie("/dashboard");
});

describe("signing in to the dashboard", () => {
  it("sends an unsigned browser to the sign-in page and back; the page is private and under the strict CSP", async () => {
    const unsigned = await worker("/dashboard", { redirect: "manual" });
    expect(unsigned.status).toBe(303);
    expect(unsigned.headers.get("Location")).toBe("/oauth/login?next=%2Fdashboard");
    const signIn = await worker("/oauth/login?next=%2Fdashboard");
    expect(signIn.status).toBe(200);
    const signInPage = await signIn.text();
    expect(signInPage).toContain('name="next" value="/dashboard"');
    // The sign-in page's policy lets its served stylesheet load (it was inline-only, so unstyled).
    expect(signInPage).toMatch(/<link rel="stylesheet" href="\/assets\/roost\.[0-9a-z]+\.css"/);
    expect(signIn.headers.get("Content-Security-Policy")).toContain("style-src 'self'");
    // Not a way to send the browser elsewhere.
    expect((await worker("/oauth/login?next=https%3A%2F%2Fevil.example%2F")).status).toBe(400);
    expect((await worker("/oauth/login?next=%2F%2Fevil.example")).status).toBe(400);

    const signedIn = await worker("/oauth/login", { ...form({ token: "test-owner-token-0123456789", next: "/dashboard" }), redirect: "manual" });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("Location")).toBe("/dashboard");
    expect(signedIn.headers.get("Set-Cookie")).toMatch(/HttpOnly.*SameSite=Lax|SameSite=Lax.*HttpOnly/i);
    expect(signedIn.headers.get("Set-Cookie")).toContain("Path=/;");

    const res = await page("/dashboard", cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("private, no-store");
    const csp = res.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("form-action 'self';");
    expect(csp).toMatch(/script-src 'sha256-[^']+';/);
    const html = await res.text();
    for (const id of ["posts", "trouble", "requests", "notifications", "blocks", "apps", "usage", "migration"]) expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/free plan|paid plan/);
  });
});

describe("dashboard forms", () => {
  it("refuse a change without the session, from another origin, or without this session's token, and bad input changes nothing", async () => {
    const actor = await requestFollow("uma");
    const csrf = csrfOf(await (await page("/dashboard", cookie)).text());
    expect(csrf).not.toBe("");
    const fields = { actor, decision: "authorize", back: "/dashboard#requests" };
    expect((await send("/dashboard/follow-requests", "", { ...fields, csrf })).status).toBe(401);
    expect((await send("/dashboard/follow-requests", cookie, { ...fields, csrf }, "https://evil.example")).status).toBe(403);
    expect((await send("/dashboard/follow-requests", cookie, fields)).status).toBe(403);
    expect((await send("/dashboard/follow-requests", cookie, { ...fields, csrf: csrf.replace(/.$/, (ch) => (ch === "A" ? "B" : "A")) })).status).toBe(403);
    // A token of another session does not do either.
    const other = await ownerCookie("/dashboard");
    const otherCsrf = csrfOf(await (await page("/dashboard", other)).text());
    if (other !== cookie) expect((await send("/dashboard/follow-requests", cookie, { ...fields, csrf: otherCsrf })).status).toBe(403);
    const bad = await send("/dashboard/follow-requests", cookie, { ...fields, decision: "maybe", csrf });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect((await send("/dashboard/retry", cookie, { host: "not a host", csrf })).status).toBe(400);
    expect((await send("/dashboard/apps/revoke", cookie, { id: "999999", csrf })).status).toBe(404);
    expect(await count("followers", "actor_id = ? AND state = 'pending'", actor)).toBe(1);
  });

  it("approving a follow request makes them a follower and sends the Accept to their server", async () => {
    const actor = await requestFollow("vic");
    const html = await (await page("/dashboard", cookie)).text();
    expect(html).toContain(`value="${actor}"`);
    const approved = await send("/dashboard/follow-requests", cookie, { actor, decision: "authorize", back: "/dashboard#requests", csrf: csrfOf(html) });
    expect(approved.status).toBe(303);
    expect(approved.headers.get("Location")).toBe("/dashboard#requests");
    expect(await count("followers", "actor_id = ? AND state = 'accepted'", actor)).toBe(1);
    const accept = await waitFor(async () =>
      (await peer<Received[]>(`${MASTODON}/__control/received`)).find((r) => r.activity.type === "Accept" && r.path === "/users/vic/inbox"),
    );
    expect(accept.verified).toBe(true);
    expect(await (await page("/dashboard", cookie)).text()).not.toContain(`value="${actor}"`);
    // Deciding again finds nothing to decide: a 404 page, no second Accept.
    expect((await send("/dashboard/follow-requests", cookie, { actor, decision: "reject", csrf: csrfOf(html) })).status).toBe(404);
    expect(await count("followers", "actor_id = ? AND state = 'accepted'", actor)).toBe(1);
  });

  it("retry now re-queues a given-up delivery of a post, and the server gets it", async () => {
    const sink = await Sink.open();
    const host = sink.host(3);
    const post = await postStatus({ status: "A post one server refused once." });
    await waitFor(() => count("fanouts", "activity_id = ? AND queued_at IS NOT NULL", post.activityId));
    // The server refused the first attempt for good (a 403 is not retried).
    await hostObject(host).recordFailures(host, post.activityId, "Create", [{ inbox: sink.inbox(3), status: 403, error: "forbidden" }]);
    const localId = post.uri.slice(`${ORIGIN}/objects/`.length);
    const before = await (await page(`/dashboard/posts/${localId}`, cookie)).text();
    expect(before).toContain(host);
    expect(before).toContain('<td class="bad">given up</td>');
    expect(before).toContain("permanent failure: forbidden");

    const retried = await send("/dashboard/retry", cookie, { host, activity: post.activityId, back: `/dashboard/posts/${localId}`, csrf: csrfOf(before) });
    expect(retried.status).toBe(303);
    expect(retried.headers.get("Location")).toBe(`/dashboard/posts/${localId}`);
    // Re-queued: due now, so the host's alarm sends it (run here rather than waited for).
    const status = await hostObject(host).status({ activityId: post.activityId });
    if (status.deliveries.length > 0) {
      expect(status.deliveries[0]).toMatchObject({ state: "pending", attempts: 1 });
      expect(status.deliveries[0]!.nextAttemptAt).toBeLessThanOrEqual(Date.now());
      await runDurableObjectAlarm(hostObject(host));
    }
    const arrival = await waitFor(async () => (await sink.arrivals()).find((a) => a.activity?.id === post.activityId));
    expect(arrival).toMatchObject({ host, verified: true, status: 202 });
    expect((await hostObject(host).status({ activityId: post.activityId })).deliveries).toEqual([]);
    expect(await (await page(`/dashboard/posts/${localId}`, cookie)).text()).not.toContain('<td class="bad">');
    // Nothing is left to retry: a 404 page.
    expect((await send("/dashboard/retry", cookie, { host, activity: post.activityId, csrf: csrfOf(before) })).status).toBe(404);
    expect((await send("/dashboard/retry", cookie, { host, csrf: csrfOf(before) })).status).toBe(404);
  });
});

describe("the migration section's forms", () => {
  it("adds, re-reads and removes an alias, refuses a move that is not confirmed or not listed, and changes nothing then", async () => {
    const csrf = csrfOf(await (await page("/dashboard", cookie)).text());
    const old = `${MASTODON}/users/oldhome`;
    const added = await send("/dashboard/aliases/add", cookie, { account: "@oldhome@mastodon.test", back: "/dashboard#migration", csrf });
    expect(added.status).toBe(303);
    expect(added.headers.get("Location")).toBe("/dashboard#migration");
    const listed = await (await page("/dashboard", cookie)).text();
    expect(listed).toContain(`Remove (${old})`);
    expect(((await (await worker("/users/me", { headers: { Accept: "application/activity+json" } })).json()) as { alsoKnownAs: string[] }).alsoKnownAs).toContain(old);
    // The same account twice, an unknown one, or none: a page saying why, and the aliases as they were.
    const twice = await send("/dashboard/aliases/add", cookie, { account: old, csrf });
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain("already an alias");
    expect((await send("/dashboard/aliases/add", cookie, { account: "@nobody@nowhere.test", csrf })).status).toBe(422);
    expect((await send("/dashboard/aliases/add", cookie, { account: " ", csrf })).status).toBe(400);
    expect((await send("/dashboard/aliases/refresh", cookie, { account: old, csrf })).status).toBe(303);

    // Moving: the box unticked sends nothing; an account that does not list us is refused by moveAway.
    const unconfirmed = await send("/dashboard/move", cookie, { account: "@oldhome@mastodon.test", csrf });
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toContain("Tick the box");
    const unlisted = await send("/dashboard/move", cookie, { account: "@oldhome@mastodon.test", confirm: "yes", csrf });
    expect(unlisted.status).toBe(422);
    expect(await unlisted.text()).toContain("alsoKnownAs");
    expect(await count("outgoing_moves")).toBe(0);
    expect(await (await page("/dashboard", cookie)).text()).toContain("Not moved away");
    expect((await send("/dashboard/move/undo", cookie, { csrf })).status).toBeGreaterThanOrEqual(400);

    expect((await send("/dashboard/aliases/remove", cookie, { account: old, back: "/dashboard#migration", csrf })).status).toBe(303);
    expect(await (await page("/dashboard", cookie)).text()).not.toContain(`Remove (${old})`);
    expect((await send("/dashboard/aliases/remove", cookie, { account: old, csrf })).status).toBe(404);
  });
});
