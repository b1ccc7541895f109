// The public pages in a real browser: Debian's Chromium driven by playwright-core against the
// real Worker on local workerd (wrangler's dev server, fresh D1), with a Node-side peer standing
// in for a visitor's server. One browser launch for the whole file; screenshots of each page at
// phone and desktop widths go to test-results/ for people to look at.
import type axe from "axe-core";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM helper shared with the benchmarks
import { OWNER_TOKEN, prepareState, startWorker } from "../../bench/lib/worker.mjs";
import { type LoopbackFollower, startLoopbackFollower } from "../peers/loopback-follower.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`web-browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

const PORT = 18_500 + Math.floor(Math.random() * 150);
const BASE = `http://127.0.0.1:${PORT}`;
const RESULTS = path.join(import.meta.dirname, "../../test-results");
const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
// The same axe-core, its minified build: the page parses less than half as much (0.3–0.5 s a page here).
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** A smooth two-colour PNG (RGB), for an avatar and header that look like pictures in the screenshots. */
function gradientPng(width: number, height: number, from: [number, number, number], to: [number, number, number]): Uint8Array {
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      for (let c = 0; c < 3; c++) raw[y * (1 + width * 3) + 1 + x * 3 + c] = Math.round(from[c]! + (to[c]! - from[c]!) * t);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0), ihdr.writeUInt32BE(height, 4), ihdr.writeUInt8(8, 8), ihdr.writeUInt8(2, 9);
  return Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

const asOwner = (init: RequestInit = {}) => ({ ...init, headers: { Authorization: `Bearer ${OWNER_TOKEN}`, ...(init.headers as Record<string, string>) } });

async function post(params: Record<string, unknown>): Promise<{ id: string; uri: string }> {
  const res = await fetch(`${BASE}/api/v1/statuses`, asOwner({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(params) }));
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; uri: string };
}

// The visitor's server: WebFinger with a subscribe template, and the page it leads to.
let peer: Server;
let peerBase = "";
const seenAt: string[] = [];

let worker: { dispose(): Promise<void> } | undefined;
let browser: Browser | undefined;
let cwPath = "";

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  mkdirSync(RESULTS, { recursive: true });
  peer = createServer((req, res) => {
    const url = new URL(req.url ?? "/", peerBase);
    seenAt.push(url.pathname);
    if (url.pathname === "/.well-known/webfinger") {
      res.writeHead(200, { "Content-Type": "application/jrd+json" });
      res.end(JSON.stringify({ subject: url.searchParams.get("resource"), links: [{ rel: "http://ostatus.org/schema/1.0/subscribe", template: `${peerBase}/authorize_interaction?uri={uri}` }] }));
    } else if (url.pathname === "/authorize_interaction") {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(`<!doctype html><title>Follow</title><p>Follow ${url.searchParams.get("uri")}?</p>`);
    } else if (url.pathname === "/home") {
      // The owner's own site, linking back with rel="me": the profile field gets verified.
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(`<!doctype html><title>Home</title><a rel="me" href="${BASE}/@me">me on the fediverse</a>`);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
  peerBase = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;

  const [state, launched] = await Promise.all([prepareState(), chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] })]);
  browser = launched;
  worker = await startWorker(state, PORT);

  // The profile (two PATCHes, in order) beside the posts.
  const profile = (async () => {
    const images = new FormData();
    images.set("display_name", "Robin Roost");
    images.set("note", "Writing about birds, small servers and the open web.\n\nPhotos at https://example.com/photos");
    images.set("avatar", new File([gradientPng(192, 192, [74, 63, 209], [240, 160, 80])], "avatar.png", { type: "image/png" }));
    images.set("header", new File([gradientPng(900, 300, [30, 90, 140], [150, 210, 200])], "header.png", { type: "image/png" }));
    expect((await fetch(`${BASE}/api/v1/accounts/update_credentials`, asOwner({ method: "PATCH", body: images }))).status).toBe(200);
    const fields = [
      { name: "Home", value: `${peerBase}/home` },
      { name: "Pronouns", value: "they/them" },
    ];
    const updated = await fetch(`${BASE}/api/v1/accounts/update_credentials`, asOwner({ method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ fields_attributes: fields }) }));
    expect(updated.status).toBe(200);
  })();

  // The posts one after another: the pages list them in this order.
  const posts = (async () => {
    const pinned = await post({ status: "Welcome to my corner of the fediverse. Follow along for #birds and notes on running a tiny server." });
    expect((await fetch(`${BASE}/api/v1/statuses/${pinned.id}/pin`, asOwner({ method: "POST" }))).status).toBe(200);
    await post({ status: "Saw a pair of goldfinches at the feeder this morning. #birds" });
    const cw = await post({ status: "The last chapter reveals who built the nest.", spoiler_text: "book ending" });
    cwPath = new URL(cw.uri).pathname.replace("/objects/", "/@me/");
    await post({ status: "Roost serves these pages as plain HTML: they work without JavaScript and weigh a few kilobytes." });
  })();
  await Promise.all([profile, posts]);
  // The rel="me" check runs in the queue.
  const deadline = Date.now() + 10_000;
  while (!(await (await fetch(`${BASE}/@me`)).text()).includes('aria-label="Verified link"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await worker?.dispose();
  peer?.close();
});

type Cookies = Parameters<BrowserContext["addCookies"]>[0];

/** Opens `path` in a fresh page at `width` (with `cookies`: signed in), failing on any CSP violation or script error. */
async function open(path: string, size = WIDTHS.desktop, cookies: Cookies = []): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage({ viewport: size });
  if (cookies.length > 0) await page.context().addCookies(cookies);
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  const res = await page.goto(`${BASE}${path}`);
  expect(res?.status()).toBe(200);
  return { page, problems };
}

/**
 * Screenshots of `path` at each width: one page, loaded at the first width and resized to the next
 * (the pages' layout is CSS media queries, so a resize lays it out as a load at that width would);
 * a page costs Chromium a renderer process and a load, about a second of CPU each here.
 */
async function screenshots(path: string, name: string, cookies: Cookies = []) {
  const [first, ...rest] = Object.entries(WIDTHS);
  const { page } = await open(path, first![1], cookies);
  for (const [label, size] of [first!, ...rest]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${RESULTS}/${name}-${label}.png`, fullPage: true });
  }
  await page.close();
}

/** axe-core's serious and critical violations on `path` (in a context that lets its script in). */
async function violations(path: string, cookies: Cookies = []): Promise<string[]> {
  const context = await browser!.newContext({ bypassCSP: true });
  await context.addCookies(cookies);
  const page = await context.newPage();
  await page.goto(`${BASE}${path}`);
  await page.addScriptTag({ content: AXE_SOURCE });
  // Only the violations come back: the passes' node lists are large to carry over.
  const found = await page.evaluate(async () => {
    const run = (globalThis as unknown as { axe: typeof axe }).axe.run({ resultTypes: ["violations"] });
    return (await run).violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  });
  await context.close();
  return found;
}

describe.skipIf(!HAVE_CHROMIUM)("the public pages in Chromium", () => {
  it("the profile shows the avatar, the fields with a verified link and the pinned post; the copy button runs under the CSP", async () => {
    const { page, problems } = await open("/@me");
    const avatar = page.locator("header img.avatar");
    await expect.poll(() => avatar.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    expect(await avatar.getAttribute("alt")).toBe("Avatar of Robin Roost");
    expect(await page.locator("dl.fields dt").allTextContents()).toEqual(["Home", "Pronouns"]);
    expect(await page.locator("dl.fields a[rel~=me]").getAttribute("href")).toBe(`${peerBase}/home`);
    expect(await page.locator("dd.verified").textContent()).toContain(`${peerBase}/home`);
    expect(await page.locator("#pinned + article").textContent()).toContain("Welcome to my corner");
    // The inline script ran (allowed by its hash): the copy button is shown.
    const copy = page.locator("button[data-copy=handle]");
    expect(await copy.isVisible()).toBe(true);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
    await copy.click();
    expect(await copy.textContent()).toBe("Copied");
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("a post with a content warning starts collapsed and expands on click", async () => {
    const { page, problems } = await open(cwPath);
    const body = page.locator("article.focus details.cw .content");
    expect(await page.locator("article.focus details.cw").getAttribute("open")).toBeNull();
    expect(await body.isVisible()).toBe(false);
    await page.locator("article.focus details.cw > summary").click();
    expect(await body.isVisible()).toBe(true);
    expect(await body.textContent()).toContain("who built the nest");
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("the follow button, given a handle on another server, goes to that server's subscribe page with our handle", async () => {
    const { page } = await open("/@me");
    const handle = await page.locator("#handle").inputValue();
    await page.locator("#interact-follow").fill(`@visitor@${new URL(peerBase).host}`);
    await Promise.all([page.waitForURL(`${peerBase}/authorize_interaction?**`), page.getByRole("button", { name: "Follow", exact: true }).click()]);
    expect(page.url()).toBe(`${peerBase}/authorize_interaction?uri=${encodeURIComponent(handle.replace(/^@/, ""))}`);
    expect(await page.textContent("p")).toBe(`Follow ${handle.replace(/^@/, "")}?`);
    expect(seenAt).toContain("/.well-known/webfinger");
    await page.close();
  }, 60_000);

  it("axe-core finds no serious or critical violations on the profile, a post and a tag page", async () => {
    const paths = ["/@me", cwPath, "/tags/birds"];
    const found = await Promise.all(paths.map((path) => violations(path)));
    paths.forEach((path, i) => expect(found[i], path).toEqual([]));
  }, 90_000);

  it("screenshots of each page at phone and desktop widths go to test-results/", async () => {
    await Promise.all([screenshots("/@me", "profile"), screenshots(cwPath, "post"), screenshots("/tags/birds", "tag")]);
    for (const name of ["profile", "post", "tag"]) for (const width of Object.keys(WIDTHS)) expect(existsSync(`${RESULTS}/${name}-${width}.png`)).toBe(true);
  }, 90_000);
});

// The owner's dashboard: a follower whose server fails (its inbox answers 503) and one who asks to
// follow while the account is locked, both real HTTP servers on loopback; a post then fails to
// reach the first one.
describe.skipIf(!HAVE_CHROMIUM)("the owner's dashboard in Chromium", () => {
  let failing: LoopbackFollower;
  let asker: LoopbackFollower;
  let postId = "";
  let cookies: Cookies = [];
  const inbox = `${BASE}/users/me/inbox`;
  const ownerJson = (path: string, init: RequestInit = {}) =>
    fetch(`${BASE}${path}`, asOwner({ ...init, headers: { "Content-Type": "application/json", ...(init.headers as Record<string, string>) } }));
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    [failing, asker] = await Promise.all([startLoopbackFollower("fan", 503), startLoopbackFollower("asker")]);
    expect(await failing.follow(`${BASE}/users/me`, inbox)).toBe(202);
    await until(async () => ((await (await ownerJson("/api/v1/accounts/1/followers")).json()) as { uri: string }[]).some((a) => a.uri === failing.actor), "the follower");
    expect((await ownerJson("/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ locked: true }) })).status).toBe(200);
    expect(await asker.follow(`${BASE}/users/me`, inbox)).toBe(202);
    await until(async () => ((await (await ownerJson("/api/v1/follow_requests")).json()) as { uri: string }[]).some((a) => a.uri === asker.actor), "the follow request");
    const posted = await post({ status: "A post for the dashboard: one follower's server is down." });
    postId = new URL(posted.uri).pathname.split("/").pop()!;
    await until(async () => {
      const report = (await (await ownerJson(`/api/roost/deliveries/${postId}`)).json()) as { counts?: { pending: number } };
      return (report.counts?.pending ?? 0) > 0;
    }, "the failed delivery");
  }, 120_000);

  afterAll(async () => {
    await ownerJson("/api/v1/accounts/update_credentials", { method: "PATCH", body: JSON.stringify({ locked: false }) }).catch(() => undefined);
    await Promise.all([failing?.close(), asker?.close()]);
  });

  it("signs in, lists the post's deliveries with the failing server, and approves the follow request", async () => {
    const page = await browser!.newPage({ viewport: WIDTHS.desktop });
    await page.goto(`${BASE}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/oauth/login");
    await page.getByLabel("Owner token").fill(OWNER_TOKEN);
    await Promise.all([page.waitForURL(`${BASE}/dashboard`), page.getByRole("button", { name: "Sign in" }).click()]);
    cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name)).toContain("roost_owner");
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    await page.reload();

    await Promise.all([page.waitForURL(`${BASE}/dashboard/posts/${postId}`), page.locator("#posts + ul a").first().click()]);
    const server = page.getByRole("region", { name: failing.host });
    expect(await server.locator("td.bad").first().textContent()).toBe("pending");
    expect(await server.textContent()).toContain(`${failing.actor}/inbox`);
    expect(await server.getByRole("button", { name: `Retry now (${failing.host})` }).isVisible()).toBe(true);

    await page.goto(`${BASE}/dashboard`);
    await Promise.all([page.waitForURL(`${BASE}/dashboard#requests`), page.getByRole("button", { name: `Approve ${asker.handle}` }).click()]);
    expect(await page.locator("#requests + p").textContent()).toBe("No one is waiting.");
    await until(async () => asker.received.some((a) => a.type === "Accept"), "the Accept");
    expect(((await (await ownerJson("/api/v1/accounts/1/followers")).json()) as { uri: string }[]).map((a) => a.uri)).toContain(asker.actor);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it("axe-core finds no serious or critical violations on the dashboard; screenshots at phone and desktop widths", async () => {
    expect(cookies.length).toBeGreaterThan(0);
    const paths = ["/dashboard", `/dashboard/posts/${postId}`];
    const [found] = await Promise.all([
      Promise.all(paths.map((path) => violations(path, cookies))),
      screenshots("/dashboard", "dashboard", cookies),
      screenshots(`/dashboard/posts/${postId}`, "dashboard-post", cookies),
    ]);
    paths.forEach((path, i) => expect(found[i], path).toEqual([]));
    for (const name of ["dashboard", "dashboard-post"]) for (const width of Object.keys(WIDTHS)) expect(existsSync(`${RESULTS}/${name}-${width}.png`)).toBe(true);
  }, 90_000);
});
