// What the owner does in the browser for an app: sign in with the owner token, then Allow. Returns
// the code from the out-of-band page. Shared by the Python and toot sessions.
export async function approve(base, ownerToken, authorizeUrl) {
  const target = new URL(authorizeUrl, base);
  const path = `${target.pathname.replace(/\/$/, "")}${target.search}`;
  const form = (fields, cookie) => ({
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base, ...(cookie ? { Cookie: cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
  const login = await fetch(`${base}/oauth/login`, form({ token: ownerToken, next: path }));
  if (login.status !== 303) throw new Error(`sign-in answered ${login.status}: ${await login.text()}`);
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const consent = await (await fetch(`${base}${path}`, { headers: { Cookie: cookie } })).text();
  const fields = Object.fromEntries([...consent.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&amp;/g, "&").replace(/&quot;/g, '"')]));
  const page = await (await fetch(`${base}/oauth/authorize`, form({ ...fields, decision: "allow" }, cookie))).text();
  const code = /<code id="code">([^<]+)<\/code>/.exec(page)?.[1];
  if (!code) throw new Error(`no code on the consent answer: ${page}`);
  return code;
}
