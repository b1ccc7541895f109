// The owner's dashboard (issue #13 item 5): one server-rendered page of what the owner would
// otherwise read as JSON — the latest posts' deliveries, servers in trouble, follow requests,
// notifications, blocks, authorised apps, today's usage against the plan, the migration — and a
// page per post of its deliveries. Behind the OAuth sign-in's session cookie; never cached.
//
// Handlers parse, call the use case the Mastodon API or /api/roost calls, and answer: a change is
// a POST form (session, Origin and CSRF token checked in session.ts) followed by a 303 back.
import { Hono } from "hono";
import type { AppContext, AppEnv } from "../../context.ts";
import { actorNames, recentNotifications } from "../../domain/dashboard.ts";
import { deliveryReport, HOST_NAME, recentDeliveries, retryDeliveries, troubledServers } from "../../domain/deliveries.ts";
import { addAlias, aliasProgress, removeAlias, refreshAlias } from "../../domain/aliases.ts";
import { listBlocks, unblockActor, unblockDomain } from "../../domain/blocks.ts";
import { decideFollowRequest, listFollowRequests } from "../../domain/follows.ts";
import { moveAway, moveState, undoMove } from "../../domain/move-out.ts";
import { listAuthorizedApps, revokeApp, scopesOf } from "../../domain/oauth.ts";
import { usageToday } from "../../domain/usage.ts";
import { httpIri } from "../../federation/normalize.ts";
import { htmlPage } from "../layout.tsx";
import { checkForm, DASHBOARD, dashboardSession, formToken, signInPath } from "./session.ts";
import {
  AppsSection,
  BlocksSection,
  DashboardShell,
  FollowRequestsSection,
  MigrationSection,
  NotificationsSection,
  PostDeliveries,
  PostsSection,
  Problem,
  TroubleSection,
  UsageSection,
} from "./views.tsx";

/** How many of the latest posts the overview reports on, and how many notifications it lists. */
const POSTS_SHOWN = 5;
const NOTIFICATIONS_SHOWN = 20;
const REQUESTS_SHOWN = 40;
const LOCAL_ID = /^[0-9a-z]{1,64}$/i;
/** Where a form may send the browser back to: a dashboard page, maybe with a section anchor. */
const BACK = /^\/dashboard(\/posts\/[0-9a-z]{1,64})?(#[a-z]+)?$/i;

async function lang(c: AppContext) {
  return (await c.var.services.profile()).defaultLanguage ?? "en";
}

type Refused = 400 | 404 | 409 | 422 | 429;

async function problem(c: AppContext, status: 401 | 403 | Refused, message: string, back = DASHBOARD) {
  const title = status === 401 ? "Sign in again" : status === 403 ? "Refused" : "Nothing changed";
  return htmlPage(c, <Problem title={title} lang={await lang(c)} message={message} back={status === 401 ? signInPath(DASHBOARD) : back} />, { status, owner: true });
}

/** The signed-in session for a page, or the redirect to the sign-in page that comes back here. */
async function pageSession(c: AppContext): Promise<string | Response> {
  const session = await dashboardSession(c);
  return session ?? c.redirect(signInPath(c.req.path), 303);
}

/** The post's local id, when `uri` is one of our Notes or activities (the per-post page's key). */
function localId(c: AppContext, uri: string): string | null {
  const { urls } = c.var.services;
  for (const prefix of [urls.object(""), urls.activity("")]) {
    if (uri.startsWith(prefix) && LOCAL_ID.test(uri.slice(prefix.length))) return uri.slice(prefix.length);
  }
  return null;
}

/** A checked form, then `act` with its fields; a refusal or a failed change is a 4xx page and nothing changes. */
async function action(c: AppContext, act: (fields: Record<string, string>) => Promise<{ ok: true } | { ok: false; status: Refused; message: string }>) {
  const form = await checkForm(c);
  if (!form.ok) return problem(c, form.status, form.message);
  const back = BACK.test(form.fields.back ?? "") ? form.fields.back! : DASHBOARD;
  const done = await act(form.fields);
  if (!done.ok) return problem(c, done.status, done.message, back);
  return c.redirect(back, 303);
}

export const dashboard = new Hono<AppEnv>()
  .get(DASHBOARD, async (c) => {
    const session = await pageSession(c);
    if (typeof session !== "string") return session;
    const s = c.var.services;
    const [posts, hosts, requests, notes, blocks, apps, usage, aliases, move, csrf, language] = await Promise.all([
      recentDeliveries(s, POSTS_SHOWN),
      troubledServers(s),
      listFollowRequests(s, REQUESTS_SHOWN),
      recentNotifications(s, NOTIFICATIONS_SHOWN),
      listBlocks(s),
      listAuthorizedApps(s),
      usageToday(s),
      aliasProgress(s),
      moveState(s),
      formToken(c, session),
      lang(c),
    ]);
    const names = await actorNames(s, [...requests.map((r) => r.actorId), ...notes.map((n) => n.actorId), ...blocks.filter((b) => b.kind === "actor").map((b) => b.value)]);
    return htmlPage(
      c,
      <DashboardShell title="Dashboard" lang={language}>
        <h1>Dashboard</h1>
        <nav aria-label="Sections" class="meta">
          <a href="#posts">Deliveries</a> · <a href="#trouble">Servers in trouble</a> · <a href="#requests">Follow requests ({requests.length})</a> ·{" "}
          <a href="#notifications">Notifications</a> · <a href="#blocks">Blocks</a> · <a href="#apps">Apps</a> · <a href="#usage">Usage</a> · <a href="#migration">Migration</a>
        </nav>
        <PostsSection posts={posts} localId={(uri) => localId(c, uri)} />
        <TroubleSection hosts={hosts} csrf={csrf} />
        <FollowRequestsSection requests={requests} names={names} csrf={csrf} />
        <NotificationsSection rows={notes} names={names} />
        <BlocksSection blocks={blocks} names={names} csrf={csrf} />
        <AppsSection apps={apps.map(({ app, tokens }) => ({ app, scopes: scopesOf(app), tokens: tokens.length }))} csrf={csrf} />
        <UsageSection usage={usage} />
        <MigrationSection aliases={aliases} move={move} csrf={csrf} />
      </DashboardShell>,
      { owner: true },
    );
  })
  .get(`${DASHBOARD}/posts/:id`, async (c) => {
    const session = await pageSession(c);
    if (typeof session !== "string") return session;
    const s = c.var.services;
    const id = c.req.param("id");
    if (!LOCAL_ID.test(id)) return problem(c, 400, "That is not the id of a post of yours.");
    // The same ids /api/roost/deliveries/:id takes for a local id: a boost's Announce, or a post's Create.
    const report = await deliveryReport(s, [s.urls.activity(id), `${s.urls.object(id)}/activity`]);
    if (!report) return problem(c, 404, "No post or boost of yours has that id.");
    const back = `${DASHBOARD}/posts/${id}`;
    return htmlPage(
      c,
      <DashboardShell title="Deliveries of a post" lang={await lang(c)}>
        <PostDeliveries report={report} csrf={await formToken(c, session)} back={back} postUrl={report.type === "Create" ? s.urls.permalink(id) : null} />
      </DashboardShell>,
      { owner: true },
    );
  })
  .post(`${DASHBOARD}/retry`, (c) =>
    action(c, async (f) => {
      const host = (f.host ?? "").trim().toLowerCase();
      const activity = f.activity?.trim() || null;
      if (!HOST_NAME.test(host)) return { ok: false, status: 400, message: "Which server? The form names none." };
      if (activity !== null && !httpIri(activity)) return { ok: false, status: 400, message: "The form names no activity of yours." };
      const result = await retryDeliveries(c.var.services, host, activity);
      return result.ok ? { ok: true } : { ok: false, status: result.status, message: `Nothing to retry: ${result.error}.` };
    }),
  )
  .post(`${DASHBOARD}/follow-requests`, (c) =>
    action(c, async (f) => {
      const actor = f.actor ?? "";
      if (!httpIri(actor) || (f.decision !== "authorize" && f.decision !== "reject")) return { ok: false, status: 400, message: "The form names no follow request and decision." };
      const decided = await decideFollowRequest(c.var.services, actor, f.decision === "authorize");
      return decided.ok ? { ok: true } : { ok: false, status: 404, message: `No follow request: ${decided.error}.` };
    }),
  )
  .post(`${DASHBOARD}/unblock`, (c) =>
    action(c, async (f) => {
      const value = (f.value ?? "").trim();
      if (f.kind === "actor" && httpIri(value)) {
        return (await unblockActor(c.var.services, value)) ? { ok: true } : { ok: false, status: 404, message: `${value} is not blocked.` };
      }
      if (f.kind === "domain" && HOST_NAME.test(value.toLowerCase())) {
        return (await unblockDomain(c.var.services, value.toLowerCase())) ? { ok: true } : { ok: false, status: 404, message: `${value} is not blocked.` };
      }
      return { ok: false, status: 400, message: "The form names no block." };
    }),
  )
  .post(`${DASHBOARD}/aliases/:op{add|remove|refresh}`, (c) =>
    action(c, async (f) => {
      const account = (f.account ?? "").trim();
      if (!account) return { ok: false, status: 400, message: "The form names no account." };
      const change = { add: addAlias, remove: removeAlias, refresh: refreshAlias }[c.req.param("op") as "add" | "remove" | "refresh"];
      const done = await change(c.var.services, account);
      return done.ok ? { ok: true } : { ok: false, status: done.status, message: `Nothing changed: ${done.error}.` };
    }),
  )
  .post(`${DASHBOARD}/move`, (c) =>
    action(c, async (f) => {
      const account = (f.account ?? "").trim();
      if (!account) return { ok: false, status: 400, message: "The form names no account to move to." };
      // A Move cannot be taken back by the followers' servers: the box must be ticked, as the form says.
      if (f.confirm !== "yes") return { ok: false, status: 400, message: "Tick the box to confirm the move: nothing was sent." };
      const moved = await moveAway(c.var.services, account);
      return moved.ok ? { ok: true } : { ok: false, status: moved.status, message: `Not moved: ${moved.error}.` };
    }),
  )
  .post(`${DASHBOARD}/move/undo`, (c) =>
    action(c, async () => {
      const undone = await undoMove(c.var.services);
      return undone.ok ? { ok: true } : { ok: false, status: undone.status, message: `Nothing changed: ${undone.error}.` };
    }),
  )
  .post(`${DASHBOARD}/apps/revoke`, (c) =>
    action(c, async (f) => {
      if (!/^\d{1,15}$/.test(f.id ?? "")) return { ok: false, status: 400, message: "The form names no app." };
      return (await revokeApp(c.var.services, Number(f.id))) ? { ok: true } : { ok: false, status: 404, message: "No such app (already revoked?)." };
    }),
  );
