// The dashboard's HTML: one page of sections (src/web/dashboard/routes.tsx gathers them) and a
// post's deliveries. Plain forms, no script needed; each form posts to a dashboard action with
// the session's CSRF token and where to come back to.
import type { Child } from "hono/jsx";
import type { ActorName } from "../../domain/dashboard.ts";
import type { deliveryReport, recentDeliveries, troubledServers } from "../../domain/deliveries.ts";
import type { AliasProgress } from "../../domain/aliases.ts";
import type { MoveState } from "../../domain/move-out.ts";
import type { UsageReport } from "../../domain/usage.ts";
import { Layout } from "../layout.tsx";
import { DASHBOARD } from "./session.ts";

type Report = NonNullable<Awaited<ReturnType<typeof deliveryReport>>>;
type Troubled = Awaited<ReturnType<typeof troubledServers>>;
type Recent = Awaited<ReturnType<typeof recentDeliveries>>;

const when = (iso: string | number | null) => (iso === null ? "—" : new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC");

/** A POST form to a dashboard action: the token, where to return, the fields, one button. */
export function ActionForm(props: { action: string; csrf: string; back: string; fields: Record<string, string>; label: string; name?: string; value?: string; children?: Child }) {
  return (
    <form method="post" action={`${DASHBOARD}/${props.action}`} class="inline">
      <input type="hidden" name="csrf" value={props.csrf} />
      <input type="hidden" name="back" value={props.back} />
      {Object.entries(props.fields).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" name={props.name} value={props.value} class="plain">
        {props.label}
      </button>
      {props.children}
    </form>
  );
}

/** A POST form to a dashboard action that asks for one account (@user@host or its URL), with an optional box to tick first. */
function AccountForm(props: { action: string; csrf: string; label: string; button: string; confirm?: string }) {
  const id = `account-${props.action.replace(/\W/g, "-")}`;
  return (
    <form method="post" action={`${DASHBOARD}/${props.action}`} class="interact">
      <input type="hidden" name="csrf" value={props.csrf} />
      <input type="hidden" name="back" value={`${DASHBOARD}#migration`} />
      <label for={id}>{props.label}</label>
      <input id={id} name="account" required placeholder="@name@example.social" autocomplete="off" />
      {props.confirm && (
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> {props.confirm}
        </label>
      )}
      <button type="submit">{props.button}</button>
    </form>
  );
}

/** A section of the overview: its heading (the anchor forms come back to), then one row per item or the `empty` sentence. */
function ListSection<T>(props: { id: string; title: string; empty: string; items: T[]; row: (item: T) => Child }) {
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.items.length === 0 ? (
        <p>{props.empty}</p>
      ) : (
        <ul class="rows">
          {props.items.map((item) => (
            <li>{props.row(item)}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function DashboardShell(props: { title: string; lang: string; children: Child }) {
  return (
    <Layout title={props.title} lang={props.lang}>
      <main class="dash">
        <p class="meta">
          <a href={DASHBOARD}>Dashboard</a> · <a href="/@me">Your profile</a> · <a href="/oauth/passkeys">Passkeys</a>
        </p>
        {props.children}
      </main>
    </Layout>
  );
}

/** The one-line state of a post's deliveries. */
export function counts(r: Report | null): string {
  if (!r) return "not sent to other servers";
  const c = r.counts;
  if (c.targets === null) return "queued";
  if (c.targets === 0) return "no other server to send to";
  const parts = [`${c.targets} inbox${c.targets === 1 ? "" : "es"}`];
  if (c.delivered !== null) parts.push(`${c.delivered} delivered`);
  if (c.unconfirmed) parts.push(`${c.unconfirmed} unconfirmed`);
  if (c.pending) parts.push(`${c.pending} pending`);
  if (c.givenUp) parts.push(`${c.givenUp} given up`);
  return `${r.state}: ${parts.join(", ")}`;
}

export function PostsSection(props: { posts: Recent; localId: (uri: string) => string | null }) {
  return (
    <ListSection
      id="posts"
      title="Latest posts: deliveries"
      empty="No posts yet."
      items={props.posts}
      row={(p) => {
        const id = props.localId(p.uri);
        const label = `${p.reblogOf ? "Boost" : "Post"} of ${when(p.published)} (${p.visibility})`;
        return (
          <>
            {id ? <a href={`${DASHBOARD}/posts/${id}`}>{label}</a> : label}
            <span class={p.report && (p.report.counts.pending > 0 || p.report.counts.givenUp > 0) ? "bad" : "meta"}> — {counts(p.report)}</span>
          </>
        );
      }}
    />
  );
}

export function TroubleSection(props: { hosts: Troubled; csrf: string }) {
  return (
    <ListSection
      id="trouble"
      title="Servers in trouble"
      empty="None: every server took what was sent."
      items={props.hosts}
      row={(h) => (
        <>
          <strong>{h.host}</strong> <span class="bad">{h.state === "unavailable" ? "unavailable" : "backlog"}</span>{" "}
          <span class="meta">
            since {when(h.since)}; {h.pending} pending, {h.givenUp} given up; failed on {h.failureDays.length} day{h.failureDays.length === 1 ? "" : "s"}; next try {when(h.nextAttemptAt)}
          </span>{" "}
          {h.pending > 0 && <ActionForm action="retry" csrf={props.csrf} back={`${DASHBOARD}#trouble`} fields={{ host: h.host }} label={`Retry now (${h.host})`} />}
          {h.recent[0]?.lastError && <p class="meta">Last error: {h.recent[0].lastError}</p>}
        </>
      )}
    />
  );
}

/** `postUrl`: the post's page; null for a boost (its Announce has no page of ours). */
export function PostDeliveries(props: { report: Report; csrf: string; back: string; postUrl: string | null }) {
  const { report } = props;
  return (
    <>
      <h1>Deliveries of a post</h1>
      <p>
        {props.postUrl ? <a href={props.postUrl}>The post</a> : "A boost"} · <span class="meta">{report.activityId}</span>
      </p>
      <p class={report.counts.pending > 0 || report.counts.givenUp > 0 ? "bad" : ""}>{counts(report)}</p>
      {report.servers.length === 0 ? (
        <p>No server has anything waiting or given up{report.counts.delivered !== null ? ": every inbox took it." : " (yet)."}</p>
      ) : (
        report.servers.map((server) => (
          <section aria-label={server.host}>
            <h2>
              {server.host} {server.unavailable && <span class="bad">(unavailable)</span>}
            </h2>
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Inbox</th>
                    <th scope="col">State</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Last answer</th>
                    <th scope="col">Next try</th>
                  </tr>
                </thead>
                <tbody>
                  {server.deliveries.map((d) => (
                    <tr>
                      <td class="wrap">{d.inbox}</td>
                      <td class="bad">{d.state === "pending" ? "pending" : "given up"}</td>
                      <td>{d.attempts}</td>
                      <td class="wrap">{[d.lastStatus, d.lastError].filter((x) => x !== null).join(" ")}</td>
                      <td>{when(d.nextAttemptAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {server.deliveries.some((d) => d.attempts > 0 || d.state === "pending") && (
              <ActionForm action="retry" csrf={props.csrf} back={props.back} fields={{ host: server.host, activity: report.activityId }} label={`Retry now (${server.host})`} />
            )}
          </section>
        ))
      )}
    </>
  );
}

function RequestRow(props: { who: ActorName; actorId: string; createdAt: number; csrf: string }) {
  const { who } = props;
  const form = { action: "follow-requests", csrf: props.csrf, back: `${DASHBOARD}#requests`, fields: { actor: props.actorId }, name: "decision" };
  return (
    <>
      <a href={who.url}>{who.name ? `${who.name} (${who.handle})` : who.handle}</a> <span class="meta">asked {when(props.createdAt)}</span>{" "}
      <ActionForm {...form} label={`Approve ${who.handle}`} value="authorize" /> <ActionForm {...form} label={`Reject ${who.handle}`} value="reject" />
    </>
  );
}

export function FollowRequestsSection(props: { requests: { actorId: string; createdAt: number }[]; names: Map<string, ActorName>; csrf: string }) {
  return (
    <ListSection
      id="requests"
      title="Follow requests"
      empty="No one is waiting."
      items={props.requests}
      row={(r) => <RequestRow who={props.names.get(r.actorId)!} actorId={r.actorId} createdAt={r.createdAt} csrf={props.csrf} />}
    />
  );
}

const NOTIFICATION_TEXT: Record<string, string> = {
  follow: "followed you",
  follow_request: "asked to follow you",
  like: "liked your post",
  reaction: "reacted to your post",
  announce: "boosted your post",
  mention: "mentioned you",
  reply: "replied to you",
  update: "edited a post you interacted with",
  status: "posted",
  poll: "a poll ended",
  report: "reported you",
};

type NotificationRow = { id: number; type: string; actorId: string; objectId: string | null; createdAt: number };

export function NotificationsSection(props: { rows: NotificationRow[]; names: Map<string, ActorName> }) {
  const row = (n: NotificationRow, who: ActorName) => (
    <>
      <a href={who.url}>{who.handle}</a> {NOTIFICATION_TEXT[n.type] ?? n.type}
      {n.objectId && (
        <>
          {" "}
          (<a href={n.objectId}>the post</a>)
        </>
      )}{" "}
      <span class="meta">{when(n.createdAt)}</span>
    </>
  );
  return <ListSection id="notifications" title="Notifications" empty="None yet." items={props.rows} row={(n) => row(n, props.names.get(n.actorId)!)} />;
}

export function BlocksSection(props: { blocks: { kind: "actor" | "domain"; value: string }[]; names: Map<string, ActorName>; csrf: string }) {
  return (
    <ListSection
      id="blocks"
      title="Blocks"
      empty="No one is blocked."
      items={props.blocks}
      row={(b) => {
        const label = b.kind === "domain" ? b.value : (props.names.get(b.value)?.handle ?? b.value);
        return (
          <>
            {b.kind === "domain" ? "The server " : ""}
            <strong>{label}</strong>{" "}
            <ActionForm action="unblock" csrf={props.csrf} back={`${DASHBOARD}#blocks`} fields={{ kind: b.kind, value: b.value }} label={`Unblock ${label}`} />
          </>
        );
      }}
    />
  );
}

export function AppsSection(props: { apps: { app: { id: number; name: string; website: string | null; createdAt: number }; scopes: string[]; tokens: number }[]; csrf: string }) {
  return (
    <ListSection
      id="apps"
      title="Authorised apps"
      empty="No app is registered."
      items={props.apps}
      row={({ app, scopes, tokens }) => (
        <>
          <strong>{app.name}</strong> {app.website && <a href={app.website}>{app.website}</a>}{" "}
          <span class="meta">
            {scopes.join(" ")}; {tokens === 0 ? "no live token" : `${tokens} live token${tokens === 1 ? "" : "s"}`}; registered {when(app.createdAt)}
          </span>{" "}
          <ActionForm action="apps/revoke" csrf={props.csrf} back={`${DASHBOARD}#apps`} fields={{ id: String(app.id) }} label={`Revoke ${app.name}`} />
        </>
      )}
    />
  );
}

const USAGE_NAMES: Record<string, string> = {
  queueOperations: "Queue operations",
  d1RowsRead: "D1 rows read",
  d1RowsWritten: "D1 rows written",
  durableObjectRequests: "Durable Object requests",
};

export function UsageSection(props: { usage: UsageReport }) {
  const { usage } = props;
  return (
    <section aria-labelledby="usage">
      <h2 id="usage">Usage today ({usage.day}, {usage.plan} plan)</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Counter</th>
              <th scope="col">Used</th>
              <th scope="col">Daily allowance</th>
            </tr>
          </thead>
          <tbody>
            {(Object.keys(USAGE_NAMES) as (keyof typeof usage.used)[]).map((key) => {
              const limit = usage.limits?.[key] ?? null;
              const share = limit ? usage.used[key] / limit : 0;
              return (
                <tr>
                  <td>{USAGE_NAMES[key]}</td>
                  <td class={share >= usage.slowDownAt ? "bad" : ""}>
                    {usage.used[key].toLocaleString("en")}
                    {limit ? ` (${(share * 100).toFixed(share < 0.1 ? 2 : 0)} %)` : ""}
                  </td>
                  <td>{limit ? limit.toLocaleString("en") : "billed, no daily cap"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="meta">
        {usage.waitingOn
          ? `Bulk delivery waits for the next UTC day: ${USAGE_NAMES[usage.waitingOn]} passed ${Math.round(usage.slowDownAt * 100)} % of the allowance.`
          : `Bulk delivery slows down at ${Math.round(usage.slowDownAt * 100)} % of an allowance.`}
      </p>
    </section>
  );
}

export function MigrationSection(props: { aliases: AliasProgress[]; move: MoveState; csrf: string }) {
  const { aliases, move, csrf } = props;
  const back = `${DASHBOARD}#migration`;
  return (
    <section aria-labelledby="migration">
      <h2 id="migration">Migration</h2>
      {move.movedTo ? (
        <p class="bad">
          This account has moved to <a href={move.movedTo}>{move.movedTo}</a>
          {move.lastMove && ` (Move sent ${when(move.lastMove.sentAt)}; another is possible from ${when(move.lastMove.nextMoveAt)})`}.{" "}
          <ActionForm action="move/undo" csrf={csrf} back={back} fields={{}} label="Undo the move" />
        </p>
      ) : (
        <>
          <p>Not moved away{move.lastMove ? ` (the last Move, to ${move.lastMove.target}, was undone)` : ""}.</p>
          <AccountForm
            action="move"
            csrf={csrf}
            label="Move to another account (it must list this one as an alias):"
            button="Move"
            confirm="Tell every follower's server that this account has moved there"
          />
        </>
      )}
      {aliases.length === 0 ? (
        <p>No old accounts (aliases) are moving here.</p>
      ) : (
        <ul class="rows">
          {aliases.map((a) => (
            <li>
              <a href={a.alias}>{a.alias}</a>:{" "}
              <span class="meta">
                {a.state ?? "not read yet"}; {a.listed} of {a.expected ?? "?"} followers listed, {a.arrived} follow you here{a.error ? `; ${a.error}` : ""}
              </span>{" "}
              <ActionForm action="aliases/refresh" csrf={csrf} back={back} fields={{ account: a.alias }} label={`Read again (${a.alias})`} />{" "}
              <ActionForm action="aliases/remove" csrf={csrf} back={back} fields={{ account: a.alias }} label={`Remove (${a.alias})`} />
            </li>
          ))}
        </ul>
      )}
      <AccountForm action="aliases/add" csrf={csrf} label="Add an old account as an alias (moving here from it):" button="Add alias" />
      <p class="meta">The same as `npm run roost -- aliases` and `move` (docs/portability.md).</p>
    </section>
  );
}

export function Problem(props: { title: string; lang: string; message: string; back: string }) {
  return (
    <DashboardShell title={props.title} lang={props.lang}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p>
        <a href={props.back}>← Back</a>
      </p>
    </DashboardShell>
  );
}
