// `npm run test:clients`: Debian's Mastodon.py and toot against the real Worker on local workerd,
// each signing in through our OAuth pages (the owner's approval done by approve.mjs) and running a
// short session. Needs `apt-get install python3-mastodon toot` (.ci/run does it).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { OWNER_TOKEN, prepareState, startWorker } from "../../bench/lib/worker.mjs";
import { approve } from "./approve.mjs";

const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAABAAAAAICAIAAAB/FOjAAAAA1UlEQVR4nBXPUQEAIQgEUSIYgQhGIIIRiGCEiWAEIhiBCEYgghHu5HvfAiJCE1TogglDcGEKCEsIYQspHKGEK4goTVGlK6YMxZWpoCwllK2kcpRSrv7AaIYa3TBjGG5MA2MZYWwjjWOUce0HTnPU6Y45w3FnOjjLCWc76RynnOs/gPb2018p4yWZvFkQsCHhQMH9X5OgBRr0wIIReDDjZVcQwQ4yOEEFN36QtESTnlgyEk9mvtqVRLKTTE5Syc0fFK3QohdWjMKLWe+CVUSxiyxOUcUtPsKBtAGtS0EyAAAAAElFTkSuQmCC";
const here = path.dirname(new URL(import.meta.url).pathname);
const port = 18_900 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${port}`;
const failures = [];
// A 16 × 8 RGB PNG (a gradient) for the media uploads.
const photo = path.join(mkdtempSync(path.join(tmpdir(), "roost-media-")), "photo.png");
writeFileSync(photo, Buffer.from(PNG_BASE64, "base64"));

/** Runs a client command to its end (asynchronously: the Worker's dev server lives in this process). */
function run(name, command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => {
      console.log(`${code === 0 ? "ok" : "FAILED"}: ${name}`);
      if (code !== 0) {
        failures.push(name);
        console.log(`exit ${code}`, stdout, stderr);
      }
      resolve(stdout);
    });
  });
}

/** `toot login`, answering its prompts: no browser, then the code from the page it names. */
function tootLogin(env) {
  return new Promise((resolve, reject) => {
    const child = spawn("toot", ["login", "--instance", `127.0.0.1:${port}`, "--disable-https"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    let answered = false;
    const onData = async (chunk) => {
      output += chunk;
      if (/\[Y\/n\]|\(y\/n\)|browser\?/i.test(output) && !output.includes("\u0000asked")) {
        output += "\u0000asked";
        child.stdin.write("n\n");
      }
      const url = /(https?:\/\/\S*\/oauth\/authorize\S*)/.exec(output)?.[1];
      if (url && !answered) {
        answered = true;
        try {
          child.stdin.write(`${await approve(base, OWNER_TOKEN, url)}\n`);
        } catch (error) {
          reject(error);
        }
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(`toot login exited ${code}: ${output}`))));
  });
}

const worker = await startWorker(await prepareState(), port);
try {
  await run("Mastodon.py session", "/usr/bin/python3", [path.join(here, "mastodon_py_session.py"), base, path.join(here, "approve-cli.mjs"), photo], {
    env: { ...process.env, ROOST_OWNER_TOKEN: OWNER_TOKEN },
  });

  const env = { ...process.env, XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), "roost-toot-")), NO_COLOR: "1" };
  try {
    await tootLogin(env);
    console.log("ok: toot login");
  } catch (error) {
    failures.push("toot login");
    console.log(String(error));
  }
  const whoami = await run("toot whoami", "toot", ["whoami"], { env });
  if (!/me/.test(whoami)) failures.push("toot whoami names the owner");
  const posted = await run("toot post", "toot", ["post", "from toot"], { env });
  await run("toot timeline", "toot", ["timeline", "--once"], { env });
  await run("toot notifications", "toot", ["notifications"], { env });
  // toot prints the post's URL (our permalink); its numeric id comes from the API.
  if (!posted.includes("Toot posted")) failures.push("toot post printed the posted URL");
  const [latest] = await (await fetch(`${base}/api/v1/accounts/1/statuses?limit=1`, { headers: { Authorization: `Bearer ${OWNER_TOKEN}` } })).json();
  await run("toot thread", "toot", ["thread", latest.id], { env });
  // Media: `upload` (POST /api/v1/media, answered processed) and `post --media` with alt text.
  const uploaded = await run("toot upload", "toot", ["upload", photo, "--description", "uploaded by toot"], { env });
  if (!/Successfully uploaded media ID \d+, type 'image'/.test(uploaded) || !uploaded.includes(`${base}/media/`)) failures.push("toot upload printed the id and url");
  await run("toot post --media", "toot", ["post", "a photo from toot", "--media", photo, "--description", "alt from toot"], { env });
  const [withMedia] = await (await fetch(`${base}/api/v1/accounts/1/statuses?limit=1`, { headers: { Authorization: `Bearer ${OWNER_TOKEN}` } })).json();
  if (withMedia?.media_attachments?.[0]?.description !== "alt from toot") failures.push("toot post --media attached the photo with its alt text");
} finally {
  await worker.dispose();
}
if (failures.length > 0) {
  console.log(`\n${failures.length} client checks failed: ${failures.join(", ")}`);
  process.exit(1);
}
console.log("\nMastodon.py and toot sessions passed");
